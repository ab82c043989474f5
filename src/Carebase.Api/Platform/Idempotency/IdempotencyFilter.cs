using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> for creates: the first answer to a (user, key) is stored in the tenant's
/// <c>idempotency_keys</c> table and replayed (status, body, Location) for every retry; the same key with
/// another body is a 422. The key's row is inserted first (ON CONFLICT DO NOTHING) in the same transaction
/// as the handler's work, and committed with it: a concurrent retry's insert waits on that uncommitted row,
/// then finds the stored answer, so the work happens once. If the handler throws, everything rolls back,
/// the key included, and a retry runs afresh. Handlers join the transaction through <see cref="CarebaseDbExtensions.BeginOrJoinAsync"/>.
/// Answers of 5xx are never stored.
/// </summary>
public sealed class IdempotencyFilter : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(key)) return await next(context);
        if (key.Length > 200) return Problems.Validation(new Dictionary<string, string[]> { [Header] = ["Must be at most 200 characters."] });

        var caller = http.RequestServices.GetRequiredService<Caller>();
        var db = http.RequestServices.GetRequiredService<CarebaseDb>();
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var route = $"{http.Request.Method} {http.Request.Path}";
        var hash = Hash(route, context.Arguments.OfType<IValidatable>());
        var ct = http.RequestAborted;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO idempotency_keys (user_id, key, route, request_hash, created_at)
            VALUES ({caller.UserId}, {key}, {route}, {hash}, {time.GetUtcNow()}) ON CONFLICT (user_id, key) DO NOTHING
            """, ct);
        if (inserted == 0)
        {
            var stored = await db.Database.SqlQuery<StoredAnswer>($"""
                SELECT route AS "Route", request_hash AS "RequestHash", status_code AS "StatusCode", response_body AS "ResponseBody", location AS "Location"
                FROM idempotency_keys WHERE user_id = {caller.UserId} AND key = {key}
                """).SingleAsync(ct);
            await tx.RollbackAsync(ct);
            if (stored.Route != route || stored.RequestHash != hash)
                return Problems.Validation(new Dictionary<string, string[]>
                {
                    [Header] = ["This key was already used for a different request; use a new key for a new request."],
                });
            http.Response.Headers["Idempotent-Replayed"] = "true";
            if (stored.Location is not null) http.Response.Headers.Location = stored.Location;
            return Results.Text(stored.ResponseBody ?? "", stored.StatusCode is >= 400 ? "application/problem+json" : "application/json",
                Encoding.UTF8, stored.StatusCode ?? 200);
        }

        var result = await next(context); // an exception rolls the key back with the work
        if (result is not IResult answer) { await tx.CommitAsync(ct); return result; }

        // Run the answer into a buffer to keep exactly what the client gets.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await answer.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        var status = http.Response.StatusCode;
        if (status < 500)
        {
            var body = Encoding.UTF8.GetString(buffer.ToArray());
            string? location = http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"UPDATE idempotency_keys SET status_code = {status}, response_body = {body}, location = {location} WHERE user_id = {caller.UserId} AND key = {key}", ct);
            await tx.CommitAsync(ct);
        }
        else await tx.RollbackAsync(ct);
        buffer.Position = 0;
        await buffer.CopyToAsync(original, ct);
        return Results.Empty;
    }

    static string Hash(string route, IEnumerable<IValidatable> bodies)
    {
        var text = route + "\n" + string.Join("\n", bodies.Select(b => JsonSerializer.Serialize(b, b.GetType(), Json)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    sealed class StoredAnswer
    {
        public string Route { get; init; } = "";
        public string RequestHash { get; init; } = "";
        public int? StatusCode { get; init; }
        public string? ResponseBody { get; init; }
        public string? Location { get; init; }
    }
}

public static class Transactions
{
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new IdempotencyFilter()).WithMetadata(new IdempotentEndpoint());
}

/// <summary>Endpoint metadata: accepts an <c>Idempotency-Key</c> header.</summary>
public sealed record IdempotentEndpoint;
