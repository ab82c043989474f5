using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Infrastructure;

/// <summary>One route of a feature's authorization matrix: its pattern, the permission it declares, a harmless request.</summary>
public sealed record MatrixRoute(string Method, string Pattern, string Permission, string Path, object? Body = null);

/// <summary>
/// Every system role against every route of a feature, through the real pipeline. Whether a role may
/// call a route comes from <see cref="SystemRoles.All"/>; the route list is compared with the app's own
/// endpoints, so a new route or a changed permission fails the feature's test until the matrix names it.
/// Requests should change nothing (unknown ids → 404, empty bodies → 422).
/// </summary>
public static class AuthorizationMatrix
{
    /// <summary>Every system role, for <c>[MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]</c>.</summary>
    public static TheoryData<string> SystemRoleNames => new(Carebase.Api.Platform.Auth.SystemRoles.All.Select(r => r.Name));

    public static void AssertCovers(CarebaseApp app, IEnumerable<MatrixRoute> routes, params string[] prefixes) =>
        AssertCovers(app, routes, p => prefixes.Any(x => p.StartsWith(x, StringComparison.Ordinal)));

    /// <summary>The feature's routes (those whose pattern <paramref name="belongs"/>) are exactly the matrix's, with the same permissions.</summary>
    public static void AssertCovers(CarebaseApp app, IEnumerable<MatrixRoute> routes, Func<string, bool> belongs)
    {
        var declared = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && belongs(p))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m =>
                $"{m} {e.RoutePattern.RawText} {e.Metadata.GetMetadata<RequiresPermission>()?.Code ?? "(none)"}"))
            .Order().ToArray();
        Assert.Equal(routes.Select(r => $"{r.Method} {r.Pattern} {r.Permission}").Order(), declared);
    }

    /// <summary>
    /// Calls every route as a new user holding <paramref name="role"/>: allowed → neither 401 nor 403,
    /// denied → 403 problem. <paramref name="objectLevelDenials"/> lists routes the role holds the
    /// permission for but that a rule on top refuses (e.g. a patient registering patients).
    /// </summary>
    public static async Task AssertRoleAsync(TestTenant tenant, string role, IEnumerable<MatrixRoute> routes, params string[] objectLevelDenials)
    {
        using var client = await tenant.ClientAsync(role);
        var granted = SystemRoles.All.Single(r => r.Name == role).Permissions;
        var failures = new List<string>();
        foreach (var route in routes)
        {
            using var response = await client.SendAsync(Request(route));
            var status = (int)response.StatusCode;
            var allowed = granted.Contains(route.Permission) && !objectLevelDenials.Contains($"{route.Method} {route.Pattern}");
            if (allowed && status is 401 or 403 or >= 500)
                failures.Add($"{route.Method} {route.Path}: {role} may call it but got {status}");
            if (!allowed && status != 403)
                failures.Add($"{route.Method} {route.Path}: {role} may not call it but got {status}");
            if (!allowed && status == 403)
                await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    public static async Task AssertAnonymousRefusedAsync(CarebaseApp app, IEnumerable<MatrixRoute> routes)
    {
        using var client = app.Anonymous();
        foreach (var route in routes)
            await (await client.SendAsync(Request(route))).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    static HttpRequestMessage Request(MatrixRoute route)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
        if (route.Body is not null) request.Content = JsonContent.Create(route.Body);
        return request;
    }
}
