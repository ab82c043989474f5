using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Insight;

/// <summary>
/// Filters of an audit trail listing (the hospital's or the platform's). <c>action</c> is one of the actions the service
/// records (SCREAMING_CASE, e.g. PATIENT_CREATED), <c>resourceType</c> one of the resource types; <c>from</c> is
/// included, <c>to</c> excluded.
/// </summary>
public sealed record AuditLogQuery(
    Guid? UserId,
    [property: OneOf(typeof(AuditActions), nameof(AuditActions.All)), Description("Only entries of this action.")] string? Action,
    [property: OneOf(typeof(AuditActions), nameof(AuditActions.ResourceTypes)), Description("Only entries about this kind of record.")] string? ResourceType,
    [property: MaxLength(200), Description("Only entries about this record (its id).")] string? ResourceId,
    [property: OneOf(typeof(AuditLogQuery), nameof(AuditLogQuery.Outcomes)), Description("Only entries with this outcome.")] string? Outcome,
    [property: Description("From this instant (included).")] DateTimeOffset? From,
    [property: Description("Until this instant (excluded).")] DateTimeOffset? To,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    internal static readonly string[] Outcomes = [AuditOutcome.Success, AuditOutcome.Failure, AuditOutcome.Denied];

    public void Validate(FieldErrors errors)
    {
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after 'from'.");
    }
}

/// <summary>One audit entry as the API shows it (changes as JSON, hashes in hex).</summary>
public sealed record AuditLogItem(
    long Seq, Guid Id, DateTimeOffset OccurredAt, Guid? TenantId, Guid? UserId, string? UserEmail, string[] Roles,
    [property: OneOf(typeof(AuditActions), nameof(AuditActions.All))] string Action,
    string ResourceType, string? ResourceId, JsonElement? Changes,
    [property: OneOf(typeof(AuditLogQuery), nameof(AuditLogQuery.Outcomes))] string Outcome, string? Ip, string? UserAgent, string? RequestId,
    string Hash, string PrevHash)
{
    public static AuditLogItem From(AuditRecord a) => new(a.Seq!.Value, a.Id, a.OccurredAt, a.TenantId, a.UserId, a.UserEmail, a.Roles,
        AuditActions.Normalize(a.Action), a.ResourceType, a.ResourceId, a.Changes is null ? null : JsonDocument.Parse(a.Changes).RootElement.Clone(),
        a.Outcome, a.Ip, a.UserAgent, a.RequestId, Convert.ToHexStringLower(a.Hash ?? []), Convert.ToHexStringLower(a.PrevHash ?? []));
}

/// <summary>
/// The result of re-walking a trail: how many rows were checked, and the first row whose hash does
/// not match its content, whose link does not match its predecessor's hash, or that follows a gap.
/// </summary>
public sealed record AuditVerifyResponse(bool Intact, long Checked, long? FirstBrokenSeq);

/// <summary>
/// Reads and verifies the audit trails. Both are append-only tables chained by <c>platform.audit_seal()</c>
/// (see <see cref="AuditSeal"/>). Listing and verifying seal the trail first, so every entry committed before
/// the request is in the chain; an entry committed while the request runs may still be pending and is left out.
/// </summary>
public static class AuditTrail
{
    public const string TenantTable = "audit_log";          // through the request's search_path
    public const string PlatformTable = "platform.audit_log";

    public static async Task<Paged<AuditLogItem>> ListAsync<T>(CarebaseDb db, AuditLogQuery q, CancellationToken ct) where T : AuditRecord
    {
        await SealAsync(db, typeof(T) == typeof(PlatformAuditEntry) ? PlatformTable : TenantTable, ct);
        var rows = db.Set<T>().AsNoTracking().Where(a => a.Seq != null);
        if (q.UserId is { } user) rows = rows.Where(a => a.UserId == user);
        // Entries written before actions were SCREAMING_CASE ("patient.created") match their new name too.
        if (!string.IsNullOrWhiteSpace(q.Action)) rows = rows.Where(a => a.Action == q.Action || a.Action.Replace(".", "_").ToUpper() == q.Action);
        if (!string.IsNullOrWhiteSpace(q.ResourceType)) rows = rows.Where(a => a.ResourceType == q.ResourceType);
        if (!string.IsNullOrWhiteSpace(q.ResourceId)) rows = rows.Where(a => a.ResourceId == q.ResourceId);
        if (!string.IsNullOrWhiteSpace(q.Outcome)) rows = rows.Where(a => a.Outcome == q.Outcome);
        if (q.From is { } from) { var f = from.ToUniversalTime(); rows = rows.Where(a => a.OccurredAt >= f); }
        if (q.To is { } to) { var t = to.ToUniversalTime(); rows = rows.Where(a => a.OccurredAt < t); }
        return await rows.OrderByDescending(a => a.Seq).ToPagedAsync(q, AuditLogItem.From, ct);
    }

    /// <summary>
    /// One pass over the sealed trail in SQL: each row's hash is recomputed with <c>platform.audit_hash</c>,
    /// each prev_hash compared with the previous row's hash, and seq checked for gaps.
    /// </summary>
    public static async Task<AuditVerifyResponse> VerifyAsync(CarebaseDb db, string table, CancellationToken ct)
    {
        await SealAsync(db, table, ct);
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(*), min(seq) FILTER (WHERE broken)
            FROM (
                SELECT seq,
                       hash IS DISTINCT FROM platform.audit_hash(prev_hash, seq, occurred_at, tenant_id, user_id, user_email, roles,
                               action, resource_type, resource_id, changes, outcome, ip, user_agent, request_id)
                       OR prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, '\x'::bytea)
                       OR seq <> row_number() OVER w AS broken
                FROM {Qualified(db, table)}
                WHERE seq IS NOT NULL
                WINDOW w AS (ORDER BY seq)
            ) chain
            """, (NpgsqlConnection)db.Database.GetDbConnection());
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var (count, broken) = (r.GetInt64(0), r.IsDBNull(1) ? (long?)null : r.GetInt64(1));
            return new AuditVerifyResponse(broken is null, count, broken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Chains the trail's pending entries, on the unit of work's connection (which must not be in a transaction).</summary>
    static async Task SealAsync(CarebaseDb db, string table, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await AuditSeal.SealAsync((NpgsqlConnection)db.Database.GetDbConnection(), [Trail(db, table)], ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    static string Trail(CarebaseDb db, string table) => table switch
    {
        PlatformTable => AuditSeal.PlatformTrail,
        TenantTable => db.Tenant.Schema ?? throw new InvalidOperationException("No tenant in scope for its audit trail."),
        _ => throw new ArgumentException("Not an audit trail", nameof(table)),
    };

    /// <summary>Schema-qualified, so the raw query does not depend on the connection's search_path.</summary>
    static string Qualified(CarebaseDb db, string table) => $"{MigrationRunner.Quote(Trail(db, table))}.audit_log";
}
