using System.Globalization;
using System.Text;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Operations;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Sharing;

/// <summary>
/// Releasing a patient's data outside the hospital, and accounting for it: read-only links to the summary (made and
/// revoked by staff, opened without an account), the full-record export, and the accounting of disclosures that both
/// write to. Staff routes sit under the patient gate (another hospital's ids 404, a confidential patient 403
/// break_glass_required outside the care team); a portal patient lists the links and disclosures of their own record.
/// </summary>
public static class SharingEndpoints
{
    public static IServiceCollection AddSharing(this IServiceCollection services) =>
        RecordSections.AddDefaults(services.AddScoped<Disclosures>().AddScoped<RecordExport>().AddScoped<SharedLinkView>());

    public static RouteGroupBuilder MapSharing(this RouteGroupBuilder api)
    {
        var record = PatientAccess.MapPatientRoutes(api, "Sharing").AddEndpointFilter<ValidationFilter>();
        record.MapPost("/share-links", CreateLink).RequirePermission(SharingLinks).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Make a read-only link to the patient's summary (expiresInHours up to 168, a purpose, optionally a recipient and a 6-digit access code); the token and code are answered once");
        record.MapGet("/share-links", ListLinks).RequirePermission(SharingLinks)
            .WithSummary("The patient's links, newest first, with their state and openings (never the tokens); a portal patient sees those of their own record");
        record.MapDelete("/share-links/{linkId:guid}", RevokeLink).RequirePermission(SharingLinks).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Revoke a link: it answers 410 from now on (kept with who and when)");
        record.MapGet("/disclosures", ListDisclosures).RequirePermission(DisclosuresRead).Produces(200, contentType: "text/csv")
            .WithSummary("The accounting of disclosures: every release of the patient's data outside the hospital (links opened, record exports, shares, FHIR reads), newest first; format=csv for a period (from/to)");
        record.MapGet("/export", Export).RequirePermission(RecordsExport).Produces(200, contentType: "application/zip")
            .WithSummary("The whole record as a zip, streamed: record.json (demographics, history, visits, prescriptions, dispensings, lab orders and results, invoices, documents), the documents' files and summary.pdf; a purpose and recipient are required and recorded as a disclosure");

        api.MapGet("/public/shared/{token:maxlength(100)}", SharedLinkView.Open).WithTags("Sharing").Public().RequireRateLimiting(RateLimits.PublicLinkPolicy)
            .Produces(200, contentType: "text/html").ProducesProblem(410)
            .WithSummary("Open a read-only link without an account: the patient summary as JSON, or a printable page for a browser (Accept: text/html); the access code, when the link has one, goes in X-Access-Code (five wrong codes lock the link); expired, revoked or locked links answer 410");
        return api;
    }

    static async Task<Created<CreatedShareLinkResponse>> CreateLink(Guid id, CreateShareLinkRequest request, PatientAccess access, CarebaseDb db,
        Caller caller, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; a deleted record is not shared.");
        var token = ShareLinkTokens.New(caller.TenantSlug ?? throw new ForbiddenException("tenant_required", "Only a hospital's accounts can do this."));
        var now = time.GetUtcNow();
        var link = new ShareLink
        {
            PatientId = id, TokenHash = ShareLinkTokens.Hash(token), Purpose = request.Purpose!.Trim(), Recipient = Input.Clean(request.Recipient),
            CreatedAt = now, CreatedBy = caller.UserId, ExpiresAt = now.AddHours(request.ExpiresInHours!.Value),
        };
        var code = request.AccessCode == true ? ShareLinkTokens.NewAccessCode() : null;
        if (code is not null) link.SetAccessCode(code);
        db.Add(link);
        audit.Record("SHARE_LINK_CREATED", "PATIENT", id, new { linkId = link.Id, link.Purpose, link.Recipient, link.ExpiresAt, accessCode = code is not null });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/patients/{id}/share-links",
            new CreatedShareLinkResponse(ShareLinkResponse.From(link, now), token, $"/api/v1/public/shared/{token}", code));
    }

    static async Task<Ok<Paged<ShareLinkResponse>>> ListLinks(Guid id, [AsParameters] ShareLinkQuery query, CarebaseDb db, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var links = db.Set<ShareLink>().AsNoTracking().Where(l => l.PatientId == id);
        links = query.Status switch
        {
            ShareLinkStatuses.Revoked => links.Where(l => l.RevokedAt != null),
            ShareLinkStatuses.Locked => links.Where(l => l.RevokedAt == null && l.LockedAt != null),
            ShareLinkStatuses.Expired => links.Where(l => l.RevokedAt == null && l.LockedAt == null && l.ExpiresAt <= now),
            ShareLinkStatuses.Active => links.Where(l => l.RevokedAt == null && l.LockedAt == null && l.ExpiresAt > now),
            _ => links,
        };
        var page = await links.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).ToPagedAsync(query, l => ShareLinkResponse.From(l, now), ct);
        await audit.WriteAsync("SHARE_LINK_LISTED", "PATIENT", id, new { filter = query, returned = page.Items.Select(l => l.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<NoContent> RevokeLink(Guid id, Guid linkId, CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var link = await db.Set<ShareLink>().SingleOrDefaultAsync(l => l.Id == linkId && l.PatientId == id, ct) ?? throw new NotFoundException("The link");
        link.Revoke(caller.UserId, time.GetUtcNow());
        audit.Record("SHARE_LINK_REVOKED", "SHARE_LINK", linkId, new { patientId = id });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Results<Ok<Paged<DisclosureResponse>>, EmptyHttpResult>> ListDisclosures(Guid id, [AsParameters] DisclosureQuery query,
        CarebaseDb db, Caller caller, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var rows = db.Set<Disclosure>().AsNoTracking().Where(d => d.PatientId == id);
        if (query.From is { } from) rows = rows.Where(d => d.OccurredAt >= from.ToUniversalTime());
        if (query.To is { } to) rows = rows.Where(d => d.OccurredAt < to.ToUniversalTime());
        if (query.Kind is { } kind) rows = rows.Where(d => d.Kind == kind);
        if (query.Format != "csv")
        {
            var page = await rows.OrderByDescending(d => d.OccurredAt).ThenByDescending(d => d.Id).ToPagedAsync(query, DisclosureResponse.From, ct);
            await audit.WriteAsync("DISCLOSURE_LISTED", "PATIENT", id, new { filter = query, returned = page.Items.Select(d => d.Id) }, ct: ct);
            return TypedResults.Ok(page);
        }
        await audit.WriteAsync("DISCLOSURE_EXPORTED", "PATIENT", id, new { filter = query }, ct: ct);
        var staff = !caller.IsPatient; // who released it is for staff, as in the JSON answer
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"disclosures.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(true), 64 * 1024);
        await writer.WriteAsync("occurredAt,kind,recipient,purpose,description," + (staff ? "disclosedBy," : "") + "sourceType,sourceId,ip,userAgent\r\n");
        await foreach (var d in rows.OrderBy(d => d.OccurredAt).ThenBy(d => d.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var cells = new List<string?> { HospitalTime.Local(d.OccurredAt).ToString("O", CultureInfo.InvariantCulture), d.Kind, d.Recipient, d.Purpose, d.Description };
            if (staff) cells.Add(d.DisclosedByEmail);
            cells.AddRange([d.SourceType, d.SourceId?.ToString(), d.Ip, d.UserAgent]);
            await writer.WriteAsync(string.Join(',', cells.Select(PatientExport.Cell)) + "\r\n");
        }
        return TypedResults.Empty;
    }

    static async Task<EmptyHttpResult> Export(Guid id, [AsParameters] RecordExportQuery query, PatientAccess access, RecordExport export,
        HttpContext http, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct);
        await export.WriteAsync(patient, query.Purpose!.Trim(), query.Recipient!.Trim(), query.Paper ?? Platform.Pdf.PaperSizes.A4, http, ct);
        return TypedResults.Empty;
    }
}
