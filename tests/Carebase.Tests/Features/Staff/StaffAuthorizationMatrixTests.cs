using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Staff;

/// <summary>
/// Every system role against every staff route, through the real pipeline. Whether a role is allowed
/// comes from <see cref="SystemRoles.All"/>, and the route list is checked against the app's own
/// endpoints, so neither a new route nor a changed role can slip past this test.
/// </summary>
public sealed class StaffAuthorizationMatrixTests
{
    // Allowed calls must not change anything: unknown ids answer 404, empty bodies 422.
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/users/", Permissions.UsersRead, "/api/v1/users"),
        new("GET", "/api/v1/users/{id:guid}", Permissions.UsersRead, $"/api/v1/users/{Missing}"),
        new("POST", "/api/v1/users/", Permissions.UsersWrite, "/api/v1/users", new { }),
        new("PATCH", "/api/v1/users/{id:guid}", Permissions.UsersWrite, $"/api/v1/users/{Missing}", new { }),
        new("POST", "/api/v1/users/{id:guid}/deactivate", Permissions.UsersWrite, $"/api/v1/users/{Missing}/deactivate"),
        new("POST", "/api/v1/users/{id:guid}/activate", Permissions.UsersWrite, $"/api/v1/users/{Missing}/activate"),
        new("POST", "/api/v1/users/{id:guid}/reset-password", Permissions.UsersWrite, $"/api/v1/users/{Missing}/reset-password", new { }),
        new("GET", "/api/v1/roles/", Permissions.RolesRead, "/api/v1/roles"),
        new("GET", "/api/v1/roles/{id:guid}", Permissions.RolesRead, $"/api/v1/roles/{Missing}"),
        new("POST", "/api/v1/roles/", Permissions.RolesWrite, "/api/v1/roles", new { }),
        new("PATCH", "/api/v1/roles/{id:guid}", Permissions.RolesWrite, $"/api/v1/roles/{Missing}", new { }),
        new("DELETE", "/api/v1/roles/{id:guid}", Permissions.RolesWrite, $"/api/v1/roles/{Missing}"),
        new("GET", "/api/v1/permissions/", Permissions.RolesRead, "/api/v1/permissions"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_staff_route_with_the_permission_it_declares() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/users", "/api/v1/roles", "/api/v1/permissions");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_system_role_reaches_exactly_the_staff_routes_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_staff_route() =>
        await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
