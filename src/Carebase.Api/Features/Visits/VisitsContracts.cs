using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Visits;

/// <summary>
/// Starts a visit from an appointment (it moves to IN_CONSULTATION), from a queue token (it is called to SERVING) or
/// directly for a patient (a walk-in without booking). The doctor is the appointment's or token's, else the one given,
/// else the caller's own doctor profile. Vital signs and diagnoses taken at the start can come with it: the visit and
/// everything in it are recorded in one request and one transaction.
/// </summary>
public sealed record StartVisitRequest(
    Guid? AppointmentId, Guid? QueueTokenId, Guid? PatientId, Guid? DoctorId, Guid? DepartmentId,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Types))] string? Type,
    [property: FreeText, MaxLength(2000)] string? ChiefComplaint,
    [property: Description("Vital signs measured at the start (as POST /visits/{id}/vitals).")] RecordVitalsRequest? Vitals = null,
    [property: MaxLength(StartVisitRequest.MaxDiagnoses), Description("Diagnoses (as POST /visits/{id}/diagnoses).")] IReadOnlyList<DiagnosisRequest>? Diagnoses = null)
    : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        var sources = new object?[] { AppointmentId, QueueTokenId, PatientId }.Count(s => s is not null);
        if (sources == 0) errors.Add("patientId", "Give an appointmentId, a queueTokenId or a patientId.");
        if (sources > 1) errors.Add("patientId", "Give one of appointmentId, queueTokenId or patientId, not several.");
        if (Type == "IPD") errors.Add("type", "Inpatient visits come with admissions; start an OPD visit.");
        if (Diagnoses?.Count(d => d?.Kind == "PRIMARY") > 1) errors.Add("diagnoses", "At most one primary diagnosis.");
    }

    public const int MaxDiagnoses = 20;
}

/// <summary>A change of the visit's documentation (only while IN_PROGRESS): the fields sent change.</summary>
public sealed record UpdateVisitRequest : PatchRequest
{
    [FreeText, MaxLength(2000)] public string? ChiefComplaint { get; init => field = Sent(value); }
    [FreeText, MaxLength(20000)] public string? Subjective { get; init => field = Sent(value); }
    [FreeText, MaxLength(20000)] public string? Objective { get; init => field = Sent(value); }
    [FreeText, MaxLength(20000)] public string? Assessment { get; init => field = Sent(value); }
    [FreeText, MaxLength(20000)] public string? Plan { get; init => field = Sent(value); }
    public Guid? DepartmentId { get; init => field = Sent(value); }
}

public sealed record VisitNoteRequest(
    [property: MaxLength(200)] string? Title,
    [property: Required, FreeText, MaxLength(History.ClinicalNote.MaxText)] string? Text,
    [property: Description("Hidden from the patient's portal.")] bool? StaffOnly);

public sealed record AddendumRequest([property: Required, FreeText, MaxLength(20000)] string? Text);

/// <summary>Vital signs: at least one measurement; BMI is computed by the service from height and weight.</summary>
public sealed record RecordVitalsRequest(
    [property: Description("When measured (default: now).")] DateTimeOffset? RecordedAt,
    [property: Description("Height in centimetres (20–272).")] decimal? HeightCm,
    [property: Description("Weight in kilograms (0.2–650).")] decimal? WeightKg,
    [property: Description("Systolic blood pressure in mmHg (40–300), above the diastolic.")] short? SystolicMmHg,
    [property: Description("Diastolic blood pressure in mmHg (20–200).")] short? DiastolicMmHg,
    [property: Description("Pulse, beats per minute (20–300).")] short? PulsePerMin,
    [property: Description("Body temperature in °C (25–45).")] decimal? TemperatureC,
    [property: Description("Breaths per minute (2–80).")] short? RespiratoryRatePerMin,
    [property: Description("Oxygen saturation in % (30–100).")] short? Spo2Percent,
    [property: Description("Pain score 0–10.")] short? PainScore) : IValidatable
{
    public void Validate(FieldErrors errors) => VitalRanges.Check(errors, HeightCm, WeightKg, SystolicMmHg, DiastolicMmHg, PulsePerMin,
        TemperatureC, RespiratoryRatePerMin, Spo2Percent, PainScore);

    public void ApplyTo(Vitals v)
    {
        (v.HeightCm, v.WeightKg, v.SystolicMmHg, v.DiastolicMmHg, v.PulsePerMin) = (HeightCm, WeightKg, SystolicMmHg, DiastolicMmHg, PulsePerMin);
        (v.TemperatureC, v.RespiratoryRatePerMin, v.Spo2Percent, v.PainScore) = (TemperatureC, RespiratoryRatePerMin, Spo2Percent, PainScore);
        v.Derive();
    }
}

/// <summary>A set of vital signs; <c>flags</c> names the measurements outside the normal adult range (LOW/HIGH).</summary>
public sealed record VitalsResponse(
    Guid Id, Guid PatientId, Guid? VisitId, DateTimeOffset RecordedAt, decimal? HeightCm, decimal? WeightKg, decimal? Bmi,
    short? SystolicMmHg, short? DiastolicMmHg, short? PulsePerMin, decimal? TemperatureC, short? RespiratoryRatePerMin, short? Spo2Percent,
    short? PainScore, IReadOnlyDictionary<string, string[]> Flags, DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy,
    DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, DateTimeOffset? DeletedAt, int Version)
{
    public static VitalsResponse From(Vitals v) => new(v.Id, v.PatientId, v.VisitId, v.RecordedAt, v.HeightCm, v.WeightKg, v.Bmi,
        v.SystolicMmHg, v.DiastolicMmHg, v.PulsePerMin, v.TemperatureC, v.RespiratoryRatePerMin, v.Spo2Percent, v.PainScore, v.FlagMap,
        v.CreatedAt, v.CreatedBy, v.UpdatedAt, v.UpdatedBy, v.DeletedAt, v.Version);
}

public sealed partial record DiagnosisRequest(
    [property: MaxLength(8), Description("ICD-10 code (e.g. E11.9); optional. A code not in the list is accepted with its text.")] string? Code,
    [property: MaxLength(500), Description("The diagnosis in words; taken from the list when only a known code is given.")] string? Text,
    [property: Required, OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisKinds))] string? Kind,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisStatuses))] string? Status) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Code is { } c && !IcdShape().IsMatch(c.Trim().ToUpperInvariant())) errors.Add("code", "Must be an ICD-10 code such as E11.9 or J45.909.");
        if (string.IsNullOrWhiteSpace(Code) && string.IsNullOrWhiteSpace(Text)) errors.Add("text", "Give a code, a text, or both.");
    }

    [GeneratedRegex(VisitValues.IcdPattern)]
    internal static partial Regex IcdShape();
}

public sealed record UpdateDiagnosisRequest : PatchRequest
{
    [OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisKinds))] public string? Kind { get; init => field = Sent(value); }
    [OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisStatuses))] public string? Status { get; init => field = Sent(value); }
    [MaxLength(500)] public string? Text { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => NotCleared(errors, (nameof(Kind), Kind), (nameof(Status), Status), (nameof(Text), Text));
}

public sealed record DiagnosisResponse(Guid Id, Guid VisitId, string? Code, string Text,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisKinds))] string Kind,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.DiagnosisStatuses))] string Status,
    DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, DateTimeOffset UpdatedAt, int Version)
{
    public static DiagnosisResponse From(VisitDiagnosis d) => new(d.Id, d.VisitId, d.Code, d.Text, d.Kind, d.Status, d.CreatedAt, d.CreatedBy,
        d.UpdatedAt, d.Version);
}

public sealed record AddendumResponse(Guid Id, string Text, DateTimeOffset CreatedAt, Guid? CreatedBy, string? CreatedByName);

/// <summary>
/// A visit with its diagnoses, vitals and addenda. For a confidential patient the caller may not open, lists answer it
/// <c>restricted</c>: who, when and where, without the clinical content.
/// </summary>
public sealed record VisitResponse(
    Guid Id, Guid PatientId, string PatientName, Guid DoctorId, string DoctorName, Guid? DepartmentId, Guid? AppointmentId, Guid? QueueTokenId,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Types))] string Type,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Statuses))] string Status,
    string? ChiefComplaint, string? Subjective, string? Objective, string? Assessment, string? Plan,
    DateTimeOffset StartedAt, [property: StaffOnly] Guid? StartedBy, DateTimeOffset? CompletedAt, Guid? CompletedBy, DateTimeOffset UpdatedAt,
    [property: StaffOnly] Guid? UpdatedBy, int Version, IReadOnlyList<DiagnosisResponse> Diagnoses, IReadOnlyList<VitalsResponse> Vitals,
    IReadOnlyList<AddendumResponse> Addenda, bool Restricted);

/// <summary>Filters of the visit lists; <c>from</c> included, <c>to</c> excluded (instants, on startedAt).</summary>
public sealed record VisitListQuery(
    Guid? PatientId,
    [property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId,
    Guid? DepartmentId,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Statuses)), Description("Only visits in this status.")] string? Status,
    [property: Description("Started at or after this instant.")] DateTimeOffset? From,
    [property: Description("Started before this instant.")] DateTimeOffset? To,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors)
    {
        Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

public sealed record VitalsListQuery(
    [property: Description("Measured at or after this instant.")] DateTimeOffset? From,
    [property: Description("Measured before this instant.")] DateTimeOffset? To,
    [property: Description("Include deleted readings (needs patients:delete).")] bool? IncludeDeleted,
    int? Page, int? PageSize) : IPageQuery;

public sealed record DiagnosisCodeQuery(
    [property: MaxLength(100), Description("A code prefix (E11) or words of the description (typo tolerant).")] string? Q,
    int? Page, int? PageSize) : IPageQuery;

public sealed record DiagnosisCodeResponse(string Code, string Text, bool IsCustom);

public sealed record AddDiagnosisCodeRequest(
    [property: Required, MaxLength(8)] string? Code,
    [property: Required, MaxLength(500)] string? Text) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Code is { } c && !DiagnosisRequest.IcdShape().IsMatch(c.Trim().ToUpperInvariant())) errors.Add("code", "Must be an ICD-10 code such as E11.9.");
    }
}

/// <summary>Query of the visit-history report: the list filters, and csv for a file.</summary>
public sealed record VisitHistoryQuery(
    [property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId,
    Guid? DepartmentId,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Statuses)), Description("Only visits in this status.")] string? Status,
    [property: Description("Started at or after this instant.")] DateTimeOffset? From,
    [property: Description("Started before this instant.")] DateTimeOffset? To,
    [property: OneOf(typeof(VisitHistoryQuery), nameof(VisitHistoryQuery.Formats)), Description("json (default, paged) or csv (the whole filtered list).")] string? Format,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public static readonly string[] Formats = ["json", "csv"];

    public void Validate(FieldErrors errors)
    {
        Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

/// <summary>One visit of a list or report; <c>restricted</c> (a confidential patient the caller may not open) leaves out the clinical words.</summary>
public sealed record VisitListItem(Guid Id, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Statuses))] string Status,
    [property: OneOf(typeof(VisitValues), nameof(VisitValues.Types))] string Type, Guid PatientId, string PatientCode, string PatientName,
    Guid DoctorId, string DoctorName, Guid? DepartmentId, string? ChiefComplaint, string? PrimaryDiagnosis, bool Restricted);

/// <summary>The filters shared by the visit list and the visit-history report.</summary>
public sealed record VisitFilter(Guid? PatientId, string? DoctorId, Guid? DepartmentId, string? Status, DateTimeOffset? From, DateTimeOffset? To);
