using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Staff;

/// <summary>
/// Every system role against every staff route, through the real pipeline. Whether a role is allowed
/// comes from <see cref="SystemRoles.All"/>, and the route list is checked against the app's own
/// endpoints, so neither a new route nor a changed role can slip past this test.
/// </summary>
public sealed class StaffAuthorizationMatrixTests
{
    sealed record Route(string Method, string Pattern, string Permission, string Path, object? Body);

    // Allowed calls must not change anything: unknown ids answer 404, empty bodies 422.
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly Route[] Routes =
    [
        new("GET", "/api/v1/users/", Permissions.UsersRead, "/api/v1/users", null),
        new("GET", "/api/v1/users/{id:guid}", Permissions.UsersRead, $"/api/v1/users/{Missing}", null),
        new("POST", "/api/v1/users/", Permissions.UsersWrite, "/api/v1/users", new { }),
        new("PATCH", "/api/v1/users/{id:guid}", Permissions.UsersWrite, $"/api/v1/users/{Missing}", new { }),
        new("POST", "/api/v1/users/{id:guid}/deactivate", Permissions.UsersWrite, $"/api/v1/users/{Missing}/deactivate", null),
        new("POST", "/api/v1/users/{id:guid}/activate", Permissions.UsersWrite, $"/api/v1/users/{Missing}/activate", null),
        new("POST", "/api/v1/users/{id:guid}/reset-password", Permissions.UsersWrite, $"/api/v1/users/{Missing}/reset-password", new { }),
        new("GET", "/api/v1/roles/", Permissions.RolesRead, "/api/v1/roles", null),
        new("GET", "/api/v1/roles/{id:guid}", Permissions.RolesRead, $"/api/v1/roles/{Missing}", null),
        new("POST", "/api/v1/roles/", Permissions.RolesWrite, "/api/v1/roles", new { }),
        new("PATCH", "/api/v1/roles/{id:guid}", Permissions.RolesWrite, $"/api/v1/roles/{Missing}", new { }),
        new("DELETE", "/api/v1/roles/{id:guid}", Permissions.RolesWrite, $"/api/v1/roles/{Missing}", null),
        new("GET", "/api/v1/permissions/", Permissions.RolesRead, "/api/v1/permissions", null),
    ];

    [Fact]
    public async Task The_matrix_covers_every_staff_route_with_the_permission_it_declares()
    {
        var app = await CarebaseApp.Shared();
        var declared = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/api/v1/users", StringComparison.Ordinal)
                || p.StartsWith("/api/v1/roles", StringComparison.Ordinal) || p.StartsWith("/api/v1/permissions", StringComparison.Ordinal)))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m =>
                $"{m} {e.RoutePattern.RawText} {e.Metadata.GetMetadata<RequiresPermission>()?.Code ?? "(none)"}"))
            .Order().ToArray();

        Assert.Equal(Routes.Select(r => $"{r.Method} {r.Pattern} {r.Permission}").Order(), declared);
    }

    [Theory]
    [InlineData(SystemRoles.HospitalAdmin)]
    [InlineData(SystemRoles.Doctor)]
    [InlineData(SystemRoles.Nurse)]
    [InlineData(SystemRoles.Receptionist)]
    [InlineData(SystemRoles.Pharmacist)]
    [InlineData(SystemRoles.LabTechnician)]
    [InlineData(SystemRoles.Patient)]
    public async Task Each_system_role_reaches_exactly_the_staff_routes_its_permissions_allow(string role)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync(role);
        var granted = PermissionsOf(role);

        var failures = new List<string>();
        foreach (var route in Routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
            if (route.Body is not null) request.Content = JsonContent.Create(route.Body);
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var allowed = granted.Contains(route.Permission);
            if (allowed && status is 401 or 403)
                failures.Add($"{route.Method} {route.Path}: {role} holds {route.Permission} but got {status}");
            if (!allowed && status != 403)
                failures.Add($"{route.Method} {route.Path}: {role} lacks {route.Permission} but got {status}");
            if (!allowed && status == 403)
                await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_staff_route()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();

        foreach (var route in Routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
            if (route.Body is not null) request.Content = JsonContent.Create(route.Body);
            await (await client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        }
    }
}
