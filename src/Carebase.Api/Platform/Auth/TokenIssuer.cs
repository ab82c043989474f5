using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace Carebase.Api.Platform.Auth;

/// <summary>The token pair a sign-in or refresh answers with.</summary>
public sealed record TokenPair(
    [property: JsonPropertyName("tokenType")] string TokenType,
    string AccessToken,
    long ExpiresIn,
    string RefreshToken);

/// <summary>
/// Issues access and refresh tokens with the framework's bearer-token protectors (Data Protection,
/// keys in PostgreSQL), so the bearer handler validates them on any instance. Both name the session;
/// the refresh token also names the session's current refresh id, which rotation replaces.
/// </summary>
public sealed class TokenIssuer(IOptionsMonitor<BearerTokenOptions> options, TimeProvider time)
{
    public static readonly TimeSpan AccessLifetime = TimeSpan.FromMinutes(15);

    BearerTokenOptions Options => options.Get(BearerTokenDefaults.AuthenticationScheme);

    public TokenPair Issue(Guid userId, Guid sessionId, Guid refreshId)
    {
        var now = time.GetUtcNow();
        var access = Principal(userId, sessionId, null);
        var refresh = Principal(userId, sessionId, refreshId);
        var accessToken = Options.BearerTokenProtector.Protect(new AuthenticationTicket(access,
            new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + AccessLifetime }, $"{BearerTokenDefaults.AuthenticationScheme}:AccessToken"));
        var refreshToken = Options.RefreshTokenProtector.Protect(new AuthenticationTicket(refresh,
            new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + SessionStore.Lifetime }, $"{BearerTokenDefaults.AuthenticationScheme}:RefreshToken"));
        return new TokenPair("Bearer", accessToken, (long)AccessLifetime.TotalSeconds, refreshToken);
    }

    /// <summary>Reads a refresh token: its session and refresh id, or null when it is forged or expired.</summary>
    public (Guid sessionId, Guid refreshId)? ReadRefreshToken(string token)
    {
        var ticket = Options.RefreshTokenProtector.Unprotect(token);
        if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires) return null;
        return Guid.TryParse(ticket.Principal.FindFirstValue(SessionGate.SessionClaim), out var sid)
            && Guid.TryParse(ticket.Principal.FindFirstValue(SessionGate.RefreshClaim), out var rid)
            ? (sid, rid) : null;
    }

    static ClaimsPrincipal Principal(Guid userId, Guid sessionId, Guid? refreshId)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, userId.ToString()),
            new(SessionGate.SessionClaim, sessionId.ToString()),
        };
        if (refreshId is { } rid) claims.Add(new Claim(SessionGate.RefreshClaim, rid.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, BearerTokenDefaults.AuthenticationScheme));
    }
}
