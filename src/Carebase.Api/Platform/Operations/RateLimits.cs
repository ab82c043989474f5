using System.Security.Claims;
using System.Threading.RateLimiting;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.RateLimiting;

namespace Carebase.Api.Platform.Operations;

public sealed class RateLimitOptions
{
    /// <summary>Requests per minute per signed-in user (or per IP when anonymous), across all routes.</summary>
    public int GeneralPerMinute { get; set; } = 600;
    /// <summary>Sign-in and password routes, per client IP.</summary>
    public int AuthPerIpPerMinute { get; set; } = 30;
    /// <summary>Sign-in and password routes, per account (email), whatever the IP.</summary>
    public int AuthPerAccountPerMinute { get; set; } = 10;
    /// <summary>Anonymous routes that open something with a secret (a shared link and its access code), per client IP.</summary>
    public int PublicLinkPerIpPerMinute { get; set; } = 30;
}

/// <summary>
/// Rate limits: a general per-user limit on everything, a stricter per-IP policy on the sign-in
/// and password routes, and one on the anonymous link route (guessing tokens and access codes); <see cref="AccountLimiter"/> adds the per-account limit inside those handlers.
/// Rejections are 429 problem+json with Retry-After. Every answer carries the general limit and what is left of it
/// (<see cref="LimitHeader"/>, <see cref="RemainingHeader"/>).
/// </summary>
public static class RateLimits
{
    public const string AuthPolicy = "auth";
    public const string PublicLinkPolicy = "public-link";
    public const string LimitHeader = "X-RateLimit-Limit";
    public const string RemainingHeader = "X-RateLimit-Remaining";

    public static WebApplicationBuilder AddCarebaseRateLimits(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Carebase:RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AccountLimiter>();
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetFixedWindowLimiter(
                    http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "ip:" + http.Connection.RemoteIpAddress,
                    _ => Window(options.GeneralPerMinute)));
            o.AddPolicy(AuthPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                "ip:" + http.Connection.RemoteIpAddress, _ => Window(options.AuthPerIpPerMinute)));
            o.AddPolicy(PublicLinkPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                "ip:" + http.Connection.RemoteIpAddress, _ => Window(options.PublicLinkPerIpPerMinute)));
            o.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
                await WriteTooManyAsync(ctx.HttpContext, retry);
            };
        });
        return builder;
    }

    /// <summary>
    /// The general limit's headers on every answer: the caller's partition is read when the answer starts, after
    /// authentication has named the caller (the same key the limiter used), so it counts this request too.
    /// </summary>
    public static WebApplication UseRateLimitHeaders(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        var permits = app.Services.GetRequiredService<RateLimitOptions>().GeneralPerMinute;
        var limit = permits.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var remaining = limiter.GetStatistics(http)?.CurrentAvailablePermits ?? permits;
                http.Response.Headers[LimitHeader] = limit;
                http.Response.Headers[RemainingHeader] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            return next(http);
        });
        return app;
    }

    static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
    };

    public static Task WriteTooManyAsync(HttpContext http, TimeSpan retryAfter) => Problems.TooMany(http, retryAfter).ExecuteAsync(http);
}

/// <summary>The per-account limit on sign-in and password routes (keyed by normalized email).</summary>
public sealed class AccountLimiter(RateLimitOptions options) : IDisposable
{
    readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(account =>
        RateLimitPartition.GetFixedWindowLimiter(account, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.AuthPerAccountPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        }));

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public TimeSpan? TryAcquire(string? account)
    {
        if (string.IsNullOrWhiteSpace(account)) return null;
        using var lease = _limiter.AttemptAcquire(account.Trim().ToUpperInvariant());
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
    }

    public void Dispose() => _limiter.Dispose();
}
