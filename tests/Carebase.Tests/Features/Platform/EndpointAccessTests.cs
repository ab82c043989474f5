using System.Text;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// Walks every mapped endpoint: each must declare its access (a permission, deliberately public, or
/// any signed-in account), and the declaration must be enforced by the real pipeline.
/// </summary>
public sealed partial class EndpointAccessTests
{
    sealed record Route(string Method, string Pattern, RouteEndpoint Endpoint)
    {
        public override string ToString() => $"{Method} {Pattern}";
    }

    static List<Route> Routes(CarebaseApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new Route(m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e)))
            .ToList();

    [Fact]
    public async Task Every_endpoint_declares_a_permission_or_is_deliberately_public_or_for_any_signed_in_account()
    {
        var app = await CarebaseApp.Shared();
        var undeclared = Routes(app)
            .Where(r => r.Endpoint.Metadata.GetMetadata<RequiresPermission>() is null
                && r.Endpoint.Metadata.GetMetadata<PublicEndpoint>() is null
                && r.Endpoint.Metadata.GetMetadata<SignedInEndpoint>() is null)
            .Select(r => r.ToString()).ToList();
        Assert.Empty(undeclared);
        Assert.Contains(Routes(app), r => r.Endpoint.Metadata.GetMetadata<RequiresPermission>() is not null);
    }

    [Fact]
    public async Task Every_non_public_endpoint_refuses_anonymous_callers_with_401()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var failures = new List<string>();
        foreach (var route in Routes(app).Where(r => r.Endpoint.Metadata.GetMetadata<PublicEndpoint>() is null))
        {
            var response = await client.SendAsync(RequestFor(route));
            if (response.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"{route}: {(int)response.StatusCode}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Every_permission_endpoint_refuses_a_signed_in_account_without_that_permission_with_403()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync(); // no roles, so no permissions
        using var client = await app.SignInAsync(email);
        var failures = new List<string>();
        foreach (var route in Routes(app).Where(r => r.Endpoint.Metadata.GetMetadata<RequiresPermission>() is not null))
        {
            var response = await client.SendAsync(RequestFor(route));
            if (response.StatusCode != HttpStatusCode.Forbidden) failures.Add($"{route}: {(int)response.StatusCode}");
        }
        Assert.Empty(failures);
    }

    /// <summary>A request to the route with made-up ids and an empty JSON body.</summary>
    static HttpRequestMessage RequestFor(Route route)
    {
        var path = Parameter().Replace(route.Pattern, m => m.Groups[1].Value switch
        {
            "documentName" => "v1",
            _ => Guid.NewGuid().ToString(),
        });
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return request;
    }

    [GeneratedRegex(@"\{([a-zA-Z]+)(:[^}]*)?\}")]
    private static partial Regex Parameter();
}
