using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Labs;

// ---- The catalog ----

/// <summary>A reference range: for one sex (or either when left out) and an age band in days, [ageFromDays, ageToDays).</summary>
public sealed record LabRangeRequest(
    [property: OneOf(typeof(LabValues), nameof(LabValues.Sexes)), Description("MALE or FEMALE; leave out for either.")] string? Sex,
    [property: Range(0, 60000), Description("Lowest age in days (default 0).")] int? AgeFromDays,
    [property: Range(1, 60000), Description("Age in days the band stops before (none: no upper bound).")] int? AgeToDays,
    decimal? Low, decimal? High,
    [property: MaxLength(200), Description("The range in words (\"NEGATIVE\", \"< 200\").")] string? Text) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (AgeToDays is { } to && to <= (AgeFromDays ?? 0)) errors.Add("ageToDays", "Must be above ageFromDays.");
        if (Low is { } l && High is { } h && l > h) errors.Add("high", "Must not be below low.");
        if (Low is null && High is null && string.IsNullOrWhiteSpace(Text)) errors.Add("low", "Give low, high or text.");
    }

    public LabTestRange ToRange(Guid testId) => new()
    {
        TestId = testId, Sex = Sex, AgeFromDays = AgeFromDays ?? 0, AgeToDays = AgeToDays, Low = Low, High = High, Text = Input.Clean(Text),
    };
}

/// <summary>A new test. Codes are unique in the hospital; NUMERIC tests may have critical limits, CODED ones list their values.</summary>
public sealed record CreateLabTestRequest(
    [property: Required, MaxLength(20), Description("The hospital's short code (HGB, K, TSH): capitals, digits, - and _.")] string? Code,
    [property: MaxLength(10), Description("LOINC code when known (718-7).")] string? Loinc,
    [property: Required, MaxLength(200)] string? Name,
    [property: Required, OneOf(typeof(LabValues), nameof(LabValues.Specimens))] string? Specimen,
    [property: Required, OneOf(typeof(LabValues), nameof(LabValues.ResultKinds))] string? ResultKind,
    [property: MaxLength(30), Description("The unit of NUMERIC results (g/dL, mmol/L).")] string? Unit,
    [property: MaxLength(20), ItemLength(20), Description("CODED tests: the values a result may take.")] IReadOnlyList<string>? CodedValues,
    [property: MaxLength(20), ItemLength(20), Description("CODED tests: the normal ones among them (any other is flagged ABNORMAL).")] IReadOnlyList<string>? NormalValues,
    [property: Required, Description("Price in the hospital's currency, at most 2 decimals.")] decimal? Price,
    [property: Required, Range(1, 2160), Description("Hours from collection to result.")] int? TurnaroundHours,
    [property: Description("NUMERIC tests: a value at or below this is CRITICAL_LOW.")] decimal? CriticalLow,
    [property: Description("NUMERIC tests: a value at or above this is CRITICAL_HIGH.")] decimal? CriticalHigh,
    [property: MaxLength(LabTestFields.MaxRanges)] IReadOnlyList<LabRangeRequest>? Ranges) : IValidatable
{
    public void Validate(FieldErrors errors) =>
        LabTestFields.Check(errors, Code, Loinc, ResultKind, CodedValues, NormalValues, Price, CriticalLow, CriticalHigh);
}

/// <summary>Changes to a test: the fields sent change; <c>ranges</c> sent replaces every range (results keep the ones they were given).</summary>
public sealed record UpdateLabTestRequest : PatchRequest
{
    [Required, MaxLength(20)] public string? Code { get; init => field = Sent(value); }
    [MaxLength(10)] public string? Loinc { get; init => field = Sent(value); }
    [Required, MaxLength(200)] public string? Name { get; init => field = Sent(value); }
    [Required, OneOf(typeof(LabValues), nameof(LabValues.Specimens))] public string? Specimen { get; init => field = Sent(value); }
    [MaxLength(30)] public string? Unit { get; init => field = Sent(value); }
    [MaxLength(20), ItemLength(20)] public IReadOnlyList<string>? CodedValues { get; init => field = Sent(value); }
    [MaxLength(20), ItemLength(20)] public IReadOnlyList<string>? NormalValues { get; init => field = Sent(value); }
    [Required] public decimal? Price { get; init => field = Sent(value); }
    [Required, Range(1, 2160)] public int? TurnaroundHours { get; init => field = Sent(value); }
    public decimal? CriticalLow { get; init => field = Sent(value); }
    public decimal? CriticalHigh { get; init => field = Sent(value); }
    [Required, Description("false takes the test out of new orders.")] public bool? Active { get; init => field = Sent(value); }
    [MaxLength(LabTestFields.MaxRanges)] public IReadOnlyList<LabRangeRequest>? Ranges { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(Code), Code), (nameof(Name), Name), (nameof(Specimen), Specimen), (nameof(Price), Price),
            (nameof(TurnaroundHours), TurnaroundHours), (nameof(Active), Active));
        LabTestFields.Check(errors, Code, Loinc, null, CodedValues, NormalValues, Price, CriticalLow, CriticalHigh);
    }
}

static partial class LabTestFields
{
    public const int MaxRanges = 30;

    public static void Check(FieldErrors errors, string? code, string? loinc, string? kind, IReadOnlyList<string>? coded, IReadOnlyList<string>? normal,
        decimal? price, decimal? criticalLow, decimal? criticalHigh)
    {
        if (code is not null && !CodeShape().IsMatch(code.Trim())) errors.Add("code", "Must be 1 to 20 capitals, digits, '-' or '_', starting with a capital or digit.");
        if (!string.IsNullOrWhiteSpace(loinc) && !LoincShape().IsMatch(loinc.Trim())) errors.Add("loinc", "Must be a LOINC code such as 718-7.");
        if (price is { } p && (p < 0 || p > 9_999_999_999.99m || decimal.Round(p, 2) != p)) errors.Add("price", "Must be 0 or more, with at most 2 decimals.");
        if (criticalLow is { } l && criticalHigh is { } h && l >= h) errors.Add("criticalHigh", "Must be above criticalLow.");
        if (coded?.Any(v => v is null || !CodeShape().IsMatch(v)) == true) errors.Add("codedValues", "Each value: capitals, digits, '-' or '_' (up to 20).");
        if (normal is not null && coded is not null && normal.Except(coded).Any()) errors.Add("normalValues", "Must be among codedValues.");
        if (kind is null) return;
        if (kind == "CODED" && coded is not { Count: > 0 }) errors.Add("codedValues", "A CODED test lists its values.");
        if (kind != "CODED" && (coded is { Count: > 0 } || normal is { Count: > 0 })) errors.Add("codedValues", "Only CODED tests have coded values.");
        if (kind != "NUMERIC" && (criticalLow is not null || criticalHigh is not null)) errors.Add("criticalLow", "Only NUMERIC tests have critical limits.");
    }

    [GeneratedRegex(LabValues.CodePattern)]
    private static partial Regex CodeShape();

    [GeneratedRegex(LabValues.LoincPattern)]
    private static partial Regex LoincShape();
}

public sealed record LabRangeResponse(string? Sex, int AgeFromDays, int? AgeToDays, decimal? Low, decimal? High, string? Text)
{
    public static LabRangeResponse From(LabTestRange r) => new(r.Sex, r.AgeFromDays, r.AgeToDays, r.Low, r.High, r.Text);
}

/// <summary>A test of the catalog (the ETag header carries <c>version</c>).</summary>
public sealed record LabTestResponse(
    Guid Id, string Code, string? Loinc, string Name,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Specimens))] string Specimen,
    [property: OneOf(typeof(LabValues), nameof(LabValues.ResultKinds))] string ResultKind,
    string? Unit, IReadOnlyList<string> CodedValues, IReadOnlyList<string> NormalValues, decimal Price, int TurnaroundHours,
    decimal? CriticalLow, decimal? CriticalHigh, bool Active, IReadOnlyList<LabRangeResponse> Ranges, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, int Version)
{
    public static LabTestResponse From(LabTest t) => new(t.Id, t.Code, t.Loinc, t.Name, t.Specimen, t.ResultKind, t.Unit, t.CodedValues,
        t.NormalValues, t.Price, t.TurnaroundHours, t.CriticalLow, t.CriticalHigh, t.Active,
        t.Ranges.OrderBy(r => r.Sex).ThenBy(r => r.AgeFromDays).Select(LabRangeResponse.From).ToList(), t.CreatedAt, t.UpdatedAt, t.Version);
}

public sealed record LabTestQuery(
    [property: MaxLength(100), Description("Words of the name, or the start of the code or LOINC code.")] string? Q,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Specimens)), Description("Only tests of this specimen.")] string? Specimen,
    [property: Description("Only active (true) or retired (false) tests.")] bool? Active,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>A new panel: its tests, in the order they are reported.</summary>
public sealed record CreateLabPanelRequest(
    [property: Required, MaxLength(20)] string? Code,
    [property: MaxLength(10)] string? Loinc,
    [property: Required, MaxLength(200)] string? Name,
    [property: Required, MinLength(1), MaxLength(LabPanelFields.MaxTests)] IReadOnlyList<Guid>? TestIds) : IValidatable
{
    public void Validate(FieldErrors errors) => LabTestFields.Check(errors, Code, Loinc, null, null, null, null, null, null);
}

public sealed record UpdateLabPanelRequest : PatchRequest
{
    [Required, MaxLength(20)] public string? Code { get; init => field = Sent(value); }
    [MaxLength(10)] public string? Loinc { get; init => field = Sent(value); }
    [Required, MaxLength(200)] public string? Name { get; init => field = Sent(value); }
    [Required] public bool? Active { get; init => field = Sent(value); }
    [Required, MinLength(1), MaxLength(LabPanelFields.MaxTests)] public IReadOnlyList<Guid>? TestIds { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(Code), Code), (nameof(Name), Name), (nameof(Active), Active), (nameof(TestIds), TestIds));
        LabTestFields.Check(errors, Code, Loinc, null, null, null, null, null, null);
    }
}

static class LabPanelFields
{
    public const int MaxTests = 40;
}

public sealed record LabPanelTestResponse(Guid Id, string Code, string Name, decimal Price);

/// <summary>A panel; its price is the sum of its tests' (each test is an item of the order, priced on its own).</summary>
public sealed record LabPanelResponse(Guid Id, string Code, string? Loinc, string Name, bool Active, IReadOnlyList<LabPanelTestResponse> Tests,
    decimal Price, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version);

public sealed record LabPanelQuery(
    [property: MaxLength(100), Description("Words of the name or the start of the code.")] string? Q,
    [property: Description("Only active (true) or retired (false) panels.")] bool? Active,
    int? Page, int? PageSize) : IPageQuery;

// ---- Orders ----

/// <summary>
/// Tests ordered by a doctor: for an IN_PROGRESS visit (<c>visitId</c>, its patient), an ACTIVE admission
/// (<c>admissionId</c>, its patient) or for a patient outside both (<c>patientId</c>). The doctor is the one named, else
/// the caller's own profile, else the visit's doctor or the admission's primary doctor. Panels expand
/// into their tests; a test named twice (alone and in a panel) is ordered once.
/// </summary>
public sealed record CreateLabOrderRequest(
    Guid? VisitId, Guid? PatientId, Guid? DoctorId,
    [property: MaxLength(50)] IReadOnlyList<Guid>? TestIds,
    [property: MaxLength(20)] IReadOnlyList<Guid>? PanelIds,
    [property: Required, OneOf(typeof(LabValues), nameof(LabValues.Priorities))] string? Priority,
    [property: FreeText, MaxLength(2000), Description("What the lab should know (the question asked, relevant medication).")] string? ClinicalNote,
    [property: Description("The ACTIVE admission the tests are ordered for (its patient); instead of visitId or patientId.")] Guid? AdmissionId = null)
    : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if ((VisitId is null ? 0 : 1) + (PatientId is null ? 0 : 1) + (AdmissionId is null ? 0 : 1) != 1)
            errors.Add("visitId", "Give a visitId, a patientId or an admissionId (one of them).");
        if ((TestIds?.Count ?? 0) + (PanelIds?.Count ?? 0) == 0) errors.Add("testIds", "Order at least one test or panel.");
    }
}

public sealed record CollectSampleRequest(
    [property: Required, MaxLength(64), Description("The specimen's label (the tube's barcode).")] string? SpecimenId,
    [property: Description("When the sample was taken (default: now; not in the future).")] DateTimeOffset? CollectedAt,
    [property: Description("The staff member who took it (default: you).")] Guid? CollectedBy);

/// <summary>A value for an item: <c>value</c> for NUMERIC tests, <c>valueCode</c> for CODED ones, <c>valueText</c> for TEXT ones.</summary>
public sealed record ResultEntry(
    [property: Required] Guid? ItemId,
    [property: Range(-1e12, 1e12)] decimal? Value,
    [property: MaxLength(50)] string? ValueCode,
    [property: FreeText, MaxLength(2000)] string? ValueText,
    [property: FreeText, MaxLength(2000)] string? Comment) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (new object?[] { Value, Input.Clean(ValueCode), Input.Clean(ValueText) }.Count(v => v is not null) != 1)
            errors.Add("value", "Give one of value, valueCode or valueText.");
    }
}

public sealed record EnterResultsRequest([property: Required, MinLength(1), MaxLength(100)] IReadOnlyList<ResultEntry>? Items) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Items is not null && Items.Where(i => i?.ItemId is not null).GroupBy(i => i.ItemId).Any(g => g.Count() > 1))
            errors.Add("items", "Each item once.");
    }
}

/// <summary>A corrected value for a result; the original stays (CORRECTED) and the new one needs verification.</summary>
public sealed record CorrectResultRequest(
    [property: Range(-1e12, 1e12)] decimal? Value,
    [property: MaxLength(50)] string? ValueCode,
    [property: FreeText, MaxLength(2000)] string? ValueText,
    [property: FreeText, MaxLength(2000)] string? Comment,
    [property: Required, FreeText, MaxLength(500), Description("Why the original was wrong.")] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (new object?[] { Value, Input.Clean(ValueCode), Input.Clean(ValueText) }.Count(v => v is not null) != 1)
            errors.Add("value", "Give one of value, valueCode or valueText.");
    }
}

public sealed record CancelLabOrderRequest([property: Required, FreeText, MaxLength(500)] string? Reason);

/// <summary>The reference range a result was judged against, as it was when entered.</summary>
public sealed record LabRangeApplied(decimal? Low, decimal? High, string? Text);

/// <summary>
/// A result. <c>flags</c> are computed by the service: CRITICAL_LOW (value ≤ criticalLow), CRITICAL_HIGH (value ≥
/// criticalHigh), else LOW (value &lt; low) or HIGH (value &gt; high) — a value on a bound of the range is normal —
/// and ABNORMAL for a code outside the normal ones. A CORRECTED result names the one that replaced it.
/// </summary>
public sealed record LabResultResponse(
    Guid Id, Guid ItemId, [property: OneOf(typeof(LabValues), nameof(LabValues.ResultStatuses))] string Status,
    decimal? Value, string? ValueCode, string? ValueText, string? Unit, LabRangeApplied Range, decimal? CriticalLow, decimal? CriticalHigh,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Flags))] IReadOnlyList<string> Flags, string? Comment,
    Guid? CorrectedByResultId, string? CorrectionReason, DateTimeOffset EnteredAt, [property: StaffOnly] Guid? EnteredBy,
    DateTimeOffset? VerifiedAt, [property: StaffOnly] Guid? VerifiedBy)
{
    public static LabResultResponse From(LabResult r) => new(r.Id, r.ItemId, r.Status, r.ValueNumeric, r.ValueCode, r.ValueText, r.Unit,
        new LabRangeApplied(r.RangeLow, r.RangeHigh, r.RangeText), r.CriticalLow, r.CriticalHigh, r.Flags, r.Comment, r.CorrectedByResultId,
        r.CorrectionReason, r.EnteredAt, r.EnteredBy, r.VerifiedAt, r.VerifiedBy);
}

/// <summary>One test of an order with its results: the current one first, then those it corrected (newest first).</summary>
public sealed record LabItemResponse(Guid Id, Guid TestId, Guid? PanelId, string TestCode, string TestName, decimal Price,
    [property: OneOf(typeof(LabValues), nameof(LabValues.ItemStatuses))] string Status, IReadOnlyList<LabResultResponse> Results);

public sealed record LabAttachmentResponse(Guid Id, string FileName, string ContentType, long SizeBytes, string Sha256, DateTimeOffset CreatedAt,
    [property: StaffOnly] Guid? CreatedBy)
{
    public static LabAttachmentResponse From(LabAttachment a) => new(a.Id, a.FileName, a.ContentType, a.SizeBytes, a.Sha256, a.CreatedAt, a.CreatedBy);
}

/// <summary>An order with its items, results and files. A portal patient sees verified orders only, and only verified results.</summary>
public sealed record LabOrderResponse(
    Guid Id, Guid PatientId, string PatientCode, string PatientName, Guid? VisitId, Guid? AdmissionId, Guid DoctorId, string DoctorName,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Priorities))] string Priority,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Statuses))] string Status,
    [property: StaffOnly] string? ClinicalNote, string? SpecimenId, DateTimeOffset? CollectedAt, [property: StaffOnly] Guid? CollectedBy,
    DateTimeOffset? ResultedAt, DateTimeOffset? VerifiedAt, [property: StaffOnly] Guid? VerifiedBy, DateTimeOffset? CancelledAt,
    string? CancelReason, decimal TotalPrice, DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, DateTimeOffset UpdatedAt,
    int Version, IReadOnlyList<LabItemResponse> Items, IReadOnlyList<LabAttachmentResponse> Attachments);

/// <summary>A row of the order list or worklist; <c>restricted</c> (a confidential patient the caller may not open) leaves out the tests.</summary>
public sealed record LabOrderListItem(Guid Id, Guid PatientId, string PatientCode, string PatientName, Guid DoctorId, string DoctorName,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Priorities))] string Priority,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Statuses))] string Status,
    DateTimeOffset CreatedAt, string? SpecimenId, DateTimeOffset? CollectedAt, DateTimeOffset? VerifiedAt, IReadOnlyList<string> Tests,
    bool Restricted);

/// <summary>Filters of GET /lab-orders. The worklist order (default) is STAT, URGENT, ROUTINE, then the oldest first; NEWEST is newest first.</summary>
public sealed record LabOrderQuery(
    [property: Description("Only this patient's orders.")] Guid? PatientId,
    [property: Description("Only the orders of this visit.")] Guid? VisitId,
    [property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Statuses)), Description("Only orders in this status.")] string? Status,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Priorities)), Description("Only orders of this priority.")] string? Priority,
    [property: OneOf(typeof(LabValues), nameof(LabValues.Sorts)), Description("WORKLIST (default: STAT first, then oldest) or NEWEST.")] string? Sort,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors) => Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
}
