using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Carebase.Api.Platform.Errors;

public static class ErrorHandling
{
    public static IServiceCollection AddCarebaseErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var problem = ctx.ProblemDetails;
            problem.Title ??= Problems.Title(problem.Status ?? 500);
            problem.Instance ??= ctx.HttpContext.Request.Path;
            problem.Extensions.TryAdd("code", DefaultCode(problem.Status ?? 500));
            problem.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier;
            // Field errors are 422 in our contract; the framework's validation results default to 400.
            if (problem is HttpValidationProblemDetails && problem.Status is 400 or 422)
            {
                problem.Status = 422;
                problem.Title = "One or more fields are invalid.";
                problem.Type = "https://tools.ietf.org/html/rfc9110#section-15.5.21";
                ctx.HttpContext.Response.StatusCode = 422;
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UseCarebaseErrors(this WebApplication app)
    {
        // Expected refusals (a taken slot, a malformed body) are answers, not errors: no error log with a stack trace.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            SuppressDiagnosticsCallback = c => ProblemExceptionHandler.Map(c.Exception, c.HttpContext).status < 500,
        });
        app.UseStatusCodePages();
        return app;
    }

    static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "request_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "rate_limited",
        503 => "database_unavailable",
        _ => "error",
    };

    /// <summary>True when the failure is the database being unreachable rather than a bad query.</summary>
    public static bool IsDatabaseUnavailable(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PostgresException pg:
                    // 57P01-03: shutting down / cannot connect now; 08xxx: connection exceptions; 53300: too many connections.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300";
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                case NpgsqlException npg when npg.IsTransient:
                case SocketException:
                    return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Maps exceptions to problem+json: the closed list of <see cref="ProblemException"/>s, malformed
/// bodies (400), oversized bodies (413), an unreachable database (503) and constraint violations
/// that escaped a handler (409). Anything else is a 500 that reveals nothing but a trace id.
/// </summary>
sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger, NpgsqlDataSource dataSource) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, code, detail, extensions) = Map(exception, http);
        if (status == 500) logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, Operations.OperationsSetup.LoggedPath(http.Request.Path));
        else if (status == 503)
        {
            logger.LogWarning("Database unavailable: {Message}", exception.Message);
            // Drop pooled connections to the old server so the next request opens fresh ones.
            dataSource.Clear();
            http.Response.Headers.RetryAfter = "5";
        }
        if (http.Response.HasStarted) return true;

        http.Response.StatusCode = status;
        if (exception is ProblemException { RetryAfter: { } retry })
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var fieldErrors = exception is ValidationException v ? v.Errors : FieldErrorsOfBody(exception, http);
        var problem = fieldErrors is not null
            ? new HttpValidationProblemDetails(fieldErrors) { Status = 422, Title = "One or more fields are invalid.", Detail = "See errors for each field." }
            : new ProblemDetails { Status = status, Title = Problems.Title(status), Detail = detail };
        problem.Extensions["code"] = code;
        if (extensions is not null)
            foreach (var (k, val) in extensions) problem.Extensions[k] = val;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>A body that is JSON but has a field of the wrong type or value: its field errors (see <see cref="Operations.ApiJson"/>).</summary>
    static IDictionary<string, string[]>? FieldErrorsOfBody(Exception e, HttpContext http) =>
        e is BadHttpRequestException { InnerException: JsonException json }
            // The exception handler clears the endpoint before it runs; the feature keeps the one that failed.
            ? Operations.ApiJson.FieldErrorsOf(json, (http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint())?.Metadata
                .GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>().Select(m => m.RequestType).FirstOrDefault(t => t is not null))
            : null;

    internal static (int status, string code, string detail, IDictionary<string, object?>? ext) Map(Exception e, HttpContext http)
    {
        switch (e)
        {
            case ProblemException p:
                return (p.Status, p.Code, p.Message, p.Extensions);
            case BadHttpRequestException { StatusCode: 413 }:
                return (413, "request_too_large", "The request body is larger than this endpoint accepts.", null);
            case BadHttpRequestException { InnerException: JsonException } when FieldErrorsOfBody(e, http) is not null:
                return (422, "validation_failed", "See errors for each field.", null);
            case BadHttpRequestException { InnerException: JsonException json }:
                return (400, "malformed_json", json.Path is { Length: > 1 } path
                    ? $"The request body is not valid JSON (at {path})." : "The request body is not valid JSON.", null);
            case BadHttpRequestException bad when bad.StatusCode is 400 or 415:
                return (bad.StatusCode, bad.StatusCode == 415 ? "unsupported_media_type" : "bad_request",
                    bad.StatusCode == 415 ? "Send the body as application/json." : "The request could not be read: a required value is missing or malformed.", null);
            case JsonException:
                return (400, "malformed_json", "The request body is not valid JSON.", null);
            case InvalidDataException when http.Request.HasFormContentType:
                return (400, "malformed_form", "The form body could not be read (a NUL character, or a malformed encoding).", null);
        }
        if (ErrorHandling.IsDatabaseUnavailable(e))
            return (503, "database_unavailable", "The database is unreachable. Try again shortly.", null);
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
                return (409, "duplicate", "A record with the same unique value already exists.", null);
            // Class 22 (data exception: a value out of range, text the database cannot store): the request's fault, not ours.
            if (x is PostgresException pgData && pgData.SqlState.StartsWith("22", StringComparison.Ordinal))
                return (422, "invalid_value", "A value of the request is out of range or cannot be stored.", null);
            if (x is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
                return (409, "still_referenced", "Other records still refer to this one, or it refers to one that does not exist.", null);
            if (x is PostgresException { SqlState: PostgresErrorCodes.ExclusionViolation })
                return (409, "overlap", "This conflicts with an existing record at the same time.", null);
            if (x is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected })
                return (409, "concurrent_update", "Another change happened at the same moment. Retry the request.", null);
            if (x is Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException)
                return (412, "stale_version", "The resource was changed since you read it. Read it again and retry.", null);
        }
        return (500, "internal_error", "An unexpected error occurred. Quote the traceId when reporting it.", null);
    }
}

/// <summary>401 and 403 from authorization as problem+json, naming the missing permission.</summary>
sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.Unauthorized("unauthorized", "Sign in and send the access token as 'Authorization: Bearer <token>'.").ExecuteAsync(http);
            return;
        }
        if (result.Forbidden)
        {
            var missing = policy.Requirements.OfType<Auth.PermissionRequirement>().Select(r => r.Code).ToArray();
            var detail = missing.Length > 0 && missing.Any(code => !http.RequestServices.GetRequiredService<Auth.Caller>().Has(code))
                ? $"You need the permission '{string.Join("', '", missing)}' for this."
                : policy.Requirements.OfType<Auth.StaffRequirement>().Any() ? "This is for hospital staff; a patient account cannot do it."
                : "You are not allowed to do this.";
            await Problems.Forbidden("forbidden", detail).ExecuteAsync(http);
            return;
        }
        await _default.HandleAsync(next, http, policy, result);
    }
}
