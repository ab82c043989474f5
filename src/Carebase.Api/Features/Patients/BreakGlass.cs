using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Patients;

/// <summary>Emergency access of one user to one confidential patient, for the hospital's break-glass period.</summary>
public sealed class BreakGlassGrant
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid UserId { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset GrantedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? ReviewedAt { get; private set; }
    public Guid? ReviewedBy { get; private set; }
    public string? ReviewNote { get; private set; }
    public int Version { get; private set; } = 1;

    public void Review(Guid by, string note, DateTimeOffset now)
    {
        if (ReviewedAt is not null) throw new ConflictException("already_reviewed", "This break-glass access was already reviewed.");
        (ReviewedAt, ReviewedBy, ReviewNote) = (now, by, note);
        Version++;
    }
}

sealed class BreakGlassGrantConfiguration : IEntityTypeConfiguration<BreakGlassGrant>
{
    public void Configure(EntityTypeBuilder<BreakGlassGrant> e)
    {
        e.ToTable("break_glass_grants");
        e.Property(g => g.Version).IsConcurrencyToken();
    }
}

/// <summary>
/// Opens a confidential record to a user outside its care team: the reason is kept, the grant expires after the hospital's
/// break-glass period, the audit entry is flagged, and the hospital's admins are emailed in the same transaction. The
/// report lists every grant with what was opened under it, for an admin to review.
/// </summary>
public sealed class BreakGlassDesk(CarebaseDb db, Caller caller, CareTeam team, AuditLog audit, Outbox outbox, TimeProvider time)
{
    /// <summary>The permissions that read clinical data: holding any of them lets a user break the glass.</summary>
    public static readonly string[] ClinicalRead = [VisitsRead, HistoryRead, PrescriptionsRead, LabsRead, AdmissionsRead];

    public async Task<BreakGlassGrant> GrantAsync(Guid patientId, string reason, CancellationToken ct)
    {
        if (!ClinicalRead.Any(caller.Has))
            throw new ForbiddenException("forbidden", $"Break-glass access needs a clinical read permission ({string.Join(", ", ClinicalRead)}).");
        var patient = await db.Set<Patient>().AsNoTracking().Where(p => p.Id == patientId && p.DeletedAt == null)
            .Select(p => new { p.Id, p.Confidential, p.PatientCode, p.FirstName, p.LastName }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The patient");
        if (!patient.Confidential)
            throw new ConflictException("break_glass_not_needed", "The patient is not confidential: open the record as usual.");
        var access = await team.AccessAsync([patientId], caller.UserId, ct);
        if (access.TryGetValue(patientId, out var how) && how == Guid.Empty)
            throw new ConflictException("break_glass_not_needed", "You are on the patient's care team: open the record as usual.");

        var minutes = await db.Database.SqlQuery<int>($"SELECT break_glass_minutes AS \"Value\" FROM platform.tenants WHERE id = {caller.Tenant}").SingleAsync(ct);
        var now = time.GetUtcNow();
        var grant = new BreakGlassGrant
        {
            PatientId = patientId, UserId = caller.UserId, Reason = reason, GrantedAt = now, ExpiresAt = now.AddMinutes(minutes),
        };
        db.Add(grant);
        audit.BreakGlassGrantId = grant.Id;
        audit.Record("BREAK_GLASS_GRANTED", "PATIENT", patientId, new { breakGlass = true, grantId = grant.Id, reason, grant.ExpiresAt });
        var admins = await db.Database.SqlQuery<string>($"""
            SELECT DISTINCT u.email AS "Value" FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN platform.users u ON u.id = ur.user_id
            WHERE r.name = {SystemRoles.HospitalAdmin} AND u.is_active AND u.email IS NOT NULL AND u.id <> {caller.UserId}
            """).ToListAsync(ct);
        foreach (var admin in admins)
            outbox.Email("break-glass", admin, $"Break-glass access to patient {patient.PatientCode}", $"""
                {caller.Email} opened the confidential record of {patient.FirstName} {patient.LastName} ({patient.PatientCode})
                through break-glass access at {now:u}, until {grant.ExpiresAt:u}.

                Reason given: {reason}

                Review it at GET /api/v1/reports/break-glass (grant {grant.Id}).
                """);
        await db.SaveChangesAsync(ct);
        return grant;
    }

    public async Task<Paged<BreakGlassReportItem>> ListAsync(BreakGlassQuery query, CancellationToken ct)
    {
        var grants = db.Set<BreakGlassGrant>().AsNoTracking();
        if (query.UserId is { } user) grants = grants.Where(g => g.UserId == user);
        if (query.PatientId is { } patient) grants = grants.Where(g => g.PatientId == patient);
        if (query.From is { } from) grants = grants.Where(g => g.GrantedAt >= from.ToUniversalTime());
        if (query.To is { } to) grants = grants.Where(g => g.GrantedAt < to.ToUniversalTime());
        if (query.Reviewed is { } reviewed) grants = grants.Where(g => (g.ReviewedAt != null) == reviewed);
        var page = await grants.OrderByDescending(g => g.GrantedAt).ThenBy(g => g.Id)
            .ToPagedAsync<BreakGlassGrant, BreakGlassReportItem>(query, async (rows, c) => await DescribeAsync(rows, c), ct);
        await audit.WriteAsync("BREAK_GLASS_REPORT_READ", "BREAK_GLASS_GRANT", null, new { filter = query, returned = page.Items.Select(i => i.Id) }, ct: ct);
        return page;
    }

    public async Task<BreakGlassReportItem> ReviewAsync(Guid id, string note, CancellationToken ct)
    {
        var grant = await db.Set<BreakGlassGrant>().SingleOrDefaultAsync(g => g.Id == id, ct) ?? throw new NotFoundException("The break-glass grant");
        grant.Review(caller.UserId, note, time.GetUtcNow());
        audit.Record("BREAK_GLASS_REVIEWED", "BREAK_GLASS_GRANT", id, new { grant.PatientId, grant.UserId, note });
        await db.SaveChangesAsync(ct);
        return (await DescribeAsync([grant], ct))[0];
    }

    /// <summary>Names the users and patients of the grants and lists what each grant opened (two queries for a whole page).</summary>
    async Task<List<BreakGlassReportItem>> DescribeAsync(IReadOnlyList<BreakGlassGrant> grants, CancellationToken ct)
    {
        if (grants.Count == 0) return [];
        var now = time.GetUtcNow();
        var patientIds = grants.Select(g => g.PatientId).Distinct().ToList();
        var patients = await db.Set<Patient>().AsNoTracking().Where(p => patientIds.Contains(p.Id))
            .ToDictionaryAsync(p => p.Id, p => new BreakGlassPatient(p.Id, p.PatientCode, $"{p.FirstName} {p.LastName}"), ct);
        var users = new Dictionary<Guid, BreakGlassUser>();
        var opened = grants.ToDictionary(g => g.Id, _ => new List<BreakGlassOpened>());
        var conn = await db.OpenForSqlAsync(ct);
        try
        {
            await using (var cmd = new NpgsqlCommand("SELECT id, first_name, last_name, email FROM platform.users WHERE id = ANY($1)", conn)
                { Parameters = { new() { Value = grants.SelectMany(g => new[] { g.UserId, g.ReviewedBy ?? g.UserId }).Distinct().ToArray() } } })
            await using (var r = await cmd.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct))
                    users[r.GetGuid(0)] = new BreakGlassUser(r.GetGuid(0), $"{r.GetString(1)} {r.GetString(2)}".Trim(), r.IsDBNull(3) ? null : r.GetString(3));
            // The index on (changes->>'breakGlassGrantId') WHERE changes ? 'breakGlassGrantId' serves this.
            await using (var cmd = new NpgsqlCommand("""
                SELECT (changes->>'breakGlassGrantId')::uuid, occurred_at, action, resource_type, resource_id FROM audit_log
                WHERE changes ? 'breakGlassGrantId' AND changes->>'breakGlassGrantId' = ANY($1)
                ORDER BY occurred_at LIMIT 5000
                """, conn) { Parameters = { new() { Value = grants.Select(g => g.Id.ToString()).ToArray() } } })
            await using (var r = await cmd.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct))
                    opened[r.GetGuid(0)].Add(new BreakGlassOpened(r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return grants.Select(g => new BreakGlassReportItem(g.Id, users.GetValueOrDefault(g.UserId) ?? new BreakGlassUser(g.UserId, "", null),
            patients.GetValueOrDefault(g.PatientId) ?? new BreakGlassPatient(g.PatientId, "", ""), g.Reason, g.GrantedAt, g.ExpiresAt,
            g.ExpiresAt > now, g.ReviewedAt, g.ReviewedBy is { } by ? users.GetValueOrDefault(by) : null, g.ReviewNote, opened[g.Id])).ToList();
    }
}
