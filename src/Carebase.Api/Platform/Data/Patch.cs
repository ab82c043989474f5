using System.Runtime.CompilerServices;
using System.Text.Json;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The base of every PATCH body, one rule for all: a field left out is unchanged, a field sent as <c>null</c> is cleared
/// (422 for a field that cannot be), any other value replaces it. Each property records that it was sent:
/// <code>public string? Reason { get; init => field = Sent(value); }</code>
/// and the handler asks <c>request.Has(nameof(request.Reason))</c>. Unknown fields are refused by the JSON reader.
/// Rule attributes (<see cref="FieldRules"/>) check only the fields sent: <c>[Required]</c> never fires on a field left out,
/// and on a field sent null or blank it answers "cannot be cleared"; <see cref="NotCleared"/> says it for fields without the
/// attribute (numbers, flags).
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

    /// <summary>
    /// Whether a field's rules apply and it is applied: on a PATCH the fields sent; every field of a body sent whole
    /// (<see cref="WholeBodyAttribute"/>). The attribute rules (<see cref="FieldRules"/>) skip the others.
    /// </summary>
    public bool Covers(string property) => IsWhole || Has(property);

    /// <summary>True for a body sent whole (<see cref="WholeBodyAttribute"/>); false for a PATCH, whose required fields "cannot be cleared".</summary>
    internal bool IsWhole => GetType().IsDefined(typeof(WholeBodyAttribute), inherit: false);

    /// <summary>The fields the body named but <paramref name="allowed"/> (property names) does not hold, as the client wrote them.</summary>
    public IReadOnlyList<string> SentBeyond(IReadOnlySet<string> allowed) =>
        _sent.Where(p => !allowed.Contains(p)).Select(JsonNamingPolicy.CamelCase.ConvertName).Order(StringComparer.Ordinal).ToList();

    /// <summary>422 for each named field that was sent as null but cannot be cleared.</summary>
    protected void NotCleared(FieldErrors errors, params (string property, object? value)[] fields)
    {
        foreach (var (property, value) in fields)
            if (Has(property) && value is null) errors.Add(JsonNamingPolicy.CamelCase.ConvertName(property), "This field cannot be cleared.");
    }

    /// <summary>Rules across fields (the per-field rules are attributes on the properties).</summary>
    public virtual void Validate(FieldErrors errors) { }
}
