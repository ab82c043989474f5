using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// A line of the medication administration record. GIVEN: the dose given (doseAmount in doseUnit, or dose as text; the
/// prescribed dose and route when left out). NOT_GIVEN, HELD, REFUSED: a reason, and no dose. <c>administeredAt</c>
/// defaults to now (never in the future, never before the admission). To correct an entry,
/// chart the right one with <c>correctsId</c> naming it: entries are never changed or deleted.
/// </summary>
public sealed record ChartMedicationRequest(
    [property: Required, Description("The prescription item (of an issued prescription of this admission) given or not given.")] Guid? PrescriptionItemId,
    [property: Required, OneOf(typeof(MarStatuses), nameof(MarStatuses.All))] string? Status,
    [property: Range(0.001, 100000), Description("The amount given, in doseUnit (GIVEN only).")] decimal? DoseAmount,
    [property: MaxLength(30), Description("The unit of doseAmount (the prescribed unit when left out).")] string? DoseUnit,
    [property: FreeText, MaxLength(100), Description("The dose given as text, for what is not counted (GIVEN only).")] string? Dose,
    [property: FreeText, MaxLength(50), Description("The route given by (the prescribed route when left out; GIVEN only).")] string? Route,
    DateTimeOffset? AdministeredAt,
    [property: FreeText, MaxLength(500), Description("Why it was not given (required unless GIVEN).")] string? Reason,
    [property: FreeText, MaxLength(1000)] string? Notes,
    [property: Description("The entry of this admission this one corrects (each entry is corrected at most once).")] Guid? CorrectsId) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        AdmissionFields.Instant(AdministeredAt, "administeredAt", errors);
        if (DoseAmount is { } amount && decimal.Round(amount, 3) != amount) errors.Add("doseAmount", "At most 3 decimal places.");
        if (Status is null || !MarStatuses.All.Contains(Status)) return;
        if (Status == MarStatuses.Given)
        {
            if (DoseAmount is not null && !string.IsNullOrWhiteSpace(Dose)) errors.Add("dose", "Give doseAmount (with doseUnit) or dose as text, not both.");
            if (DoseAmount is null && !string.IsNullOrWhiteSpace(DoseUnit)) errors.Add("doseUnit", "Only with doseAmount.");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Reason)) errors.Add("reason", $"Required when the status is {Status}: why it was not given.");
            if (DoseAmount is not null || !string.IsNullOrWhiteSpace(DoseUnit) || !string.IsNullOrWhiteSpace(Dose) || !string.IsNullOrWhiteSpace(Route))
                errors.Add("doseAmount", "A dose and route only when the status is GIVEN.");
        }
    }
}

public sealed record MedicationAdministrationListQuery(
    [property: Description("Only entries of this prescription item.")] Guid? PrescriptionItemId,
    [property: Description("Also entries superseded by a correction (default true: the record as charted).")] bool? IncludeSuperseded,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>
/// An entry of the medication administration record, with the medicine as prescribed, who charted it and when;
/// <c>supersededById</c> names the entry that corrected it (then this one no longer counts).
/// </summary>
public sealed record MedicationAdministrationResponse(Guid Id, Guid AdmissionId, Guid PatientId, Guid PrescriptionId, string? PrescriptionCode,
    Guid PrescriptionItemId, string Medicine, string? PrescribedDose, string Frequency,
    [property: OneOf(typeof(MarStatuses), nameof(MarStatuses.All))] string Status,
    decimal? DoseAmount, string? DoseUnit, string? Dose, string? Route, DateTimeOffset AdministeredAt, string? Reason, string? Notes,
    Guid? CorrectsId, Guid? SupersededById, DateTimeOffset RecordedAt, Guid? RecordedBy, string? RecordedByName);

/// <summary>A medicine of a prescription written for the admission: <c>id</c> is what the medication administration record names.</summary>
public sealed record AdmissionPrescriptionItem(Guid Id, int Index, string Medicine, string? Dose, string Frequency, string? Route, int? DurationDays,
    int Quantity, int QuantityDispensed, string? Instructions);

public sealed record AdmissionPrescription(Guid Id, string? Code,
    [property: OneOf(typeof(Prescriptions.PrescriptionStatuses), nameof(Prescriptions.PrescriptionStatuses.List))] string Status, Guid DoctorId, DateTimeOffset CreatedAt, DateTimeOffset? IssuedAt,
    IReadOnlyList<AdmissionPrescriptionItem> Items);

public sealed record AdmissionLabOrder(Guid Id,
    [property: OneOf(typeof(Labs.LabValues), nameof(Labs.LabValues.Statuses))] string Status,
    [property: OneOf(typeof(Labs.LabValues), nameof(Labs.LabValues.Priorities))] string Priority, Guid DoctorId, DateTimeOffset CreatedAt, DateTimeOffset? VerifiedAt,
    IReadOnlyList<string> Tests);

/// <summary>What was ordered for an admission, newest first: its prescriptions (with their items' ids, to chart) and lab orders.</summary>
public sealed record AdmissionOrdersResponse(Guid AdmissionId, IReadOnlyList<AdmissionPrescription> Prescriptions, IReadOnlyList<AdmissionLabOrder> LabOrders);
