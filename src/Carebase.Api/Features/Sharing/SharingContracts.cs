using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Records;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Pdf;

namespace Carebase.Api.Features.Sharing;

public sealed record CreateShareLinkRequest(
    [property: Required, Range(1, ShareLink.MaxHours), Description("How long the link opens, in hours (1 to 168, a week).")] int? ExpiresInHours,
    [property: Required, MaxLength(ShareLink.MaxPurpose), Description("Why the summary is shared (recorded in the accounting of disclosures).")] string? Purpose,
    [property: MaxLength(ShareLink.MaxRecipient), Description("Who the link is for, e.g. 'Dr Rao, City Clinic' (recorded with each opening).")] string? Recipient,
    [property: Description("true: the link also asks for a 6-digit access code (answered once, here), sent as the X-Access-Code header.")] bool? AccessCode)
    : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Purpose is { } p && p.Trim().Length == 0) errors.Add("purpose", "Say why the summary is shared.");
    }
}

/// <summary>A link as listed: never its token (only a hash is kept) nor its code.</summary>
public sealed record ShareLinkResponse(Guid Id, Guid PatientId, string Purpose, string? Recipient,
    [property: OneOf(typeof(ShareLinkStatuses), nameof(ShareLinkStatuses.All))] string Status, bool HasAccessCode,
    DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt,
    [property: StaffOnly] Guid? RevokedBy, int FailedAttempts, DateTimeOffset? LockedAt, int OpenCount, DateTimeOffset? LastOpenedAt)
{
    public static ShareLinkResponse From(ShareLink l, DateTimeOffset now) => new(l.Id, l.PatientId, l.Purpose, l.Recipient, l.StatusAt(now),
        l.HasAccessCode, l.CreatedAt, l.CreatedBy, l.ExpiresAt, l.RevokedAt, l.RevokedBy, l.FailedAttempts, l.LockedAt, l.OpenCount, l.LastOpenedAt);
}

/// <summary>A new link: the token and the access code are answered this once and never again.</summary>
public sealed record CreatedShareLinkResponse(ShareLinkResponse Link,
    [property: Description("The secret of the link: give it to the recipient. Only its hash is kept.")] string Token,
    [property: Description("Where the recipient opens it (JSON, or a printable page for a browser).")] string Path,
    [property: Description("The 6-digit code to send separately from the link (null when the link has none).")] string? AccessCode);

public sealed record ShareLinkQuery(
    [property: OneOf(typeof(ShareLinkStatuses), nameof(ShareLinkStatuses.All)), Description("Only links in this state.")] string? Status,
    int? Page, int? PageSize) : IPageQuery;

public sealed record DisclosureQuery(
    [property: Description("Disclosed at or after this instant.")] DateTimeOffset? From,
    [property: Description("Disclosed before this instant.")] DateTimeOffset? To,
    [property: OneOf(typeof(DisclosureKinds), nameof(DisclosureKinds.All)), Description("Only disclosures of this kind.")] string? Kind,
    [property: OneOf(typeof(DisclosureQuery), nameof(DisclosureQuery.Formats)), Description("json (paged, the default) or csv (every disclosure of the period).")] string? Format,
    int? Page, int? PageSize) : IPageQuery, IValidatable
{
    public static readonly string[] Formats = ["json", "csv"];

    public void Validate(FieldErrors errors)
    {
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

/// <summary>One release of the patient's data: to whom, why, what, when, through what, from where; who released it is for staff.</summary>
public sealed record DisclosureResponse(Guid Id, Guid PatientId, DateTimeOffset OccurredAt,
    [property: OneOf(typeof(DisclosureKinds), nameof(DisclosureKinds.All))] string Kind, string Recipient, string Purpose, string Description,
    [property: StaffOnly] Guid? DisclosedBy, [property: StaffOnly] string? DisclosedByEmail, string? SourceType, Guid? SourceId, string? Ip, string? UserAgent)
{
    public static DisclosureResponse From(Disclosure d) => new(d.Id, d.PatientId, d.OccurredAt, d.Kind, d.Recipient, d.Purpose, d.Description,
        d.DisclosedBy, d.DisclosedByEmail, d.SourceType, d.SourceId, d.Ip, d.UserAgent);
}

public sealed record RecordExportQuery(
    [property: Required, MaxLength(ShareLink.MaxPurpose), Description("Why the record leaves the hospital (recorded in the accounting of disclosures).")] string? Purpose,
    [property: Required, MaxLength(ShareLink.MaxRecipient), Description("To whom it goes: the patient, a hospital, a lawyer, an insurer…")] string? Recipient,
    [property: OneOf(typeof(PaperSizes), nameof(PaperSizes.List)), Description("Paper of the summary PDF: a4 (default) or letter.")] string? Paper) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Purpose is { } p && p.Trim().Length == 0) errors.Add("purpose", "Say why the record is exported.");
        if (Recipient is { } r && r.Trim().Length == 0) errors.Add("recipient", "Say to whom the record goes.");
    }
}

/// <summary>Who the shared summary is about: identification a clinician needs, no contact, address, insurance or national id.</summary>
public sealed record SharedPatient(string PatientCode, string FirstName, string? MiddleName, string LastName, DateOnly DateOfBirth, int Age,
    string Gender, string BloodType);

/// <summary>
/// What a read-only link shows: the clinical summary (allergies or their absence, active conditions, current
/// medications, latest vitals, immunizations due, the last visits with their diagnoses) and who it is about. Left out on
/// purpose: contact details, address, emergency contact, insurance, national id, consents, internal ids of staff and the
/// counts of the record (they would count staff-only notes). New fields of the staff summary do not appear here until
/// this record names them.
/// </summary>
public sealed record SharedSummaryResponse(string Hospital, SharedPatient Patient,
    [property: OneOf(typeof(PatientSummary), nameof(PatientSummary.AllergyStatuses))] string AllergyStatus,
    IReadOnlyList<SummaryAllergy> ActiveAllergies, IReadOnlyList<SummaryCondition> ActiveConditions,
    IReadOnlyList<SummaryMedication> CurrentMedications, IReadOnlyDictionary<string, SummaryMeasurement> LatestVitals,
    IReadOnlyList<SummaryImmunizationDue> ImmunizationsDue, IReadOnlyList<SummaryVisit> RecentVisits,
    string Purpose, DateTimeOffset SharedAt, DateTimeOffset ExpiresAt)
{
    public static SharedSummaryResponse From(PatientSummaryResponse s, string hospital, ShareLink link) => new(hospital,
        new SharedPatient(s.Patient.PatientCode, s.Patient.FirstName, s.Patient.MiddleName, s.Patient.LastName, s.Patient.DateOfBirth, s.Patient.Age,
            s.Patient.Gender, s.Patient.BloodType),
        s.AllergyStatus, s.ActiveAllergies, s.ActiveConditions, s.CurrentMedications, s.LatestVitals, s.ImmunizationsDue, s.RecentVisits,
        link.Purpose, link.CreatedAt, link.ExpiresAt);
}
