using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Carebase.Api.Platform.Errors;

/// <summary>
/// RFC 9457 problem answers with a machine-readable <c>code</c> extension. Handlers return these
/// directly or throw one of the <see cref="ProblemException"/>s; both end up in the same shape.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = Title(status), Detail = detail };
        problem.Extensions["code"] = code;
        if (extensions is not null)
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult BadRequest(string code, string detail) => Create(400, code, detail);
    public static ProblemHttpResult Unauthorized(string code, string detail) => Create(401, code, detail);
    public static ProblemHttpResult Forbidden(string code, string detail) => Create(403, code, detail);
    public static ProblemHttpResult NotFound(string resource) => Create(404, "not_found", $"{resource} was not found.");
    public static ProblemHttpResult Conflict(string code, string detail, IDictionary<string, object?>? extensions = null) => Create(409, code, detail, extensions);
    public static ProblemHttpResult PreconditionFailed() =>
        Create(412, "stale_version", "The resource was changed since you read it (If-Match does not match its ETag). Read it again and retry.");
    public static ProblemHttpResult Locked(string detail, DateTimeOffset? until) =>
        Create(423, "account_locked", detail, new Dictionary<string, object?> { ["lockedUntil"] = until });

    /// <summary>429 with Retry-After (whole seconds, at least 1).</summary>
    public static ProblemHttpResult TooMany(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(429, "rate_limited", $"Too many requests. Retry after {seconds} seconds.");
    }

    /// <summary>422 with per-field errors (the result type declares 400; the ProblemDetails customizer answers 422).</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.", detail: "See errors for each field.",
            extensions: new Dictionary<string, object?> { ["code"] = "validation_failed" });

    public static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition failed",
        413 => "Request too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        423 => "Locked",
        428 => "Precondition required",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Error",
    };
}

/// <summary>The closed list of errors a handler or entity may throw; the error handler maps each to its status.</summary>
public abstract class ProblemException(int status, string code, string message, IDictionary<string, object?>? extensions = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public IDictionary<string, object?>? Extensions { get; } = extensions;
    /// <summary>Sent as Retry-After (whole seconds, at least 1) when set: 423 and 429.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>A request the service could not make sense of (400), e.g. an OAuth request that is not one (with RFC 6749's error fields).</summary>
public sealed class BadRequestException(string code, string message, IDictionary<string, object?>? extensions = null)
    : ProblemException(400, code, message, extensions);

/// <summary>Not signed in, or the credentials or token do not hold (401).</summary>
public sealed class UnauthorizedException(string code, string message) : ProblemException(401, code, message);

/// <summary>The account is locked for a while (423 with its end as lockedUntil, and Retry-After).</summary>
public sealed class AccountLockedException : ProblemException
{
    public AccountLockedException(string message, DateTimeOffset until, TimeSpan retryAfter)
        : base(423, "account_locked", message, new Dictionary<string, object?> { ["lockedUntil"] = until }) => RetryAfter = retryAfter;
}

/// <summary>A dependency of the route is unavailable for a moment (503 with Retry-After).</summary>
public sealed class UnavailableException : ProblemException
{
    public UnavailableException(string code, string message, TimeSpan retryAfter) : base(503, code, message) => RetryAfter = retryAfter;
}

/// <summary>Too many requests (429 with Retry-After).</summary>
public sealed class TooManyRequestsException : ProblemException
{
    public TooManyRequestsException(TimeSpan retryAfter)
        : base(429, "rate_limited", $"Too many requests. Retry after {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds.") => RetryAfter = retryAfter;
}

/// <summary>A body or file over the size the route or the hospital accepts (413).</summary>
public sealed class ContentTooLargeException(string code, string message, IDictionary<string, object?>? extensions = null)
    : ProblemException(413, code, message, extensions);

/// <summary>A body or file of a type the route does not take (415); uploads name the field and the type found in <c>errors</c>.</summary>
public sealed class UnsupportedMediaTypeException(string code, string message, IDictionary<string, object?>? extensions = null)
    : ProblemException(415, code, message, extensions);

public sealed class NotFoundException(string resource) : ProblemException(404, "not_found", $"{resource} was not found.");

public sealed class ForbiddenException(string code, string message) : ProblemException(403, code, message);

/// <summary>A state change the rules do not allow (illegal transition, duplicate, limit reached).</summary>
public sealed class ConflictException(string code, string message, IDictionary<string, object?>? extensions = null)
    : ProblemException(409, code, message, extensions);

/// <summary>What the request names existed but is no longer available, and will not be again (410): an expired or revoked link.</summary>
public sealed class GoneException(string code, string message) : ProblemException(410, code, message);

public sealed class PreconditionFailedException()
    : ProblemException(412, "stale_version", "The resource was changed since you read it (If-Match does not match its ETag). Read it again and retry.");

public sealed class ValidationException(IDictionary<string, string[]> errors)
    : ProblemException(422, "validation_failed", "One or more fields are invalid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    public ValidationException(string field, string message) : this(new Dictionary<string, string[]> { [field] = [message] }) { }
}
