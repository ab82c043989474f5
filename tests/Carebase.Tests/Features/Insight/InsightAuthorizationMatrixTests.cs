using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Insight;

public sealed class InsightAuthorizationMatrixTests
{
    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/reports/audit-logs/", Permissions.AuditRead, "/api/v1/reports/audit-logs?pageSize=1"),
        new("GET", "/api/v1/reports/audit-logs/verify", Permissions.AuditRead, "/api/v1/reports/audit-logs/verify"),
        new("GET", "/api/v1/platform/audit-logs/", Permissions.PlatformTenants, "/api/v1/platform/audit-logs?pageSize=1"),
        new("GET", "/api/v1/platform/audit-logs/verify", Permissions.PlatformTenants, "/api/v1/platform/audit-logs/verify"),
        new("GET", "/api/v1/reports/daily-summary", Permissions.ReportsRead, "/api/v1/reports/daily-summary?date=2025-03-09"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_insight_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/reports/audit-logs", "/api/v1/platform/audit-logs",
            "/api/v1/reports/daily-summary");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // Reports and the audit trail are the hospital admin's; the platform's trail is the super admin's (no hospital role has it).
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
