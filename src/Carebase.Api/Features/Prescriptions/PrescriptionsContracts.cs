using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.History;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>A frequency code: how many administrations in how many days (none for PRN; STAT is one dose).</summary>
public sealed record Frequency(string Code, int Times, int PeriodDays, string Label);

/// <summary>The frequency codes and their administrations per day, in one place (the quantity computation and the PDF read them).</summary>
public static class Frequencies
{
    public static readonly IReadOnlyList<Frequency> All =
    [
        new("OD", 1, 1, "once a day"), new("BID", 2, 1, "twice a day"), new("TID", 3, 1, "three times a day"),
        new("QID", 4, 1, "four times a day"), new("Q4H", 6, 1, "every 4 hours"), new("Q6H", 4, 1, "every 6 hours"),
        new("Q8H", 3, 1, "every 8 hours"), new("Q12H", 2, 1, "every 12 hours"), new("QHS", 1, 1, "at bedtime"),
        new("WEEKLY", 1, 7, "once a week"), new("PRN", 0, 1, "when needed"), new("STAT", 0, 1, "at once (one dose)"),
    ];

    public static readonly string[] Codes = [.. All.Select(f => f.Code)];

    public static Frequency Of(string code) => All.Single(f => f.Code == code);

    /// <summary>
    /// The quantity to supply: ceil(doseAmount × administrations), administrations being times per day × days (whole
    /// periods for WEEKLY, one for STAT); null when it cannot be known (PRN, no dose amount, no duration).
    /// </summary>
    public static decimal? Quantity(string? code, decimal? doseAmount, int? durationDays)
    {
        if (code is null || !Codes.Contains(code) || doseAmount is not > 0) return null;
        var f = Of(code);
        if (f.Code == "STAT") return Math.Ceiling(doseAmount.Value);
        if (f.Times == 0 || durationDays is not > 0) return null;
        var administrations = Math.Ceiling((decimal)durationDays.Value * f.Times / f.PeriodDays);
        return Math.Ceiling(doseAmount.Value * administrations);
    }
}

/// <summary>
/// One line of a prescription: a medicine of the stock catalog (<c>stockItemId</c>: an active MEDICINE; its name, unit
/// and route fill what is left out) or free text (<c>medicine</c>), the dose (<c>doseAmount</c> of <c>doseUnit</c>, or
/// <c>dose</c> as text), a frequency code, route, duration and instructions. <c>quantity</c> is computed when left out
/// (ceil(doseAmount × times per day × durationDays)); PRN items, or items without a dose amount or a duration, need it.
/// </summary>
public sealed record PrescriptionItemRequest(
    [property: Description("A medicine of the stock catalog (an active MEDICINE); or give medicine as text.")] Guid? StockItemId,
    [property: MaxLength(200), Description("The medicine as text, when it is not from the catalog.")] string? Medicine,
    [property: Range(0.001, 100000), Description("How much per administration, in doseUnit (1 tablet, 5 ml).")] decimal? DoseAmount,
    [property: MaxLength(30), Description("The unit of doseAmount (the catalog item's unit when left out).")] string? DoseUnit,
    [property: MaxLength(100), Description("The dose as text, for what is not counted (\"a thin layer\").")] string? Dose,
    [property: Required, OneOf(typeof(Frequencies), nameof(Frequencies.Codes))] string? Frequency,
    [property: MaxLength(50), Description("Route (oral, IV, topical…); the catalog item's when left out.")] string? Route,
    [property: Range(1, 3650)] int? DurationDays,
    [property: Range(1, 100000), Description("Units to supply; computed when left out (required for PRN).")] int? Quantity,
    [property: FreeText, MaxLength(1000)] string? Instructions)
{
    /// <summary>Rules across the item's fields, reported under <c>items[i].…</c>.</summary>
    public void Validate(FieldErrors errors, string at)
    {
        if ((StockItemId is null) == string.IsNullOrWhiteSpace(Medicine))
            errors.Add(at + "medicine", "Give stockItemId (a catalog medicine) or medicine (text), one of them.");
        if (DoseAmount is null && string.IsNullOrWhiteSpace(Dose)) errors.Add(at + "doseAmount", "Give doseAmount (with doseUnit) or dose as text.");
        if (DoseAmount is { } amount && decimal.Round(amount, 3) != amount) errors.Add(at + "doseAmount", "At most 3 decimal places.");
        if (Quantity is null)
        {
            var computed = Frequencies.Quantity(Frequency, DoseAmount, DurationDays);
            if (computed is null && Frequency is not null && Frequencies.Codes.Contains(Frequency))
                errors.Add(at + "quantity", Frequency == "PRN"
                    ? "Required for PRN (as needed) items: how much to supply cannot be computed."
                    : "Required when it cannot be computed (give doseAmount and durationDays, or the quantity).");
            else if (computed > 100000) errors.Add(at + "quantity", $"Would be {computed}; at most 100000: check the dose and duration.");
        }
    }

    public int QuantityToSupply => Quantity ?? (int)Frequencies.Quantity(Frequency, DoseAmount, DurationDays)!.Value;
}

public sealed record CreatePrescriptionRequest(
    [property: Description("The visit the prescription is written in (open: 409 visit_locked once completed); or give admissionId.")] Guid? VisitId,
    [property: FreeText, MaxLength(2000)] string? Notes,
    [property: Required, MinLength(1), MaxLength(PrescriptionItems.Max)] IReadOnlyList<PrescriptionItemRequest>? Items,
    [property: Description("The ACTIVE admission the prescription is written for (409 admission_not_active once discharged); or give visitId.")]
    Guid? AdmissionId = null) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if ((VisitId is null) == (AdmissionId is null)) errors.Add("visitId", "Give a visitId or an admissionId (one of them).");
        PrescriptionItems.Validate(Items, errors);
    }
}

/// <summary>A change of a DRAFT (If-Match): notes, and the items list replaced whole when sent.</summary>
public sealed record UpdatePrescriptionRequest : PatchRequest
{
    [FreeText, MaxLength(2000)] public string? Notes { get; init => field = Sent(value); }
    [Required, MinLength(1), MaxLength(PrescriptionItems.Max)] public IReadOnlyList<PrescriptionItemRequest>? Items { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => PrescriptionItems.Validate(Items, errors);
}

public static class PrescriptionItems
{
    public const int Max = 30;

    public static void Validate(IReadOnlyList<PrescriptionItemRequest>? items, FieldErrors errors)
    {
        for (var i = 0; i < (items?.Count ?? 0); i++) items![i]?.Validate(errors, $"items[{i}].");
    }
}

/// <summary>The doctor's reason to issue over a conflict found on item <c>itemIndex</c> (0-based, as in <c>items</c>).</summary>
public sealed record PrescriptionOverrideRequest(
    [property: Required, Range(0, PrescriptionItems.Max - 1)] int? ItemIndex,
    [property: Required, FreeText, MaxLength(500)] string? Reason);

/// <summary>Issue the draft; <c>overrides</c> must cover every item with an allergy or duplicate-therapy conflict (else 409 naming them).</summary>
public sealed record IssuePrescriptionRequest([property: MaxLength(PrescriptionItems.Max)] IReadOnlyList<PrescriptionOverrideRequest>? Overrides);

public sealed record CancelPrescriptionRequest([property: Required, FreeText, MaxLength(500)] string? Reason);

/// <summary>A conflict found at issue: item, kind (<c>allergy_conflict</c> or <c>duplicate_therapy</c>), what it conflicts with and why.</summary>
public sealed record PrescriptionConflict(int ItemIndex,
    [property: OneOf(typeof(PrescriptionConflict), nameof(PrescriptionConflict.Codes))] string Code,
    string Medicine, string? Allergy, string? Medication, string Detail)
{
    public const string AllergyConflict = "allergy_conflict", DuplicateTherapy = "duplicate_therapy";
    public static readonly string[] Codes = [AllergyConflict, DuplicateTherapy];
}

/// <summary>
/// The patient's allergy state as the prescription shows it: NO_KNOWN_ALLERGIES (recorded), UNKNOWN (never recorded)
/// or HAS_ALLERGIES with the active ones; <c>text</c> is what the printout says.
/// </summary>
public sealed record PrescriptionAllergyState(
    [property: OneOf(typeof(AllergyStatements), nameof(AllergyStatements.Statuses))] string Status,
    string Text, IReadOnlyList<string> Allergies);

/// <summary>
/// An item of a prescription. <c>id</c> is what dispensing and the medication administration record name (a draft's
/// items get new ids when its items are replaced; an issued prescription's never change).
/// </summary>
public sealed record PrescriptionItemResponse(Guid Id, int Index, Guid? StockItemId, string Medicine, decimal? DoseAmount, string? DoseUnit, string? Dose,
    [property: OneOf(typeof(Frequencies), nameof(Frequencies.Codes))] string Frequency, string? Route, int? DurationDays, int Quantity,
    int QuantityDispensed, string? Instructions)
{
    public static PrescriptionItemResponse From(PrescriptionItem i) => new(i.Id, i.Position, i.StockItemId, i.Medicine, i.DoseAmount, i.DoseUnit, i.Dose,
        i.Frequency, i.Route, i.DurationDays, i.Quantity, i.QuantityDispensed, i.Instructions);
}

/// <summary>
/// A prescription with its items, the conflicts the doctor overrode at issue (with their reasons) and the patient's
/// allergy state. <c>code</c> (RX-year-number) is given at issue.
/// </summary>
public sealed record PrescriptionResponse(
    Guid Id, string? Code,
    [property: OneOf(typeof(PrescriptionStatuses), nameof(PrescriptionStatuses.List))] string Status,
    Guid PatientId, string PatientName, string PatientCode, Guid? VisitId, Guid? AdmissionId, Guid DoctorId, string DoctorName, string? Notes,
    IReadOnlyList<PrescriptionItemResponse> Items, IReadOnlyList<PrescriptionOverride> Overrides, PrescriptionAllergyState Allergies,
    DateTimeOffset? IssuedAt, [property: StaffOnly] Guid? IssuedBy, DateTimeOffset? CancelledAt, string? CancelReason,
    DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, int Version);

/// <summary>Filters of the prescription list (a portal patient sees only their own, issued or later).</summary>
public sealed record PrescriptionListQuery(
    Guid? PatientId,
    [property: Description("Only the prescriptions written in this visit.")] Guid? VisitId,
    [property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId,
    [property: OneOf(typeof(PrescriptionStatuses), nameof(PrescriptionStatuses.List)), Description("Only prescriptions in this status.")] string? Status,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors) => Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
}

/// <summary>One prescription of a list; <c>restricted</c> (a confidential patient the caller may not open) leaves out the medicines.</summary>
public sealed record PrescriptionListItem(Guid Id, string? Code,
    [property: OneOf(typeof(PrescriptionStatuses), nameof(PrescriptionStatuses.List))] string Status,
    Guid PatientId, string PatientCode, string PatientName, Guid? VisitId, Guid DoctorId, string DoctorName, int ItemCount,
    IReadOnlyList<string>? Medicines, DateTimeOffset CreatedAt, DateTimeOffset? IssuedAt, bool Restricted);

