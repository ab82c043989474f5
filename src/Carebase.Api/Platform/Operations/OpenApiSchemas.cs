using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// Makes the schemas say what the API enforces, from the same attributes the validation reads (<see cref="FieldRules"/>):
/// <c>required</c>, <c>maxLength</c>/<c>maxItems</c>, <c>minimum</c>/<c>maximum</c>, <c>enum</c> and <c>format: email</c>;
/// the types our JSON converters read and write (strings, dates, instants); and the bounds a type has anyway (a 32-bit
/// integer, the 36 characters of a UUID). A request's required fields are its <c>[Required]</c> ones (none on a PATCH);
/// an answer's are the fields it always writes.
/// </summary>
static class OpenApiSchemas
{
    /// <summary>The longest instant the API reads or writes: <c>9999-12-31T23:59:59.9999999+14:00</c>.</summary>
    const int InstantLength = 33;

    public static Task Transform(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            var clr = property.AttributeProvider as PropertyInfo;
            // The object's own transform (which runs first) marked the fields it requires: those are not null either.
            var required = schema.Metadata?.ContainsKey(RequiredKey) == true;
            Describe(schema, property.PropertyType, clr?.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray() ?? [],
                nullable: !required && (property.IsGetNullable || property.IsSetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null));
            if (required) NotNull(schema);
        }
        else
        {
            // A type's own schema (a request body's comes with its parameter description).
            Describe(schema, context.JsonTypeInfo.Type, [], nullable: false);
            if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 } properties)
                Require(schema, properties, context.JsonTypeInfo.Type, RequestTypes(context.ApplicationServices).Contains(context.JsonTypeInfo.Type));
        }
        return Task.CompletedTask;
    }

    const string RequiredKey = "carebase-required";

    /// <summary>Once every schema is built: the bounds types give, through every component.</summary>
    public static void Finish(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? []) BoundAll(schema);
    }

    /// <summary><see cref="Bound"/> through a schema's properties, items and maps (list items, dictionary values).</summary>
    static void BoundAll(IOpenApiSchema? node)
    {
        if (node is not OpenApiSchema schema) return;
        Bound(schema);
        foreach (var property in schema.Properties?.Values ?? []) BoundAll(property);
        BoundAll(schema.Items);
        BoundAll(schema.AdditionalProperties);
        foreach (var option in (schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? [])) BoundAll(option);
    }

    /// <summary>Type, bounds and allowed values of one value (a property, or a query parameter).</summary>
    public static void Describe(OpenApiSchema schema, Type type, IReadOnlyList<ValidationAttribute> rules, bool nullable)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var plain = schema.Type is null && schema.OneOf is not { Count: > 0 } && schema.AnyOf is not { Count: > 0 }
            && schema.AllOf is not { Count: > 0 } && schema.Properties is not { Count: > 0 };
        // Our converters own strings, dates and instants, so the generator leaves their type out.
        if (plain && t == typeof(string)) schema.Type = JsonSchemaType.String;
        else if (plain && t == typeof(DateOnly)) (schema.Type, schema.Format) = (JsonSchemaType.String, "date");
        else if (plain && t == typeof(DateTimeOffset)) (schema.Type, schema.Format) = (JsonSchemaType.String, "date-time");
        if (nullable && schema.Type is { } kind) schema.Type = kind | JsonSchemaType.Null;
        var item = FieldRules.ItemType(t);
        if (item == typeof(string) && schema.Type?.HasFlag(JsonSchemaType.Array) == true)
            schema.Items = schema.Items as OpenApiSchema ?? new OpenApiSchema { Type = JsonSchemaType.String };

        foreach (var rule in rules)
        {
            switch (rule)
            {
                case MaxLengthAttribute m when t == typeof(string): schema.MaxLength = m.Length; break;
                case MaxLengthAttribute m: schema.MaxItems = m.Length; break;
                case MinLengthAttribute m when t == typeof(string): schema.MinLength = m.Length; break;
                case MinLengthAttribute m: schema.MinItems = m.Length; break;
                case StringLengthAttribute s:
                    schema.MaxLength = s.MaximumLength;
                    if (s.MinimumLength > 0) schema.MinLength = s.MinimumLength;
                    break;
                case RangeAttribute r:
                    schema.Minimum = Convert.ToString(r.Minimum, CultureInfo.InvariantCulture);
                    schema.Maximum = Convert.ToString(r.Maximum, CultureInfo.InvariantCulture);
                    break;
                case ItemLengthAttribute l when schema.Items is OpenApiSchema items:
                    (items.MinLength, items.MaxLength) = (1, l.Max);
                    break;
                case OneOfAttribute o when item == typeof(string) && schema.Items is OpenApiSchema items:
                    items.Enum = o.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
                    break;
                case OneOfAttribute o:
                    schema.Enum = o.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
                    if ((schema.Type & JsonSchemaType.Null) != 0) schema.Enum.Add(null!);
                    break;
                case EmailAttribute:
                    schema.Format = "email";
                    schema.MaxLength ??= EmailAttribute.MaxLength;
                    break;
            }
        }
        Bound(schema);
    }

    /// <summary>The bounds a value has by its type: whole numbers by their size, UUIDs, dates and instants by their length.</summary>
    public static void Bound(OpenApiSchema schema)
    {
        if (schema.Type is not { } kind) return;
        if (kind.HasFlag(JsonSchemaType.Integer) && schema.Minimum is null && schema.Maximum is null)
            (schema.Minimum, schema.Maximum) = schema.Format == "int64"
                ? (long.MinValue.ToString(CultureInfo.InvariantCulture), long.MaxValue.ToString(CultureInfo.InvariantCulture))
                : schema.Format == "int16" ? (short.MinValue.ToString(CultureInfo.InvariantCulture), short.MaxValue.ToString(CultureInfo.InvariantCulture))
                : (int.MinValue.ToString(CultureInfo.InvariantCulture), int.MaxValue.ToString(CultureInfo.InvariantCulture));
        if (kind.HasFlag(JsonSchemaType.String) && schema.MaxLength is null && schema.Enum is not { Count: > 0 })
            schema.MaxLength = schema.Format switch { "uuid" => 36, "date" => 10, "date-time" => InstantLength, _ => null };
    }

    /// <summary>A request's required fields are its [Required] ones (a PATCH has none: a field left out stays); an answer's, the fields it always writes.</summary>
    static void Require(OpenApiSchema schema, IDictionary<string, IOpenApiSchema> properties, Type type, bool request)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var clr in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = FieldRules.JsonName(clr);
            if (!properties.TryGetValue(name, out var property) || !(request ? IsRequiredInput(clr, type) : AlwaysWritten(clr))) continue;
            names.Add(name);
            // A required input cannot be null either.
            if (request && property is OpenApiSchema value)
            {
                (value.Metadata ??= new Dictionary<string, object>())[RequiredKey] = true;
                NotNull(value);
            }
        }
        schema.Required = names.Count > 0 ? names : null;
    }

    static void NotNull(OpenApiSchema schema)
    {
        if (schema.Type is { } kind && kind != JsonSchemaType.Null) schema.Type = kind & ~JsonSchemaType.Null;
        schema.Enum?.Remove(null!);
    }

    static HashSet<Type>? _requests;

    /// <summary>The types of request bodies (and forms) of every endpoint, and the types they hold: their schemas are inputs.</summary>
    static HashSet<Type> RequestTypes(IServiceProvider services)
    {
        if (_requests is { } known) return known;
        var found = new HashSet<Type>();
        void Add(Type type)
        {
            if (type.Assembly != typeof(OpenApiSchemas).Assembly || !type.IsClass || !found.Add(type)) return;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Add(Nullable.GetUnderlyingType(property.PropertyType) ?? FieldRules.ItemType(property.PropertyType) ?? property.PropertyType);
        }
        var descriptions = services.GetRequiredService<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items).SelectMany(d => d.ParameterDescriptions);
        foreach (var body in descriptions)
            if (body.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body || body.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Form)
                Add(Nullable.GetUnderlyingType(body.Type) ?? body.Type);
        return _requests = found;
    }

    static bool IsRequiredInput(PropertyInfo property, Type owner) =>
        property.IsDefined(typeof(RequiredAttribute), inherit: true)
        && (!typeof(PatchRequest).IsAssignableFrom(owner) || owner.IsDefined(typeof(WholeBodyAttribute), inherit: false));

    /// <summary>Fields an answer may leave out: staff-only ones (for patients) and those skipped when null.</summary>
    static bool AlwaysWritten(PropertyInfo property) =>
        !property.IsDefined(typeof(StaffOnlyAttribute), inherit: true)
        && property.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: not JsonIgnoreCondition.Never };
}
