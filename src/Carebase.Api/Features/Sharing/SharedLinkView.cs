using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Records;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Sharing;

/// <summary>
/// Opens a read-only link for someone without an account. The token names the hospital (its slug) and the hash of the
/// whole token finds the link in that hospital's schema; an unknown token, or a hospital that is not active, is 404.
/// A revoked, locked or expired link is 410. With an access code, each try first claims an attempt in the database
/// (at most five ever, whatever runs in parallel) and gives it back when the code is right; the fifth wrong code locks
/// the link. Each opening is a disclosure (to the link's recipient, for its purpose, released by its maker) and an audit
/// entry, with the opener's IP and user agent.
/// </summary>
public sealed class SharedLinkView(CarebaseDb db, PatientSummary summary, TenantClock clock, Disclosures disclosures, AuditLog audit,
    TimeProvider time)
{
    public const string AccessCodeHeader = "X-Access-Code";

    /// <summary>The handler of <c>GET /public/shared/{token}</c>: JSON, or the printable page when the client asks for HTML.</summary>
    public static async Task<Results<Ok<SharedSummaryResponse>, ContentHttpResult>> Open(string token,
        [FromHeader(Name = AccessCodeHeader), MaxLength(6), Description("The link's 6-digit access code, when it has one.")] string? accessCode,
        SharedLinkView view, HttpContext http, CancellationToken ct)
    {
        var html = WantsHtml(http.Request);
        var (answer, zone) = await view.OpenAsync(token, accessCode, html ? "HTML" : "JSON", http, ct);
        http.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        if (!html) return TypedResults.Ok(answer);
        http.Response.Headers.ContentSecurityPolicy = SharedSummaryPage.ContentSecurityPolicy;
        return TypedResults.Content(SharedSummaryPage.Render(answer, zone), "text/html; charset=utf-8");
    }

    static bool WantsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);

    async Task<(SharedSummaryResponse answer, TimeZoneInfo zone)> OpenAsync(string token, string? code, string format, HttpContext http,
        CancellationToken ct)
    {
        var slug = ShareLinkTokens.SlugOf(token) ?? throw new NotFoundException("The link");
        var tenant = await db.Set<Tenant>().AsNoTracking().SingleOrDefaultAsync(t => t.Slug == slug, ct);
        if (tenant is null || tenant.Status != TenantStatus.Active) throw new NotFoundException("The link");
        await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);
        var zone = await clock.ZoneAsync(ct);
        HospitalTime.Use(http, zone);

        var hash = ShareLinkTokens.Hash(token);
        var link = await db.Set<ShareLink>().AsNoTracking().SingleOrDefaultAsync(l => l.TokenHash == hash, ct) ?? throw new NotFoundException("The link");
        var now = time.GetUtcNow();
        switch (link.StatusAt(now))
        {
            case ShareLinkStatuses.Revoked: throw await RefusedAsync(link, "link_revoked", "This link was revoked by the hospital.", ct);
            case ShareLinkStatuses.Locked: throw await RefusedAsync(link, "link_locked", "This link is locked after too many wrong access codes; ask the hospital for a new one.", ct);
            case ShareLinkStatuses.Expired: throw await RefusedAsync(link, "link_expired", "This link has expired; ask the hospital for a new one.", ct);
        }
        var patient = await db.Set<Patient>().AsNoTracking().SingleAsync(p => p.Id == link.PatientId, ct);
        if (patient.IsDeleted) throw await RefusedAsync(link, "record_unavailable", "The record behind this link is no longer available.", ct);

        var claimed = link.HasAccessCode ? await CheckCodeAsync(link, code, now, ct) : 0;
        var read = await summary.ReadAsync(patient, ct);
        var answer = SharedSummaryResponse.From(read, tenant.Name, link);

        var maker = link.CreatedBy is { } by ? await db.Users.Where(u => u.Id == by).Select(u => u.Email).SingleOrDefaultAsync(ct) : null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Counters in SQL, so parallel openings all count; the claimed attempt is given back (the code was right).
        await db.Database.ExecuteSqlAsync($"""
            UPDATE share_links SET open_count = open_count + 1, last_opened_at = {now}, failed_attempts = failed_attempts - {claimed}
            WHERE id = {link.Id}
            """, ct);
        disclosures.Record(link.PatientId, DisclosureKinds.LinkOpened, link.Recipient ?? "Holder of a read-only link", link.Purpose,
            $"Patient summary ({format}) through a read-only link", new DisclosureSource("SHARE_LINK", link.Id), new DisclosedBy(link.CreatedBy, maker));
        audit.Record("SHARE_LINK_OPENED", "PATIENT", link.PatientId, new { linkId = link.Id, format });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (answer, zone);
    }

    /// <summary>
    /// Claims an attempt (committed at once, so neither a crash nor a parallel request gets a free guess), then checks the
    /// code: right → the claim to give back (1); wrong → 401, and the fifth wrong one locks the link (410).
    /// </summary>
    async Task<int> CheckCodeAsync(ShareLink link, string? code, DateTimeOffset now, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(code))
            throw new UnauthorizedException("access_code_required", $"This link needs its 6-digit access code in the {AccessCodeHeader} header.");
        var attempts = await db.Database.SqlQuery<int>($"""
            UPDATE share_links SET failed_attempts = failed_attempts + 1
            WHERE id = {link.Id} AND failed_attempts < {ShareLink.MaxAttempts} AND locked_at IS NULL AND revoked_at IS NULL
            RETURNING failed_attempts AS "Value"
            """).ToListAsync(ct);
        if (attempts.Count == 0)
            throw await RefusedAsync(link, "link_locked", "This link is locked after too many wrong access codes; ask the hospital for a new one.", ct);
        if (code.Length == 6 && code.All(char.IsAsciiDigit) && link.AccessCodeMatches(code)) return 1;

        var used = attempts[0];
        if (used >= ShareLink.MaxAttempts)
        {
            await db.Database.ExecuteSqlAsync($"UPDATE share_links SET locked_at = {now} WHERE id = {link.Id} AND locked_at IS NULL", ct);
            await audit.WriteAsync("SHARE_LINK_LOCKED", "SHARE_LINK", link.Id, new { patientId = link.PatientId, attempts = used },
                outcome: AuditOutcome.Denied, ct: ct);
            throw new GoneException("link_locked", "Wrong access code: the link is now locked. Ask the hospital for a new one.");
        }
        await audit.WriteAsync("SHARE_LINK_REFUSED", "SHARE_LINK", link.Id, new { patientId = link.PatientId, reason = "access_code_invalid", attempts = used },
            outcome: AuditOutcome.Denied, ct: ct);
        var left = ShareLink.MaxAttempts - used;
        throw new UnauthorizedException("access_code_invalid", $"Wrong access code; {left} {(left == 1 ? "try" : "tries")} left before the link locks.");
    }

    async Task<GoneException> RefusedAsync(ShareLink link, string code, string message, CancellationToken ct)
    {
        await audit.WriteAsync("SHARE_LINK_REFUSED", "SHARE_LINK", link.Id, new { patientId = link.PatientId, reason = code }, outcome: AuditOutcome.Denied, ct: ct);
        return new GoneException(code, message);
    }
}

/// <summary>The printable page of a shared summary: plain HTML, every value encoded, one inline style allowed by its hash.</summary>
public static class SharedSummaryPage
{
    const string Style = """
        body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.4}
        h1{font-size:1.5rem;margin-bottom:0}h2{font-size:1.1rem;border-bottom:1px solid #999;margin-top:1.5rem}
        table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #ddd;vertical-align:top}
        .meta{color:#444;font-size:.9rem}@media print{body{margin:0;max-width:none}.meta{color:#000}}
        """;

    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; frame-ancestors 'none'";

    public static string Render(SharedSummaryResponse s, TimeZoneInfo zone)
    {
        var e = HtmlEncoder.Default;
        string H(string? text) => e.Encode(text ?? "");
        string When(DateTimeOffset at) => H(TimeZoneInfo.ConvertTime(at, zone).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture));
        var p = s.Patient;
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">")
         .Append("<title>Patient summary — ").Append(H($"{p.FirstName} {p.LastName}")).Append("</title><style>").Append(Style).Append("</style></head><body>");
        b.Append("<h1>").Append(H($"{p.FirstName} {p.MiddleName} {p.LastName}".Replace("  ", " "))).Append("</h1>")
         .Append("<p class=\"meta\">").Append(H($"{p.PatientCode} · born {p.DateOfBirth.ToString("d MMM yyyy", CultureInfo.InvariantCulture)} ({p.Age} years) · {p.Gender} · blood type {p.BloodType}"))
         .Append("<br>Shared by ").Append(H(s.Hospital)).Append(" for: ").Append(H(s.Purpose))
         .Append(" · valid until ").Append(When(s.ExpiresAt)).Append("</p>");

        b.Append("<h2>Allergies</h2>");
        if (s.ActiveAllergies.Count == 0)
            b.Append("<p>").Append(s.AllergyStatus == "NO_KNOWN_ALLERGIES" ? "No known allergies." : "Not recorded (nobody has asked yet).").Append("</p>");
        else Table(b, ["Substance", "Category", "Severity", "Reaction"], s.ActiveAllergies.Select(a => new[] { a.Substance, a.Category, a.Severity, a.Reaction }), H);

        b.Append("<h2>Active conditions</h2>");
        Table(b, ["Condition", "Code", "Status", "Since"], s.ActiveConditions.Select(c => new[] { c.Text, c.Code, c.Status, c.OnsetDate?.ToString("d MMM yyyy", CultureInfo.InvariantCulture) }), H);
        b.Append("<h2>Current medications</h2>");
        Table(b, ["Medicine", "Dose", "Route", "Frequency", "Since"],
            s.CurrentMedications.Select(m => new[] { m.Name, m.Dose, m.Route, m.Frequency, m.StartDate?.ToString("d MMM yyyy", CultureInfo.InvariantCulture) }), H);
        b.Append("<h2>Latest vital signs</h2>");
        Table(b, ["Measurement", "Value", "Taken", "Previous"], s.LatestVitals.Select(v => new[]
        {
            v.Key, v.Value.Value.ToString(CultureInfo.InvariantCulture) + (v.Value.Flags.Length > 0 ? $" ({string.Join(", ", v.Value.Flags)})" : ""),
            TimeZoneInfo.ConvertTime(v.Value.RecordedAt, zone).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture),
            v.Value.Previous?.ToString(CultureInfo.InvariantCulture),
        }), H);
        b.Append("<h2>Immunizations due</h2>");
        Table(b, ["Vaccine", "Dose", "Given", "Due"], s.ImmunizationsDue.Select(i => new[]
        {
            i.Vaccine, i.DoseNumber?.ToString(CultureInfo.InvariantCulture), i.DateGiven.ToString("d MMM yyyy", CultureInfo.InvariantCulture),
            i.NextDueDate.ToString("d MMM yyyy", CultureInfo.InvariantCulture) + (i.Overdue ? " (overdue)" : ""),
        }), H);
        b.Append("<h2>Recent visits</h2>");
        Table(b, ["Date", "Doctor", "Reason", "Diagnoses"], s.RecentVisits.Select(v => new[]
        {
            TimeZoneInfo.ConvertTime(v.StartedAt, zone).ToString("d MMM yyyy", CultureInfo.InvariantCulture), v.DoctorName, v.ChiefComplaint,
            string.Join("; ", v.Diagnoses.Select(d => d.Code is null ? d.Text : $"{d.Code} {d.Text}")),
        }), H);
        b.Append("<p class=\"meta\">Read-only summary shared on ").Append(When(s.SharedAt)).Append(". Printed copies are confidential medical information.</p>")
         .Append("</body></html>");
        return b.ToString();
    }

    static void Table(StringBuilder b, string[] header, IEnumerable<string?[]> rows, Func<string?, string> h)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            b.Append("<p>None recorded.</p>");
            return;
        }
        b.Append("<table><thead><tr>");
        foreach (var c in header) b.Append("<th>").Append(h(c)).Append("</th>");
        b.Append("</tr></thead><tbody>");
        foreach (var row in list)
        {
            b.Append("<tr>");
            foreach (var c in row) b.Append("<td>").Append(h(c)).Append("</td>");
            b.Append("</tr>");
        }
        b.Append("</tbody></table>");
    }
}
