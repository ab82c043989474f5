using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Carebase.Api.Features.Insight;

public static class InsightEndpoints
{
    public static RouteGroupBuilder MapInsight(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports/audit-logs").WithTags("Reports").AddEndpointFilter<ValidationFilter>();
        reports.MapGet("/", TenantAuditLogs).RequirePermission(Permissions.AuditRead)
            .WithSummary("The hospital's audit trail, newest first, filtered by user, action, resource, outcome and time");
        reports.MapGet("/verify", VerifyTenantAuditLogs).RequirePermission(Permissions.AuditRead)
            .WithSummary("Re-walk the hospital's audit hash chain: intact, rows checked, first broken seq");
        DailySummary.Map(api);

        var platform = api.MapGroup("/platform/audit-logs").WithTags("Platform").AddEndpointFilter<ValidationFilter>();
        platform.MapGet("/", PlatformAuditLogs).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("The platform's audit trail (super admin actions, registrations, unknown-account sign-ins), newest first");
        platform.MapGet("/verify", VerifyPlatformAuditLogs).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("Re-walk the platform audit hash chain: intact, rows checked, first broken seq");
        return api;
    }

    static async Task<Ok<Paged<AuditLogItem>>> TenantAuditLogs([AsParameters] AuditLogQuery query, CarebaseDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditTrail.ListAsync<AuditEntry>(InTenant(db), query, ct));

    static async Task<Ok<AuditVerifyResponse>> VerifyTenantAuditLogs(CarebaseDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditTrail.VerifyAsync(InTenant(db), AuditTrail.TenantTable, ct));

    static async Task<Ok<Paged<AuditLogItem>>> PlatformAuditLogs([AsParameters] AuditLogQuery query, CarebaseDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditTrail.ListAsync<PlatformAuditEntry>(db, query, ct));

    static async Task<Ok<AuditVerifyResponse>> VerifyPlatformAuditLogs(CarebaseDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditTrail.VerifyAsync(db, AuditTrail.PlatformTable, ct));

    /// <summary>The tenant trail exists only in a tenant's schema; a caller without one has none to read.</summary>
    static CarebaseDb InTenant(CarebaseDb db) => db.Tenant.Schema is null ? throw new NotFoundException("The audit trail") : db;
}
