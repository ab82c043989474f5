using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Features.Billing;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;

namespace Carebase.Api.Features.Admissions;

// ---- Wards and beds -------------------------------------------------------------------------------------------------

public sealed record WardResponse(Guid Id, string Name, Guid? DepartmentId,
    [property: OneOf(typeof(WardValues), nameof(WardValues.Types))] string Type, decimal DailyCharge, int Beds,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version)
{
    public static WardResponse From(Ward w, int beds) => new(w.Id, w.Name, w.DepartmentId, w.Type, w.DailyCharge, beds, w.CreatedAt, w.UpdatedAt, w.Version);
}

public sealed record WardListQuery([property: MaxLength(100)] string? Q,
    [property: OneOf(typeof(WardValues), nameof(WardValues.Types)), Description("Only wards of this type.")] string? Type,
    [property: Description("Only wards of this department.")] Guid? DepartmentId, int? Page, int? PageSize) : IPageQuery;

/// <summary>A new ward: its name is unique in the hospital (whatever the case); the bed-day charge is exact money.</summary>
public sealed record CreateWardRequest(
    [property: Required, MaxLength(100)] string? Name,
    Guid? DepartmentId,
    [property: Required, OneOf(typeof(WardValues), nameof(WardValues.Types))] string? Type,
    [property: Required, Description("The charge per bed-day in the hospital's currency.")] decimal? DailyCharge) : IValidatable
{
    public void Validate(FieldErrors errors) => Amounts.Check(errors, "dailyCharge", DailyCharge, 0, Amounts.MaxMoney, 3);
}

/// <summary>A change of a ward (If-Match). A new bed-day charge applies to patients put in its beds from then on.</summary>
public sealed record UpdateWardRequest : PatchRequest
{
    [Required, MaxLength(100)] public string? Name { get; init => field = Sent(value); }
    public Guid? DepartmentId { get; init => field = Sent(value); }
    [Required, OneOf(typeof(WardValues), nameof(WardValues.Types))] public string? Type { get; init => field = Sent(value); }
    [Required] public decimal? DailyCharge { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(Name), Name), (nameof(Type), Type), (nameof(DailyCharge), DailyCharge));
        Amounts.Check(errors, "dailyCharge", DailyCharge, 0, Amounts.MaxMoney, 3);
    }
}

public sealed record BedResponse(Guid Id, Guid WardId, string Code,
    [property: OneOf(typeof(BedStatus), nameof(BedStatus.All))] string Status, string? Notes, DateTimeOffset UpdatedAt, int Version)
{
    public static BedResponse From(Bed b) => new(b.Id, b.WardId, b.Code, b.Status, b.Notes, b.UpdatedAt, b.Version);
}

public sealed record BedListQuery(
    [property: OneOf(typeof(BedStatus), nameof(BedStatus.All)), Description("Only beds in this status.")] string? Status,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>A new bed: its code is unique in the ward; it starts AVAILABLE unless another status is given (never OCCUPIED).</summary>
public sealed record CreateBedRequest(
    [property: Required, MaxLength(20), Description("1 to 20 letters, digits, '-', '_', '.' or '/', unique in the ward.")] string? Code,
    [property: OneOf(typeof(BedStatus), nameof(BedStatus.Settable))] string? Status,
    [property: FreeText, MaxLength(500)] string? Notes) : IValidatable
{
    public void Validate(FieldErrors errors) => BedFields.Code(Code, errors);
}

/// <summary>A change of a bed (If-Match): its code, notes, or status by hand (never OCCUPIED, and not while occupied: 409 bed_in_use).</summary>
public sealed record UpdateBedRequest : PatchRequest
{
    [Required, MaxLength(20)] public string? Code { get; init => field = Sent(value); }
    [Required, OneOf(typeof(BedStatus), nameof(BedStatus.Settable))] public string? Status { get; init => field = Sent(value); }
    [FreeText, MaxLength(500)] public string? Notes { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(Code), Code), (nameof(Status), Status));
        BedFields.Code(Code, errors);
    }
}

static partial class BedFields
{
    public static void Code(string? value, FieldErrors errors)
    {
        if (value is not null && !Shape().IsMatch(value.Trim())) errors.Add("code", "Must be 1 to 20 letters, digits, '-', '_', '.' or '/', starting with a letter or digit.");
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_./\-]{0,19}$")]
    private static partial Regex Shape();
}

// ---- Admissions -----------------------------------------------------------------------------------------------------

static partial class AdmissionFields
{
    public const string CodeRule = "An ICD-10 code such as J18.9.";

    public static void Code(string? value, string field, FieldErrors errors)
    {
        if (value is not null && !Icd10().IsMatch(value.Trim().ToUpperInvariant())) errors.Add(field, "Must be an ICD-10 code such as J18.9.");
    }

    /// <summary>In range here; "not in the future" is the desk's to check, on the application's clock.</summary>
    public static void Instant(DateTimeOffset? at, string field, FieldErrors errors)
    {
        if (at is { } u && !ApiDates.InRange(u)) errors.Add(field, $"Must be {ApiDates.InstantRule}.");
    }

    [GeneratedRegex(@"^[A-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")]
    private static partial Regex Icd10();
}

/// <summary>
/// Admit a patient: from a visit (visitId), from the emergency desk or planned; to a department (the primary doctor's when
/// left out) under a primary doctor, with the admitting diagnosis, and optionally into a bed (AVAILABLE or RESERVED).
/// <c>admittedAt</c> records an admission after the fact (default now; never in the future).
/// </summary>
public sealed record AdmitRequest(
    [property: Required] Guid? PatientId,
    [property: Required, OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Sources))] string? Source,
    [property: Description("The visit the patient is admitted from (required when source is VISIT).")] Guid? VisitId,
    Guid? DepartmentId,
    [property: Required] Guid? PrimaryDoctorId,
    [property: MaxLength(10), Description(AdmissionFields.CodeRule)] string? AdmittingDiagnosisCode,
    [property: Required, FreeText, MaxLength(500)] string? AdmittingDiagnosis,
    Guid? BedId,
    DateTimeOffset? AdmittedAt,
    [property: FreeText, MaxLength(2000)] string? Notes) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        AdmissionFields.Code(AdmittingDiagnosisCode, "admittingDiagnosisCode", errors);
        AdmissionFields.Instant(AdmittedAt, "admittedAt", errors);
        if (Source == "VISIT" && VisitId is null) errors.Add("visitId", "Required when source is VISIT.");
        if (Source is not null && Source != "VISIT" && VisitId is not null) errors.Add("visitId", "Only with source VISIT.");
    }
}

/// <summary>A transfer: to another bed (of any ward), department or primary doctor, any of them, in one transaction.</summary>
public sealed record TransferRequest(
    Guid? BedId,
    Guid? DepartmentId,
    Guid? PrimaryDoctorId,
    [property: FreeText, MaxLength(500)] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (BedId is null && DepartmentId is null && PrimaryDoctorId is null)
            errors.Add("bedId", "Name a bed, a department or a primary doctor to transfer to.");
    }
}

public sealed record FinalDiagnosisRequest(
    [property: MaxLength(10), Description(AdmissionFields.CodeRule)] string? Code,
    [property: Required, FreeText, MaxLength(500)] string? Text) : IValidatable
{
    public void Validate(FieldErrors errors) => AdmissionFields.Code(Code, "code", errors);
}

/// <summary>
/// The discharge: disposition, condition and the discharge summary. <c>dischargedAt</c> defaults to now (never in the
/// future, never before the last bed move). Disposition DECEASED goes with condition DECEASED.
/// </summary>
public sealed record DischargeRequest(
    [property: Required, OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Dispositions))] string? Disposition,
    [property: Required, OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Conditions))] string? ConditionAtDischarge,
    [property: Required, MinLength(1), MaxLength(20)] IReadOnlyList<FinalDiagnosisRequest>? FinalDiagnoses,
    [property: MaxLength(50), ItemLength(500), Description("Procedures done in hospital, one per line (each up to 500 characters).")] IReadOnlyList<string>? Procedures,
    [property: Required, FreeText, MaxLength(20000)] string? HospitalCourse,
    [property: MaxLength(50), ItemLength(500), Description("Medications on discharge, one per line (each up to 500 characters).")] IReadOnlyList<string>? DischargeMedications,
    [property: FreeText, MaxLength(5000)] string? FollowUp,
    DateTimeOffset? DischargedAt) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        AdmissionFields.Instant(DischargedAt, "dischargedAt", errors);
        if ((Disposition == "DECEASED") != (ConditionAtDischarge == "DECEASED") && Disposition is not null && ConditionAtDischarge is not null)
            errors.Add("conditionAtDischarge", "DECEASED goes with the disposition DECEASED, and only with it.");
    }
}

public sealed record AdmissionListQuery(
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Statuses)), Description("Only admissions in this status.")] string? Status,
    [property: Description("Only this patient's admissions.")] Guid? PatientId,
    [property: Description("Only admissions whose (last) bed is in this ward.")] Guid? WardId,
    [property: Description("Only admissions to this department.")] Guid? DepartmentId,
    [property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors) => Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
}

/// <summary>
/// An admission in a list (the front desk's view, no clinical detail): who, where, under whom, since when. A confidential
/// patient the caller may not open is <c>restricted</c> (name and code only).
/// </summary>
public sealed record AdmissionListItem(Guid Id, Guid PatientId, string PatientName, string PatientCode, bool Restricted,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Statuses))] string Status,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Sources))] string Source,
    Guid DepartmentId, string DepartmentName, Guid PrimaryDoctorId, string PrimaryDoctorName,
    Guid? WardId, string? WardName, Guid? BedId, string? BedCode, DateTimeOffset AdmittedAt, DateTimeOffset? DischargedAt,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Dispositions))] string? Disposition,
    [property: Description("Midnights spent so far (or in all, once discharged), in the hospital's timezone.")] int LengthOfStayDays);

/// <summary>A bed the admission held, from <c>startedAt</c> until <c>endedAt</c> (null: now).</summary>
public sealed record BedStayResponse(Guid Id, Guid BedId, string BedCode, Guid WardId, string WardName, decimal DailyCharge,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.AssignmentReasons))] string Reason);

public sealed record DischargeSummaryResponse(IReadOnlyList<FinalDiagnosis> FinalDiagnoses, IReadOnlyList<string> Procedures, string? HospitalCourse,
    IReadOnlyList<string> DischargeMedications, string? FollowUp,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Conditions))] string ConditionAtDischarge);

/// <summary>A whole admission: the list's fields, the admitting diagnosis, every bed with its times, the discharge summary and the invoice.</summary>
public sealed record AdmissionResponse(Guid Id, Guid PatientId, string PatientName, string PatientCode,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Statuses))] string Status,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Sources))] string Source, Guid? VisitId,
    Guid DepartmentId, string DepartmentName, Guid PrimaryDoctorId, string PrimaryDoctorName,
    string? AdmittingDiagnosisCode, string AdmittingDiagnosis, string? Notes,
    Guid? WardId, string? WardName, Guid? BedId, string? BedCode,
    DateTimeOffset AdmittedAt, DateTimeOffset? DischargedAt,
    [property: OneOf(typeof(AdmissionValues), nameof(AdmissionValues.Dispositions))] string? Disposition,
    int LengthOfStayDays, IReadOnlyList<BedStayResponse> Beds, DischargeSummaryResponse? DischargeSummary,
    [property: Description("The admission's latest invoice (bed-days are added to it at discharge).")] Guid? InvoiceId,
    DateTimeOffset UpdatedAt, int Version);

// ---- Census ---------------------------------------------------------------------------------------------------------

public sealed record CensusQuery(
    [property: Description("First day (the hospital's) of the admissions and discharges per day; default 6 days before to.")] DateOnly? From,
    [property: Description("Last day (the hospital's), default today; at most 366 days after from.")] DateOnly? To) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (From is { } f && !ApiDates.InRange(f)) errors.Add("from", $"Must be {ApiDates.DateRule}.");
        if (To is { } t && !ApiDates.InRange(t)) errors.Add("to", $"Must be {ApiDates.DateRule}.");
        if (From is { } a && To is { } b && (b < a || b.DayNumber - a.DayNumber > 365)) errors.Add("to", "Must be on or after from, at most 366 days in all.");
    }
}

public sealed record CensusPatient(Guid AdmissionId, Guid PatientId, string PatientName, string PatientCode, bool Restricted, Guid? BedId, string? BedCode,
    string PrimaryDoctorName, DateTimeOffset AdmittedAt, [property: Description("Midnights spent so far, in the hospital's timezone.")] int DaysInHospital);

public sealed record WardCensus(Guid WardId, string Name, [property: OneOf(typeof(WardValues), nameof(WardValues.Types))] string Type, Guid? DepartmentId,
    int TotalBeds, IReadOnlyDictionary<string, int> BedsByStatus,
    [property: Description("Occupied beds over beds in service (out-of-service ones left out), 0 to 1.")] decimal OccupancyRate,
    IReadOnlyList<CensusPatient> Patients);

public sealed record CensusDay(DateOnly Date, int Admissions, int Discharges);

/// <summary>
/// The hospital's wards now (beds by status, occupancy, who lies where and for how long), patients admitted without a
/// bed, and over <c>from</c>–<c>to</c> (the hospital's days) admissions and discharges per day and the average length
/// of stay of the discharges.
/// </summary>
public sealed record CensusResponse(DateTimeOffset AsOf, int TotalBeds, int OccupiedBeds, decimal OccupancyRate, int ActiveAdmissions,
    IReadOnlyList<WardCensus> Wards, IReadOnlyList<CensusPatient> WithoutBed, DateOnly From, DateOnly To, IReadOnlyList<CensusDay> Days,
    [property: Description("Average midnights per stay of the admissions discharged in the period; null when none was.")] decimal? AverageLengthOfStayDays);
