using System.Text.Json;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Prescriptions;

public static class PrescriptionStatuses
{
    public const string Draft = "DRAFT", Issued = "ISSUED", PartiallyDispensed = "PARTIALLY_DISPENSED", Dispensed = "DISPENSED",
        Cancelled = "CANCELLED";
    public static readonly string[] List = [Draft, Issued, PartiallyDispensed, Dispensed, Cancelled];
    /// <summary>The statuses the pharmacy can still dispense from.</summary>
    public static readonly string[] Dispensable = [Issued, PartiallyDispensed];
}

/// <summary>An allergy or duplicate-therapy conflict the doctor chose to issue over, with their reason.</summary>
public sealed record PrescriptionOverride(int ItemIndex, string Code, string Detail, string Reason);

/// <summary>
/// A prescription: DRAFT (items editable) → ISSUED (immutable, coded) → PARTIALLY_DISPENSED → DISPENSED, or CANCELLED
/// with a reason while nothing was dispensed. Every transition is guarded here (409 on a wrong state).
/// </summary>
public sealed class Prescription
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid? VisitId { get; init; }
    public Guid? AdmissionId { get; init; }
    public Guid DoctorId { get; init; }
    public string Status { get; private set; } = PrescriptionStatuses.Draft;
    public string? Code { get; private set; }
    public string? Notes { get; set; }
    public List<PrescriptionOverride> Overrides { get; private set; } = [];
    public DateTimeOffset? IssuedAt { get; private set; }
    public Guid? IssuedBy { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public Guid? CancelledBy { get; private set; }
    public string? CancelReason { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;
    public List<PrescriptionItem> Items { get; init; } = [];

    public bool IsDraft => Status == PrescriptionStatuses.Draft;

    public static Prescription Draft(Guid patientId, Guid? visitId, Guid doctorId, string? notes, Guid? by, DateTimeOffset now,
        Guid? admissionId = null) => new()
    {
        PatientId = patientId, VisitId = visitId, AdmissionId = admissionId, DoctorId = doctorId, Notes = notes, CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by,
    };

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }

    /// <summary>409 <c>prescription_not_draft</c> unless the prescription can still be edited.</summary>
    public void EnsureDraft()
    {
        if (!IsDraft)
            throw new ConflictException("prescription_not_draft", $"The prescription is {Status}; only a DRAFT can be changed.");
    }

    /// <summary>Issues the draft under <paramref name="code"/> (RX-year-number), recording the conflicts overridden.</summary>
    public void Issue(string code, IReadOnlyList<PrescriptionOverride> overrides, Guid? by, DateTimeOffset now)
    {
        EnsureDraft();
        if (Items.Count == 0) throw new ConflictException("prescription_empty", "A prescription needs at least one item to be issued.");
        Status = PrescriptionStatuses.Issued;
        Code = code;
        Overrides = [.. overrides];
        (IssuedAt, IssuedBy) = (now, by);
        Touch(by, now);
    }

    /// <summary>A draft, or an issued prescription of which nothing was dispensed, can be cancelled with a reason.</summary>
    public void Cancel(string reason, Guid? by, DateTimeOffset now)
    {
        if (Status is not (PrescriptionStatuses.Draft or PrescriptionStatuses.Issued) || Items.Any(i => i.QuantityDispensed > 0))
            throw new ConflictException("prescription_not_cancellable",
                $"The prescription is {Status}; only a draft, or an issued prescription of which nothing was dispensed, can be cancelled.");
        Status = PrescriptionStatuses.Cancelled;
        CancelReason = reason;
        (CancelledAt, CancelledBy) = (now, by);
        Touch(by, now);
    }

    /// <summary>409 <c>prescription_not_dispensable</c> unless the pharmacy can dispense from it.</summary>
    public void EnsureDispensable()
    {
        if (!PrescriptionStatuses.Dispensable.Contains(Status))
            throw new ConflictException("prescription_not_dispensable", $"The prescription is {Status}; only ISSUED or PARTIALLY_DISPENSED prescriptions are dispensed.");
    }

    /// <summary>
    /// After items' <see cref="PrescriptionItem.QuantityDispensed"/> changed (a dispensing or a return): DISPENSED when every
    /// item is complete, PARTIALLY_DISPENSED when something was dispensed, ISSUED when everything was returned.
    /// </summary>
    public void FollowDispensing(Guid? by, DateTimeOffset now)
    {
        if (!PrescriptionStatuses.Dispensable.Contains(Status) && Status != PrescriptionStatuses.Dispensed)
            throw new ConflictException("prescription_not_dispensable", $"The prescription is {Status}.");
        Status = Items.All(i => i.QuantityDispensed >= i.Quantity) ? PrescriptionStatuses.Dispensed
            : Items.Any(i => i.QuantityDispensed > 0) ? PrescriptionStatuses.PartiallyDispensed
            : PrescriptionStatuses.Issued;
        Touch(by, now);
    }
}

/// <summary>
/// One line of a prescription: a stock item (or free text), dose, frequency code, route, duration, the quantity to supply
/// and how much of it was dispensed (never more than the quantity: a CHECK in the database).
/// </summary>
public sealed class PrescriptionItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PrescriptionId { get; init; }
    public int Position { get; set; }
    public Guid? StockItemId { get; set; }
    public string Medicine { get; set; } = "";
    public decimal? DoseAmount { get; set; }
    public string? DoseUnit { get; set; }
    public string? Dose { get; set; }
    public string Frequency { get; set; } = "";
    public string? Route { get; set; }
    public int? DurationDays { get; set; }
    public int Quantity { get; set; }
    public int QuantityDispensed { get; set; }
    public string? Instructions { get; set; }
}

sealed class PrescriptionConfiguration : IEntityTypeConfiguration<Prescription>, IEntityTypeConfiguration<PrescriptionItem>
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Prescription> e)
    {
        e.ToTable("prescriptions");
        e.Property(x => x.Version).IsConcurrencyToken();
        e.Property(x => x.Overrides).HasColumnType("jsonb").HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<List<PrescriptionOverride>>(v, Json) ?? new List<PrescriptionOverride>(),
            new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<PrescriptionOverride>>(
                (a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, o) => HashCode.Combine(h, o)), v => v.ToList()));
        e.HasMany(x => x.Items).WithOne().HasForeignKey(i => i.PrescriptionId);
        e.Navigation(x => x.Items).AutoInclude(false);
    }

    public void Configure(EntityTypeBuilder<PrescriptionItem> e)
    {
        e.ToTable("prescription_items");
        e.Property(x => x.DoseAmount).HasPrecision(10, 3);
    }
}
