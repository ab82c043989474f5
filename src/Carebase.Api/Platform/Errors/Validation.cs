using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Carebase.Api.Platform.Errors;

/// <summary>A request that checks itself; the validation filter answers 422 with its field errors.</summary>
public interface IValidatable
{
    void Validate(FieldErrors errors);
}

/// <summary>Collects per-field errors (camelCase field paths, as the client sent them).</summary>
public sealed partial class FieldErrors
{
    readonly Dictionary<string, List<string>> _errors = [];

    public bool Any => _errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    public void ThrowIfAny()
    {
        if (Any) throw new ValidationException(ToDictionary());
    }

    public bool Required(string? value, string field)
    {
        if (!string.IsNullOrWhiteSpace(value)) return true;
        Add(field, "This field is required.");
        return false;
    }

    public void MaxLength(string? value, int max, string field)
    {
        if (value is not null && value.Length > max) Add(field, $"Must be at most {max} characters.");
    }

    public void Email(string? value, string field, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value)) { if (required) Add(field, "This field is required."); return; }
        if (!IsEmail(value)) Add(field, "Must be a valid email address.");
    }

    public void OneOf(string? value, IReadOnlyCollection<string> allowed, string field, bool required = true)
    {
        if (string.IsNullOrEmpty(value)) { if (required) Add(field, "This field is required."); return; }
        if (!allowed.Contains(value)) Add(field, $"Must be one of: {string.Join(", ", allowed)}.");
    }

    public void Range(int? value, int min, int max, string field)
    {
        if (value is { } v && (v < min || v > max)) Add(field, $"Must be between {min} and {max}.");
    }

    public static bool IsEmail(string value) =>
        value.Length <= 254 && EmailShape().IsMatch(value) && MailAddress.TryCreate(value, out var a) && a.Address == value;

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();
}

/// <summary>Normalises optional text from a request.</summary>
public static class Input
{
    /// <summary>Trimmed, or null when blank.</summary>
    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Runs <see cref="IValidatable.Validate"/> on every bound argument before the handler.</summary>
public sealed class ValidationFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        FieldErrors? errors = null;
        foreach (var argument in context.Arguments)
            if (argument is IValidatable v) v.Validate(errors ??= new FieldErrors());
        if (errors is { Any: true }) return Problems.Validation(errors.ToDictionary());
        return await next(context);
    }
}
