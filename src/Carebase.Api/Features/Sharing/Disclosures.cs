using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Sharing;

/// <summary>What kind of release a disclosure was (the database CHECK lists the same values).</summary>
public static class DisclosureKinds
{
    /// <summary>A read-only link was opened.</summary>
    public const string LinkOpened = "LINK_OPENED";
    /// <summary>The whole record was exported (GET /patients/{id}/export).</summary>
    public const string RecordExported = "RECORD_EXPORTED";
    /// <summary>Another hospital read the record through a share (the shares area records it).</summary>
    public const string ShareAccessed = "SHARE_ACCESSED";
    /// <summary>An integration client read the record through FHIR (the FHIR area records it).</summary>
    public const string FhirRead = "FHIR_READ";
    public static readonly string[] All = [LinkOpened, RecordExported, ShareAccessed, FhirRead];
}

/// <summary>
/// One entry of the accounting of disclosures: a release of the patient's data outside the hospital's own care — to whom,
/// why, what, when, by whom (the staff member who released it), through what (a link, a share, a client) and from where.
/// Append-only: the database refuses UPDATE and DELETE (only a patient merge may move rows to the survivor).
/// </summary>
public sealed class Disclosure
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public string Kind { get; init; } = "";
    public string Recipient { get; init; } = "";
    public string Purpose { get; init; } = "";
    public string Description { get; init; } = "";
    public Guid? DisclosedBy { get; init; }
    public string? DisclosedByEmail { get; init; }
    public string? SourceType { get; init; }
    public Guid? SourceId { get; init; }
    public string? Ip { get; init; }
    public string? UserAgent { get; init; }
}

sealed class DisclosureConfiguration : IEntityTypeConfiguration<Disclosure>
{
    public void Configure(EntityTypeBuilder<Disclosure> e) => e.ToTable("disclosures");
}

/// <summary>What a disclosure went through: a link, a share, an integration client (type in SCREAMING_CASE, and its id).</summary>
public sealed record DisclosureSource(string Type, Guid Id);

/// <summary>Who released the data when it is not the signed-in caller (the staff member who made the link that was opened).</summary>
public sealed record DisclosedBy(Guid? UserId, string? Email);

/// <summary>
/// The ledger's one door for every area that releases a patient's data outside the hospital: <see cref="Record"/> adds the
/// entry to the caller's unit of work (it commits with the caller's SaveChanges, in its transaction, and never saves by
/// itself). Links and exports call it here; shares and FHIR reads by integration clients will call it the same way.
/// </summary>
public sealed class Disclosures(CarebaseDb db, Caller caller, IHttpContextAccessor http, TimeProvider time)
{
    public Disclosure Record(Guid patientId, string kind, string recipient, string purpose, string description,
        DisclosureSource? source = null, DisclosedBy? by = null)
    {
        if (!DisclosureKinds.All.Contains(kind)) throw new ArgumentException($"Unknown disclosure kind {kind}; add it to {nameof(DisclosureKinds)}.", nameof(kind));
        var request = http.HttpContext?.Request;
        by ??= caller.IsAuthenticated ? new DisclosedBy(caller.UserId, caller.Email) : new DisclosedBy(null, null);
        var entry = new Disclosure
        {
            PatientId = patientId, OccurredAt = time.GetUtcNow(), Kind = kind, Recipient = Clip(recipient, ShareLink.MaxRecipient)!,
            Purpose = Clip(purpose, ShareLink.MaxPurpose)!, Description = Clip(description, 1000)!, DisclosedBy = by.UserId, DisclosedByEmail = by.Email,
            SourceType = source?.Type, SourceId = source?.Id,
            Ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString(), UserAgent = Clip(request?.Headers.UserAgent.ToString(), 400),
        };
        db.Add(entry);
        return entry;
    }

    static string? Clip(string? s, int max) => string.IsNullOrWhiteSpace(s) ? null : s.Trim() is var t && t.Length <= max ? t : t[..max];
}
