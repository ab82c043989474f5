using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Carebase.Api.Platform.Errors;

/// <summary>A request that checks itself; the validation filter answers 422 with its field errors.</summary>
public interface IValidatable
{
    void Validate(FieldErrors errors);
}

/// <summary>
/// Collects per-field errors (camelCase field paths, as the client sent them). Per-field rules are attributes on the
/// contracts (<see cref="FieldRules"/>); code adds what they cannot say (rules across fields, shapes).
/// </summary>
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

    public void OneOf(string? value, IReadOnlyCollection<string> allowed, string field, bool required = true)
    {
        if (string.IsNullOrEmpty(value)) { if (required) Add(field, "This field is required."); return; }
        if (!allowed.Contains(value)) Add(field, $"Must be one of: {string.Join(", ", allowed)}.");
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

/// <summary>
/// Checks every bound argument before the handler: the rule attributes of its contract (<see cref="FieldRules"/>), then its
/// own <see cref="IValidatable.Validate"/> for rules across fields; all field errors of a request answer together as one 422.
/// </summary>
public sealed class ValidationFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        FieldErrors? errors = null;
        foreach (var argument in context.Arguments)
            if (argument is not null) FieldRules.Validate(argument, errors ??= new FieldErrors());
        if (errors is { Any: true }) return Problems.Validation(errors.ToDictionary());
        return await next(context);
    }
}
