using System.Security.Claims;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Tenancy;

namespace Carebase.Api.Platform.Auth;

/// <summary>
/// Runs after bearer authentication: turns a valid token into a <see cref="Caller"/> by reading the
/// session it names, and refuses revoked or idle sessions (401), suspended or inactive tenants
/// (403) and, until the password is changed, everything but the password routes (403).
/// </summary>
public sealed class SessionGate(RequestDelegate next)
{
    public const string SessionClaim = "sid";
    public const string RefreshClaim = "rid";

    public async Task InvokeAsync(HttpContext http, SessionStore sessions, Caller caller, TenantScope tenant, TimeProvider time)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var failure = await ResolveAsync(http, sessions, caller, tenant, time);
            if (failure is not null)
            {
                await failure.ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }

    static async Task<IResult?> ResolveAsync(HttpContext http, SessionStore sessions, Caller caller, TenantScope tenant, TimeProvider time)
    {
        if (!Guid.TryParse(http.User.FindFirstValue(SessionClaim), out var sid))
            return Problems.Unauthorized("invalid_token", "The access token is not valid.");
        var s = await sessions.GetAsync(sid, http.RequestAborted);
        if (s is null || s.RevokedAt is not null || !s.UserActive)
            return Problems.Unauthorized("session_ended", "This session has ended. Sign in again.");
        if (time.GetUtcNow() - s.LastSeenAt >= TimeSpan.FromMinutes(s.IdleMinutes))
        {
            await sessions.RevokeAsync(sid, "idle", http.RequestAborted);
            return Problems.Unauthorized("session_idle", "This session was idle for too long. Sign in again.");
        }
        if (s.TenantStatus is "SUSPENDED")
            return Problems.Forbidden("tenant_suspended", "This hospital's account is suspended. Contact the platform administrator.");
        if (s.TenantStatus is "INACTIVE")
            return Problems.Forbidden("tenant_inactive", "This hospital's account is deactivated.");
        if (s.MustChangePassword && http.GetEndpoint()?.Metadata.GetMetadata<AllowedDuringPasswordChange>() is null)
            return Problems.Forbidden("password_change_required", "You must change your password before doing anything else (POST /api/v1/auth/change-password).");

        caller.SignedIn(s);
        if (s.TenantId is { } tid && s.TenantSchema is { } schema) tenant.Set(tid, schema);
        if (s.TenantZone is { } zone) Time.HospitalTime.Use(http, zone);
        await sessions.TouchAsync(s, http.RequestAborted);
        return null;
    }
}
