using Microsoft.AspNetCore.Authorization;

namespace Carebase.Api.Platform.Auth;

/// <summary>Endpoint metadata: the permission an endpoint needs.</summary>
public sealed record RequiresPermission(string Code);

/// <summary>Endpoint metadata: deliberately open to anonymous callers (login, registration, health…).</summary>
public sealed record PublicEndpoint;

/// <summary>Endpoint metadata: open to any signed-in account, for the account's own affairs (me, logout, 2FA…).</summary>
public sealed record SignedInEndpoint;

/// <summary>Endpoint metadata: still reachable while the account must change its password.</summary>
public sealed record AllowedDuringPasswordChange;

public sealed record PermissionRequirement(string Code) : IAuthorizationRequirement;

/// <summary>The caller must be staff: a portal patient holding the permission is refused all the same.</summary>
public sealed record StaffRequirement : IAuthorizationRequirement;

public static class EndpointAccess
{
    /// <summary>The caller must hold <paramref name="code"/> (through any of their roles).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string code) where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.Exists(code)) throw new ArgumentException($"Unknown permission code {code}", nameof(code));
        return builder
            .WithMetadata(new RequiresPermission(code))
            .RequireAuthorization(p => p.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(code)));
    }

    /// <summary>Staff only, on top of the permission: for routes a portal patient's permissions would otherwise reach (registering patients, say).</summary>
    public static TBuilder ForStaffOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(p => p.RequireAuthenticatedUser().AddRequirements(new StaffRequirement()));

    public static TBuilder Public<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PublicEndpoint()).AllowAnonymous();

    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SignedInEndpoint()).RequireAuthorization(p => p.RequireAuthenticatedUser());

    public static TBuilder AllowDuringPasswordChange<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedDuringPasswordChange());
}

sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.RequestServices.GetRequiredService<Caller>().Has(requirement.Code))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

sealed class StaffHandler : AuthorizationHandler<StaffRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, StaffRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.RequestServices.GetRequiredService<Caller>() is { IsAuthenticated: true, IsPatient: false })
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
