using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Carebase.Api.Platform.Operations;

public static class OperationsSetup
{
    /// <summary>Largest request body accepted by default (uploads raise it per endpoint).</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddCarebaseOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true; // carries RequestId / TraceId on every line of a request
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = DefaultMaxBodyBytes);
        services.AddHttpContextAccessor();
        services.AddCarebaseJson();
        services.AddMemoryCache();
        services.AddScoped<Time.TenantClock>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            var origins = builder.Configuration.GetSection("Carebase:Cors:Origins").Get<string[]>() ?? [];
            if (origins.Length > 0)
                p.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("ETag", "Location", "Retry-After", RateLimits.LimitHeader, RateLimits.RemainingHeader);
        }));
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in builder.Configuration.GetSection("Carebase:KnownProxies").Get<string[]>() ?? [])
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
        builder.AddCarebaseRateLimits();
        builder.AddCarebaseOpenApi();
        return builder;
    }

    /// <summary>The middleware pipeline, in order.</summary>
    public static WebApplication UseCarebasePipeline(this WebApplication app)
    {
        app.UseForwardedHeaders();
        var requests = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Carebase.Requests");
        app.Use((http, next) => AccessLog(http, next, requests));
        app.Use(SecurityHeaders);
        app.UseRateLimitHeaders();
        app.UseCarebaseErrors();
        app.UseCarebaseDocs();
        app.UseRouting();
        app.Use(LimitBodySize);
        app.UseCors();
        app.UseAuthentication();
        app.UseMiddleware<SessionGate>();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<QueryGuard>();
        return app;
    }

    public static WebApplication MapCarebaseOperations(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).Public().ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).Public().ExcludeFromDescription();
        app.MapCarebaseDocs();
        return app;
    }

    /// <summary>
    /// One JSON log line per request (method, path, status, duration) in the request's scope, which carries
    /// its RequestId; the same id goes back to the client as X-Request-Id (and as traceId in problems).
    /// </summary>
    static async Task AccessLog(HttpContext http, RequestDelegate next, ILogger log)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        http.Response.Headers["X-Request-Id"] = http.TraceIdentifier;
        try
        {
            await next(http);
        }
        finally
        {
            if (log.IsEnabled(LogLevel.Information))
                log.LogInformation("{Method} {Path} answered {Status} in {ElapsedMs:F1} ms", http.Request.Method, LoggedPath(http.Request.Path),
                    http.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Paths that carry a secret (a shared link's token) are logged without it: a log is read by more people than a link.</summary>
    public static string LoggedPath(PathString path) =>
        path.StartsWithSegments("/api/v1/public/shared", out var rest) && rest.HasValue ? "/api/v1/public/shared/[token]" : path.Value ?? "";

    static async Task SecurityHeaders(HttpContext http, RequestDelegate next)
    {
        var h = http.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        // The docs pages load their own scripts and styles; the API itself serves JSON only.
        h.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/docs") || http.Request.Path.StartsWithSegments("/redoc")
            ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:"
            : "default-src 'none'; frame-ancestors 'none'";
        if (http.Request.IsHttps) h.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        h.CacheControl = "no-store";
        await next(http);
    }

    /// <summary>413 for a declared body over the limit, before anything reads it (Kestrel also enforces it while streaming).</summary>
    static async Task LimitBodySize(HttpContext http, RequestDelegate next)
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()?.MaxRequestBodySize
            ?? DefaultMaxBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            await Problems.Create(413, "request_too_large", $"The request body is larger than the {limit} bytes this endpoint accepts.").ExecuteAsync(http);
            return;
        }
        await next(http);
    }
}

sealed class DatabaseHealthCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var cmd = db.CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or System.Net.Sockets.SocketException or TimeoutException)
        {
            db.Clear();
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
