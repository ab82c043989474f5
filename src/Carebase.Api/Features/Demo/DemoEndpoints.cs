using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Carebase.Api.Features.Demo;

public sealed record FreshenDemoRequest([property: Required, Range(1, 3650)] int? Days);

public sealed record DemoActionResponse(string Action, int? Days, int? RowsChanged);

public static class DemoEndpoints
{
    public static IServiceCollection AddDemo(this IServiceCollection services) => services.AddSingleton<DemoData>();

    public static RouteGroupBuilder MapDemo(this RouteGroupBuilder api)
    {
        var demo = api.MapGroup("/admin/demo").WithTags("Demo")
            .AddEndpointFilter<DemoModeOnly>()
            .AddEndpointFilter<ValidationFilter>();
        demo.MapPost("/seed", Seed).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("Create whatever of the demo hospitals and accounts is missing (demo mode only)");
        demo.MapPost("/freshen", Freshen).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("Shift every dated demo record forward by the given number of days, keeping relations (demo mode only)");
        demo.MapPost("/reset", Reset).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("Delete the demo hospitals and seed them again (demo mode only)");
        return api;
    }

    static async Task<Ok<DemoActionResponse>> Seed(DemoData demo, AuditLog audit, CancellationToken ct)
    {
        await demo.SeedAsync(ct);
        await audit.WriteAsync("demo.seeded", "demo", null, platform: true, ct: ct);
        return TypedResults.Ok(new DemoActionResponse("seed", null, null));
    }

    static async Task<Ok<DemoActionResponse>> Freshen(FreshenDemoRequest request, DemoData demo, AuditLog audit, CancellationToken ct)
    {
        var changed = await demo.FreshenAsync(request.Days!.Value, ct);
        await audit.WriteAsync("demo.freshened", "demo", null, new { days = request.Days, rowsChanged = changed }, platform: true, ct: ct);
        return TypedResults.Ok(new DemoActionResponse("freshen", request.Days, changed));
    }

    static async Task<Ok<DemoActionResponse>> Reset(DemoData demo, AuditLog audit, CancellationToken ct)
    {
        await demo.ResetAsync(ct);
        await audit.WriteAsync("demo.reset", "demo", null, platform: true, ct: ct);
        return TypedResults.Ok(new DemoActionResponse("reset", null, null));
    }
}

/// <summary>Outside demo mode the demo routes do not exist (404), whoever asks.</summary>
sealed class DemoModeOnly(IConfiguration config) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        config.GetValue<bool>("Carebase:DemoMode") ? await next(context) : Problems.NotFound("The route");
}
