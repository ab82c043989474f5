using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using System.Text.Json.Serialization.Metadata;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// The one place where the API reads and writes JSON. Bad input is refused by construction, whatever the route: every
/// string is checked for control characters (<see cref="TextRules"/>), every date and instant is bounded
/// (<see cref="ApiDates"/>) and an instant must carry its offset, numbers must be numbers, and unknown fields are
/// refused; each refusal is a <see cref="JsonException"/> that the error handler answers as 422 naming the field.
/// Answers write instants in the hospital's offset and leave out <see cref="StaffOnlyAttribute"/> fields for patients.
/// </summary>
public static class ApiJson
{
    public static IServiceCollection AddCarebaseJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));

    public static void Configure(JsonSerializerOptions o)
    {
        // Escape HTML-sensitive characters (<, >, &, quotes) in every answer, keep letters of every script readable.
        o.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
        o.NumberHandling = JsonNumberHandling.Strict;
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.Converters.Add(new SingleLineTextConverter());
        o.Converters.Add(new DateConverter());
        o.Converters.Add(new InstantConverter());
        o.TypeInfoResolver = (o.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(HideStaffOnlyFromPatients);
    }

    static readonly HttpContextAccessor Http = new();

    static void HideStaffOnlyFromPatients(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
            if (property.AttributeProvider?.IsDefined(typeof(StaffOnlyAttribute), inherit: true) == true)
                property.ShouldSerialize = (_, _) => Http.HttpContext?.RequestServices.GetService<Caller>() is not { IsPatient: true };
    }

    /// <summary>
    /// The field errors a refused body deserves: its path (<c>$.admin.email</c> → <c>admin.email</c>) and what it
    /// should have been, from the type the endpoint reads. Null when the body is not JSON at all (a 400).
    /// </summary>
    public static Dictionary<string, string[]>? FieldErrorsOf(JsonException e, Type? bodyType)
    {
        if (e.InnerException?.GetType().Name == "JsonReaderException" || e.Path is null) return null;
        var field = e.Path is "$" ? "body" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        string message;
        if (e.Message.StartsWith("The JSON property", StringComparison.Ordinal))
            message = "This field does not exist or cannot be set here.";
        else if (e.InnerException is null && !e.Message.StartsWith("The JSON value", StringComparison.Ordinal))
            message = e.Message; // ours: the converters say what is wrong
        else
            message = $"Must be {Expected(TypeAt(bodyType, field))}.";
        return new() { [field] = [message] };
    }

    /// <summary>The type a path such as <c>blocks[2].weekday</c> reaches in <paramref name="root"/> (null when unknown).</summary>
    static Type? TypeAt(Type? root, string path)
    {
        if (path == "body") return root;
        var type = root;
        foreach (var part in path.Split('.'))
        {
            if (type is null) return null;
            var name = part;
            var index = part.IndexOf('[');
            if (index >= 0) name = part[..index];
            if (name.Length > 0)
                type = type.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
                    | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
            if (index >= 0 && type is not null) type = ElementType(type);
        }
        return type;
    }

    static Type? ElementType(Type t) => t.IsArray ? t.GetElementType()
        : t.GetInterfaces().Concat([t]).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    static string Expected(Type? type)
    {
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            null => "of the documented type",
            _ when t == typeof(string) => "a string",
            _ when t == typeof(bool) => "true or false",
            _ when t == typeof(int) || t == typeof(short) => $"a whole number between {(t == typeof(int) ? int.MinValue : short.MinValue)} and {(t == typeof(int) ? int.MaxValue : short.MaxValue)}",
            _ when t == typeof(long) => "a whole number",
            _ when t == typeof(decimal) || t == typeof(double) => "a number",
            _ when t == typeof(Guid) => "a UUID",
            _ when t == typeof(DateOnly) => ApiDates.DateRule,
            _ when t == typeof(DateTimeOffset) => ApiDates.InstantRule,
            _ when t != typeof(string) && ElementType(t) is not null => "an array",
            _ => "an object",
        };
    }
}

/// <summary>Every string of a body: one line of text (see <see cref="FreeTextAttribute"/> for notes and the like).</summary>
public class SingleLineTextConverter : JsonConverter<string>
{
    protected virtual bool Multiline => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("Must be a string.");
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new JsonException("Must be valid Unicode text.");
        }
        return TextRules.Problem(value, Multiline) is { } problem ? throw new JsonException(problem) : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

public sealed class FreeTextConverter : SingleLineTextConverter
{
    protected override bool Multiline => true;
}

/// <summary>Dates as YYYY-MM-DD within <see cref="ApiDates"/>.</summary>
sealed class DateConverter : JsonConverter<DateOnly>
{
    public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ApiDates.TryParseDate(reader.GetString(), out var date)
            ? date : throw new JsonException($"Must be {ApiDates.DateRule}.");

    public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
}

/// <summary>
/// Instants: read only with an explicit offset (a local time without one could land on another day) and within
/// <see cref="ApiDates"/>; written in the hospital's offset (<see cref="HospitalTime"/>), UTC outside a hospital.
/// </summary>
sealed class InstantConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ApiDates.TryParseInstant(reader.GetString(), out var instant)
            ? instant : throw new JsonException($"Must be {ApiDates.InstantRule}.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(HospitalTime.Local(value));
}
