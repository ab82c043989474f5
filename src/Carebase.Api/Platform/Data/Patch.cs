using System.Runtime.CompilerServices;
using System.Text.Json;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The base of every PATCH body, one rule for all: a field left out is unchanged, a field sent as <c>null</c> is cleared
/// (422 for a field that cannot be), any other value replaces it. Each property records that it was sent:
/// <code>public string? Reason { get; init => field = Sent(value); }</code>
/// and the handler asks <c>request.Has(nameof(request.Reason))</c>. Unknown fields are refused by the JSON reader.
/// </summary>
public abstract record PatchRequest : IValidatable
{
    readonly HashSet<string> _sent = [];

    protected T Sent<T>(T value, [CallerMemberName] string property = "")
    {
        _sent.Add(property);
        return value;
    }

    /// <summary>True when the body named the field (even as null).</summary>
    public bool Has(string property) => _sent.Contains(property);

    /// <summary>The fields the body named but <paramref name="allowed"/> (property names) does not hold, as the client wrote them.</summary>
    public IReadOnlyList<string> SentBeyond(IReadOnlySet<string> allowed) =>
        _sent.Where(p => !allowed.Contains(p)).Select(JsonNamingPolicy.CamelCase.ConvertName).Order(StringComparer.Ordinal).ToList();

    /// <summary>422 for each named field that was sent as null but cannot be cleared.</summary>
    protected void NotCleared(FieldErrors errors, params (string property, object? value)[] fields)
    {
        foreach (var (property, value) in fields)
            if (Has(property) && value is null) errors.Add(JsonNamingPolicy.CamelCase.ConvertName(property), "This field cannot be cleared.");
    }

    public abstract void Validate(FieldErrors errors);
}
