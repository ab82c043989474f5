using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Departments;

/// <summary>Every system role against every department route, through the real pipeline (see <see cref="AuthorizationMatrix"/>).</summary>
public sealed class DepartmentsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/departments/", Permissions.DepartmentsRead, "/api/v1/departments"),
        new("GET", "/api/v1/departments/{id:guid}", Permissions.DepartmentsRead, $"/api/v1/departments/{Missing}"),
        new("POST", "/api/v1/departments/", Permissions.DepartmentsWrite, "/api/v1/departments", new { }),
        new("PATCH", "/api/v1/departments/{id:guid}", Permissions.DepartmentsWrite, $"/api/v1/departments/{Missing}", new { }),
        new("DELETE", "/api/v1/departments/{id:guid}", Permissions.DepartmentsWrite, $"/api/v1/departments/{Missing}"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_department_route_with_the_permission_it_declares() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/departments");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_system_role_reaches_exactly_the_department_routes_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_department_route() =>
        await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
