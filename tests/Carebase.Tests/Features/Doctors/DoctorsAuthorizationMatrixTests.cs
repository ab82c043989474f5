using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Doctors;

/// <summary>
/// Every system role against every doctor route, through the real pipeline (profiles have no DELETE:
/// deactivating the account is the staff route). Whether a role is allowed comes from
/// <see cref="SystemRoles.All"/>, and the route list is checked against the app's own endpoints, so
/// neither a new route nor a changed role can slip past this test.
/// </summary>
public sealed class DoctorsAuthorizationMatrixTests
{
    sealed record Route(string Method, string Pattern, string Permission, string Path, object? Body);

    // Allowed calls must not change anything: unknown ids answer 404, empty bodies 422.
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly Route[] Routes =
    [
        new("GET", "/api/v1/doctors/", Permissions.DoctorsRead, "/api/v1/doctors", null),
        new("GET", "/api/v1/doctors/{id:guid}", Permissions.DoctorsRead, $"/api/v1/doctors/{Missing}", null),
        new("POST", "/api/v1/doctors/", Permissions.DoctorsWrite, "/api/v1/doctors", new { }),
        new("PATCH", "/api/v1/doctors/{id:guid}", Permissions.DoctorsWrite, $"/api/v1/doctors/{Missing}", new { }),
    ];

    [Fact]
    public async Task The_matrix_covers_every_department_route_with_the_permission_it_declares()
    {
        var app = await CarebaseApp.Shared();
        var declared = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/api/v1/doctors", StringComparison.Ordinal)
                // A doctor's schedule routes (working hours, time off, slots…) belong to Scheduling's matrix.
                && !p.StartsWith("/api/v1/doctors/{id:guid}/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m =>
                $"{m} {e.RoutePattern.RawText} {e.Metadata.GetMetadata<RequiresPermission>()?.Code ?? "(none)"}"))
            .Order().ToArray();

        Assert.Equal(Routes.Select(r => $"{r.Method} {r.Pattern} {r.Permission}").Order(), declared);
    }

    public static TheoryData<string> Roles() => new(SystemRoles.All.Select(r => r.Name));

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Each_system_role_reaches_exactly_the_department_routes_its_permissions_allow(string role)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync(role);
        var granted = SystemRoles.All.Single(r => r.Name == role).Permissions;

        var failures = new List<string>();
        foreach (var route in Routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
            if (route.Body is not null) request.Content = JsonContent.Create(route.Body);
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var allowed = granted.Contains(route.Permission);
            if (allowed && status is 401 or 403 or >= 500)
                failures.Add($"{route.Method} {route.Path}: {role} holds {route.Permission} but got {status}");
            if (!allowed && status != 403)
                failures.Add($"{route.Method} {route.Path}: {role} lacks {route.Permission} but got {status}");
            if (!allowed && status == 403)
                await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_department_route()
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
