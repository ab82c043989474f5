using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// The schema generator cannot see through the converters of <see cref="ApiJson"/> (every string, date and instant is
/// read by one of ours) and would describe those values as "anything": put back what they are on the wire.
/// </summary>
static class ApiJsonSchemas
{
    static readonly NullabilityInfoContext Nullability = new();

    public static Task Transform(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        (JsonSchemaType kind, string? format) = underlying switch
        {
            _ when underlying == typeof(string) => (JsonSchemaType.String, null),
            _ when underlying == typeof(DateOnly) => (JsonSchemaType.String, "date"),
            _ when underlying == typeof(DateTimeOffset) => (JsonSchemaType.String, "date-time"),
            _ => (default(JsonSchemaType), (string?)null),
        };
        if (kind == default || schema.Type is not null) return Task.CompletedTask;
        schema.Type = Nullable.GetUnderlyingType(type) is not null || IsNullable(context.JsonPropertyInfo?.AttributeProvider)
            ? kind | JsonSchemaType.Null : kind;
        if (format is not null) schema.Format = format;
        return Task.CompletedTask;
    }

    static bool IsNullable(ICustomAttributeProvider? member) => member switch
    {
        PropertyInfo p => Nullability.Create(p).ReadState == NullabilityState.Nullable,
        FieldInfo f => Nullability.Create(f).ReadState == NullabilityState.Nullable,
        ParameterInfo p => Nullability.Create(p).ReadState == NullabilityState.Nullable,
        _ => false,
    };
}
