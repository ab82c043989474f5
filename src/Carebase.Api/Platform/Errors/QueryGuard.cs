using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Mvc;

namespace Carebase.Api.Platform.Errors;

/// <summary>
/// Checks the query string of every route before it is bound, the way <see cref="Operations.ApiJson"/> checks bodies: no
/// control characters in any name or value, each parameter the handler reads parses as its type (whole numbers in
/// range, UUIDs, booleans, dates and instants within <see cref="ApiDates"/>), and an API route refuses parameters it
/// does not read (a misspelt filter would otherwise be ignored silently). A malformed parameter is a 422 naming it,
/// not a binding failure. The parameters of an endpoint are read once from its handler's signature.
/// </summary>
public sealed class QueryGuard(RequestDelegate next)
{
    public const int MaxLength = 1000;
    static readonly ConcurrentDictionary<Endpoint, IReadOnlyDictionary<string, Type>> Parameters = new();

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.QueryString.HasValue && http.GetEndpoint() is RouteEndpoint endpoint
            && Check(http.Request.Query, Parameters.GetOrAdd(endpoint, Describe), strict: http.Request.Path.StartsWithSegments("/api")) is { Count: > 0 } errors)
        {
            await Problems.Validation(errors).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    static Dictionary<string, string[]> Check(IQueryCollection query, IReadOnlyDictionary<string, Type>? parameters, bool strict)
    {
        parameters ??= new Dictionary<string, Type>();
        strict &= parameters is not EmptyWhenUnknown;
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in query)
        {
            if (TextRules.Problem(name, multiline: false) is not null)
            {
                errors["query"] = ["Parameter names must not contain control characters."];
                continue;
            }
            if (!parameters.TryGetValue(name, out var type) && strict)
            {
                errors[name] = [parameters.Count == 0 ? "This route takes no query parameters."
                    : $"Unknown query parameter; this route reads: {string.Join(", ", parameters.Keys.Select(Camel).Order(StringComparer.Ordinal))}."];
                continue;
            }
            foreach (var value in values)
                if (Problem(value ?? "", type) is { } problem) errors[Camel(parameters.Keys.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name)] = [problem];
        }
        return errors;
    }

    static string? Problem(string value, Type? type)
    {
        if (TextRules.Problem(value, multiline: false) is { } text) return text;
        if (value.Length > MaxLength) return $"Must be at most {MaxLength} characters.";
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (t is null || t == typeof(string) || value.Length == 0) return null;
        var inv = CultureInfo.InvariantCulture;
        return t switch
        {
            _ when t == typeof(int) => int.TryParse(value, NumberStyles.Integer, inv, out _) ? null : $"Must be a whole number between {int.MinValue} and {int.MaxValue}.",
            _ when t == typeof(long) => long.TryParse(value, NumberStyles.Integer, inv, out _) ? null : "Must be a whole number.",
            _ when t == typeof(short) => short.TryParse(value, NumberStyles.Integer, inv, out _) ? null : $"Must be a whole number between {short.MinValue} and {short.MaxValue}.",
            _ when t == typeof(decimal) => decimal.TryParse(value, NumberStyles.Number, inv, out _) ? null : "Must be a number.",
            _ when t == typeof(bool) => bool.TryParse(value, out _) ? null : "Must be true or false.",
            _ when t == typeof(Guid) => Guid.TryParse(value, out _) ? null : "Must be a UUID.",
            _ when t == typeof(DateOnly) => ApiDates.TryParseDate(value, out _) ? null : $"Must be {ApiDates.DateRule}.",
            _ when t == typeof(DateTimeOffset) => ApiDates.TryParseInstant(value, out _) ? null : $"Must be {ApiDates.InstantRule}.",
            _ when t.IsEnum => Enum.TryParse(t, value, ignoreCase: true, out _) ? null : $"Must be one of: {string.Join(", ", Enum.GetNames(t))}.",
            _ => null,
        };
    }

    /// <summary>The query parameters a handler binds: simple parameters that are not route values, and the members of [AsParameters] types.</summary>
    static IReadOnlyDictionary<string, Type> Describe(Endpoint endpoint)
    {
        var result = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } method || endpoint is not RouteEndpoint route) return new EmptyWhenUnknown();
        var routeValues = route.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var p in method.GetParameters())
        {
            if (p.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                foreach (var member in p.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                    if (!routeValues.Contains(member.Name) && IsSimple(member.PropertyType))
                        result[member.GetCustomAttribute<FromQueryAttribute>()?.Name ?? member.Name] = member.PropertyType;
            }
            else if (p.Name is { } name && !routeValues.Contains(name) && IsSimple(p.ParameterType)
                     && p.GetCustomAttribute<FromBodyAttribute>() is null && p.GetCustomAttribute<FromHeaderAttribute>() is null)
                result[p.GetCustomAttribute<FromQueryAttribute>()?.Name ?? name] = p.ParameterType;
        }
        return result;
    }

    static string Camel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>An endpoint whose handler cannot be read (not a route handler): its parameters are checked, none refused.</summary>
    sealed class EmptyWhenUnknown : Dictionary<string, Type>;

    static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Guid) || t == typeof(DateOnly)
            || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(TimeOnly);
    }
}
