using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Carebase.Api.Platform.Data;

namespace Carebase.Api.Platform.Errors;

/// <summary>
/// The value is one of a fixed list of codes (SCREAMING_CASE), read from a static member so that the rule, the entity and
/// the OpenAPI <c>enum</c> share one list: <c>[OneOf(typeof(PatientValues), nameof(PatientValues.Genders))]</c>. On a list,
/// every item is.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(Type holder, string member) : ValidationAttribute
{
    public IReadOnlyList<string> Values { get; } = Read(holder, member);

    public override bool IsValid(object? value) => value switch
    {
        null => true,
        string s => Values.Contains(s, StringComparer.Ordinal),
        IEnumerable<string?> items => !Outside(items).Any(),
        _ => false,
    };

    /// <summary>The items of a list that are not allowed, as written (null for a null item).</summary>
    public IEnumerable<string> Outside(IEnumerable<string?> items) =>
        items.Where(i => i is null || !Values.Contains(i, StringComparer.Ordinal)).Select(i => i ?? "null").Distinct();

    static IReadOnlyList<string> Read(Type holder, string member)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        var value = holder.GetField(member, flags)?.GetValue(null) ?? holder.GetProperty(member, flags)?.GetValue(null);
        return value is IEnumerable<string> values ? values.ToArray()
            : throw new InvalidOperationException($"{holder.Name}.{member} is not a static list of strings.");
    }
}

/// <summary>Every item of a list of strings has 1 to <see cref="Max"/> characters, blanks not counting; OpenAPI <c>items.maxLength</c>.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ItemLengthAttribute(int max) : ValidationAttribute
{
    public int Max { get; } = max;

    public override bool IsValid(object? value) =>
        value is not IEnumerable<string?> items || items.All(i => !string.IsNullOrWhiteSpace(i) && i.Trim().Length <= Max);
}

/// <summary>An email address as accounts accept it (<see cref="FieldErrors.IsEmail"/>, at most 254 characters); OpenAPI format <c>email</c>.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class EmailAttribute : ValidationAttribute
{
    public const int MaxLength = 254;

    public override bool IsValid(object? value) => value is null || value is string s && (s.Trim().Length == 0 || FieldErrors.IsEmail(s.Trim()));
}

/// <summary>The longest secrets a request may carry, for every route that reads one.</summary>
public static class SecretLengths
{
    /// <summary>Longer than any password worth typing; bounds the work of hashing one.</summary>
    public const int Password = 256;
    /// <summary>The one-time tokens of emailed links, and refresh tokens.</summary>
    public const int Token = 2048;
    /// <summary>An authenticator code (6 digits) or a recovery code, with room for spaces.</summary>
    public const int Code = 32;
}

/// <summary>
/// A <see cref="PatchRequest"/> that is sent whole (a registration sharing the fields of a PATCH): every field is checked and
/// <c>[Required]</c> applies, where on a PATCH only the fields sent are checked.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WholeBodyAttribute : Attribute;

/// <summary>
/// Per-field rules declared on the contracts, checked from the attributes themselves (the OpenAPI document reads the same
/// attributes): <see cref="RequiredAttribute"/> (a blank string or the nil UUID counts as missing), <see cref="MaxLengthAttribute"/>
/// , <see cref="MinLengthAttribute"/> and <see cref="StringLengthAttribute"/> (characters of a string, items of a list), <see cref="RangeAttribute"/>,
/// <see cref="OneOfAttribute"/> and <see cref="EmailAttribute"/>. Nested objects and lists of objects are checked too, their
/// errors keyed by the path the client wrote (<c>admin.email</c>, <c>blocks[0].weekday</c>). A PATCH body checks only the
/// fields it sent (<see cref="PatchRequest.Covers"/>). Rules that compare fields stay in <see cref="IValidatable.Validate"/>.
/// </summary>
public static class FieldRules
{
    sealed record Rule(PropertyInfo Property, string Name, RequiredAttribute? Required, ValidationAttribute[] Checks, bool Nested, bool NestedItems);

    static readonly ConcurrentDictionary<Type, Rule[]> Rules = new();

    /// <summary>Every rule of a request: its attributes, then its own <see cref="IValidatable.Validate"/> (rules across fields).</summary>
    public static void Validate(object request, FieldErrors errors)
    {
        if (HasRules(request.GetType())) Check(request, errors);
        if (request is IValidatable v) v.Validate(errors);
    }

    /// <summary>Adds to <paramref name="errors"/> what the attributes of <paramref name="value"/>'s type refuse.</summary>
    public static void Check(object value, FieldErrors errors, string prefix = "")
    {
        foreach (var rule in RulesOf(value.GetType()))
        {
            if (value is PatchRequest patch && !patch.Covers(rule.Property.Name)) continue;
            var field = prefix + rule.Name;
            var v = rule.Property.GetValue(value);
            if (IsMissing(v))
            {
                if (rule.Required is { } required)
                {
                    errors.Add(field, required.ErrorMessage ?? (value is PatchRequest { IsWhole: false } ? "This field cannot be cleared." : "This field is required."));
                    continue;
                }
                if (v is null) continue;
            }
            foreach (var check in rule.Checks)
                if (!check.IsValid(v)) errors.Add(field, check.ErrorMessage ?? Message(check, v));
            if (rule.Nested) Nested(v!, errors, field + ".");
            if (rule.NestedItems)
            {
                var i = 0;
                foreach (var item in (IEnumerable)v!)
                {
                    if (item is not null) Nested(item, errors, $"{field}[{i}].");
                    i++;
                }
            }
        }
    }

    /// <summary>A contract inside a request: its attributes and its own rules across fields, named under <paramref name="prefix"/>.</summary>
    static void Nested(object value, FieldErrors errors, string prefix)
    {
        Check(value, errors, prefix);
        if (value is not IValidatable v) return;
        var own = new FieldErrors();
        v.Validate(own);
        foreach (var (field, messages) in own.ToDictionary())
            foreach (var message in messages) errors.Add(prefix + field, message);
    }

    /// <summary>True when the type (or a type it holds) declares a rule: the validation filter checks its arguments of such types.</summary>
    public static bool HasRules(Type type) => Declares.GetOrAdd(type, static t => IsContract(t) && RulesOf(t).Length > 0);

    static readonly ConcurrentDictionary<Type, bool> Declares = new();

    /// <summary>The JSON name of a property, as the client writes it.</summary>
    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    static bool IsMissing(object? value) => value switch
    {
        null => true,
        string s => string.IsNullOrWhiteSpace(s),
        Guid g => g == Guid.Empty,
        _ => false,
    };

    static string Message(ValidationAttribute check, object? value) => check switch
    {
        MaxLengthAttribute m when value is string => $"Must be at most {m.Length} characters.",
        MaxLengthAttribute m => $"At most {m.Length} items.",
        MinLengthAttribute m when value is string => $"Must be at least {m.Length} characters.",
        MinLengthAttribute m => $"At least {m.Length} items.",
        StringLengthAttribute s => s.MinimumLength > 0
            ? $"Must be {s.MinimumLength} to {s.MaximumLength} characters." : $"Must be at most {s.MaximumLength} characters.",
        RangeAttribute r => $"Must be between {r.Minimum} and {r.Maximum}.",
        OneOfAttribute o when value is not string && value is IEnumerable<string?> items => $"Unknown or not allowed: {string.Join(", ", o.Outside(items))}.",
        OneOfAttribute o => $"Must be one of: {string.Join(", ", o.Values)}.",
        EmailAttribute => "Must be a valid email address.",
        ItemLengthAttribute l => $"Every item must be 1 to {l.Max} characters.",
        _ => "Is not valid.",
    };

    static Rule[] RulesOf(Type type) => Rules.GetOrAdd(type, static t =>
    {
        var rules = new List<Rule>();
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.IsDefined(typeof(JsonIgnoreAttribute))) continue;
            var attributes = p.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
            // Nested contracts are checked through their values, so a type is read once and never recursively here.
            var nested = IsContract(p.PropertyType);
            var item = ItemType(p.PropertyType);
            var nestedItems = item is not null && IsContract(item);
            if (attributes.Length == 0 && !nested && !nestedItems) continue;
            rules.Add(new Rule(p, JsonName(p), attributes.OfType<RequiredAttribute>().FirstOrDefault(),
                attributes.Where(a => a is not RequiredAttribute).ToArray(), nested, nestedItems));
        }
        return rules.ToArray();
    });

    /// <summary>A request or response record of this API (services and other classes are never walked).</summary>
    static bool IsContract(Type type) =>
        type.Assembly == typeof(FieldRules).Assembly && type.IsClass && type.GetMethod("<Clone>$") is not null;

    internal static Type? ItemType(Type type) => type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Concat([type]).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
