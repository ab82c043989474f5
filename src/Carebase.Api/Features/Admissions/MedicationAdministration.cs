using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Admissions;

public static class MarStatuses
{
    public const string Given = "GIVEN", NotGiven = "NOT_GIVEN", Held = "HELD", Refused = "REFUSED";
    /// <summary>GIVEN (with the dose given), or not: NOT_GIVEN (missed, unavailable…), HELD (withheld on clinical grounds), REFUSED by the patient — each with a reason.</summary>
    public static readonly string[] All = [Given, NotGiven, Held, Refused];
}

/// <summary>
/// One line of the medication administration record: a prescription item of an admission given (the dose, route and
/// time) or not given with a reason, charted by a nurse or doctor. Append-only (a database trigger): a mistake is
/// corrected by a new entry naming the one it corrects (<see cref="CorrectsId"/>), which then reads as superseded.
/// </summary>
public sealed class MedicationAdministration
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid AdmissionId { get; init; }
    public Guid PrescriptionId { get; init; }
    public Guid PrescriptionItemId { get; init; }
    public string Status { get; init; } = MarStatuses.Given;
    public decimal? DoseAmount { get; init; }
    public string? DoseUnit { get; init; }
    public string? Dose { get; init; }
    public string? Route { get; init; }
    public DateTimeOffset AdministeredAt { get; init; }
    public string? Reason { get; init; }
    public string? Notes { get; init; }
    public Guid? CorrectsId { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    public Guid? RecordedBy { get; init; }
}

sealed class MedicationAdministrationConfiguration : IEntityTypeConfiguration<MedicationAdministration>
{
    public void Configure(EntityTypeBuilder<MedicationAdministration> e)
    {
        e.ToTable("medication_administrations");
        e.Property(x => x.DoseAmount).HasPrecision(10, 3);
    }
}
