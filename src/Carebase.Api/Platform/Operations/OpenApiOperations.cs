using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// Each operation as the API really behaves: a stable id (<c>Tag_Handler</c>), query parameters named as the API reads them
/// (camelCase) with a description and their rules, the security requirement naming the permission, the problem answers
/// every route can give (one problem+json schema), the content types of its success answer, and the headers every answer
/// carries (rate limit, CORS) and a 429 adds (Retry-After).
/// </summary>
static class OpenApiOperations
{
    const string Problem = "ProblemDetails";
    const string ValidationProblem = "HttpValidationProblemDetails";

    /// <summary>The problem answers, as shared components: status, name and what it means here.</summary>
    static readonly (int status, string name, string description)[] Problems =
    [
        (400, "BadRequest", "The body is not valid JSON (code malformed_json)."),
        (401, "Unauthorized", "Not signed in, or the session has ended (a public route answers it too when sent an ended session's token)."),
        (403, "Forbidden", "The caller may not do this: a missing permission, a patient account on a staff route, a suspended hospital, or a password to change first."),
        (404, "NotFound", "Not found (also for another hospital's ids and what the caller may not see)."),
        (409, "Conflict", "The request conflicts with the current state; code says which rule (a taken slot, a duplicate, a record still in use…)."),
        (410, "Gone", "What the request names is no longer available and will not be again: an expired, revoked or locked link (code link_expired, link_revoked, link_locked)."),
        (412, "PreconditionFailed", "If-Match does not name the current version (code stale_version): read it again and retry."),
        (413, "ContentTooLarge", "The body is larger than the route accepts (code request_too_large), or an uploaded file larger than the hospital's limit (code file_too_large, with maxBytes)."),
        (415, "UnsupportedMediaType", "The body is not of a type the route takes, or an uploaded file's bytes are of a type the hospital does not accept (code unsupported_file_type, errors.file says which)."),
        (422, "ValidationFailed", "A field of the body or the query string is invalid (or the route takes no such parameter): errors lists the messages per field."),
        (429, "TooManyRequests", "Rate limited: retry after the seconds in Retry-After."),
        (500, "InternalError", "An unexpected error; quote traceId when reporting it."),
        (503, "ServiceUnavailable", "The database is unreachable; retry after the seconds in Retry-After."),
    ];

    /// <summary>Descriptions of the query parameters many routes share, by name; a parameter may say more with [Description].</summary>
    static readonly Dictionary<string, string> SharedParameters = new(StringComparer.Ordinal)
    {
        ["page"] = "The page to return, from 1 (default 1).",
        ["pageSize"] = $"Items per page, 1 to {Paging.MaxPageSize} (default {Paging.DefaultPageSize}).",
        ["q"] = "Search text.",
        ["doctorId"] = "Only this doctor's.",
        ["patientId"] = "Only this patient's.",
        ["departmentId"] = "Only this department's.",
        ["userId"] = "Only this account's.",
        ["isActive"] = "Only active (true) or inactive (false) ones.",
        ["status"] = "Only those with this status.",
        ["from"] = "Start of the period.",
        ["to"] = "End of the period.",
        ["date"] = "The day (YYYY-MM-DD, the hospital's local day); today when left out.",
    };

    public static Task Transform(OpenApiOperation op, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        op.OperationId = OperationId(op, metadata, description);
        foreach (var parameter in op.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Query) DescribeQueryParameter(parameter, description);
            else if (parameter.Schema is OpenApiSchema schema) OpenApiSchemas.Bound(schema);
        }

        var isPublic = metadata.OfType<PublicEndpoint>().Any();
        var permission = metadata.OfType<RequiresPermission>().LastOrDefault();
        op.Security ??= [];
        var bearer = new OpenApiSecuritySchemeReference("bearer", document);
        // OpenAPI 3.1: the roles a requirement lists are the permission the operation needs. A public route takes a token or none.
        if (isPublic) op.Security.Add(new OpenApiSecurityRequirement());
        op.Security.Add(new OpenApiSecurityRequirement { [bearer] = permission is null ? [] : [permission.Code] });
        var note = isPublic ? "Open to anyone: no sign-in needed."
            : permission is not null ? $"Requires permission `{permission.Code}`." : "Requires a signed-in account.";
        op.Description = string.IsNullOrEmpty(op.Description) ? note : $"{op.Description}\n\n{note}";

        op.Responses ??= new OpenApiResponses();
        // Every route can answer these: the session gate (401, 403), the query guard (422), the rate limiter (429), a fault (500).
        var statuses = new SortedSet<int> { 401, 403, 422, 429, 500 };
        if (op.RequestBody is not null) statuses.Add(400);
        if (description.RelativePath?.Contains('{') == true) statuses.Add(404);
        foreach (var (key, _) in op.Responses)
            if (int.TryParse(key, out var declared) && Problems.Any(p => p.status == declared)) statuses.Add(declared);
        foreach (var status in statuses)
            op.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                new OpenApiResponseReference(Problems.Single(p => p.status == status).name, document);

        foreach (var (key, response) in op.Responses)
        {
            if (response is not OpenApiResponse own) continue;
            if (key.StartsWith('2')) SuccessContent(own, int.Parse(key, System.Globalization.CultureInfo.InvariantCulture), metadata);
            if (key.StartsWith('2') || key.StartsWith('4')) AddHeaders(own, document, retryAfter: false);
        }
        return Task.CompletedTask;
    }

    /// <summary>Problem answers, their two schemas and the headers, once for the document.</summary>
    public static void AddComponents(OpenApiDocument document)
    {
        var components = document.Components ??= new OpenApiComponents();
        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        components.Headers[RateLimits.LimitHeader] = Header("Requests allowed per minute under the general limit (per account; per address when anonymous). " +
            "Sign-in and password routes have stricter limits of their own.", JsonSchemaType.Integer);
        components.Headers[RateLimits.RemainingHeader] = Header("Requests left in the current minute under the general limit.", JsonSchemaType.Integer);
        components.Headers["Access-Control-Allow-Origin"] = Header("Sent to browsers calling from an origin the deployment allows (Carebase__Cors__Origins); absent otherwise.",
            JsonSchemaType.String);
        components.Headers["Retry-After"] = Header("Seconds to wait before retrying.", JsonSchemaType.Integer, minimum: 1);

        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas[Problem] = ProblemSchema(validation: false);
        components.Schemas[ValidationProblem] = ProblemSchema(validation: true);

        components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        foreach (var (status, name, text) in Problems)
        {
            var response = new OpenApiResponse
            {
                Description = text,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(status == 422 ? ValidationProblem : Problem, document) },
                },
            };
            if (status < 500) AddHeaders(response, document, retryAfter: status == 429);
            else if (status == 503) AddHeaders(response, document, retryAfter: true);
            components.Responses[name] = response;
        }
    }

    static void AddHeaders(OpenApiResponse response, OpenApiDocument document, bool retryAfter)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var name in new[] { RateLimits.LimitHeader, RateLimits.RemainingHeader, "Access-Control-Allow-Origin" }.Concat(retryAfter ? ["Retry-After"] : []))
            response.Headers[name] = new OpenApiHeaderReference(name, document);
    }

    static OpenApiHeader Header(string description, JsonSchemaType type, int? minimum = null)
    {
        var schema = new OpenApiSchema { Type = type };
        if (type == JsonSchemaType.Integer)
        {
            schema.Format = "int32";
            schema.Minimum = (minimum ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return new OpenApiHeader { Description = description, Schema = schema };
    }

    /// <summary>RFC 9457 problem details as this API writes them: a machine-readable code and a trace id, more members per code.</summary>
    static OpenApiSchema ProblemSchema(bool validation)
    {
        OpenApiSchema Text(string description, string? format = null) => new() { Type = JsonSchemaType.String, Description = description, Format = format };
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = validation
                ? "A validation failure (422, code validation_failed): errors maps each field, as the client wrote it (admin.email, blocks[0].weekday), to its messages."
                : "RFC 9457 problem details; some codes add members (a duplicate's candidates, a conflict's appointments, lockedUntil).",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = Text("A URI naming the kind of problem.", "uri-reference"),
                ["title"] = Text("Short summary of the status."),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
                ["detail"] = Text("What went wrong, for a person."),
                ["instance"] = Text("The path of the request.", "uri-reference"),
                ["code"] = Text("Machine-readable code, such as not_found, validation_failed or slot_taken."),
                ["traceId"] = Text("The request's id (also in X-Request-Id), to quote when reporting."),
            },
            Required = new HashSet<string> { "type", "title", "status", "code", "traceId" },
        };
        if (validation)
        {
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array, MinItems = 1,
                    Items = Text("A message saying what the field should be."),
                },
            };
            schema.Required.Add("errors");
        }
        return schema;
    }

    /// <summary>
    /// <c>Tag_Handler</c> (Patients_Search, Appointments_Book); a named endpoint (one handler for several routes) gives its
    /// name instead, less the tag's noun (AppointmentConfirm → Appointments_Confirm).
    /// </summary>
    static string OperationId(OpenApiOperation op, IList<object> metadata, ApiDescription description)
    {
        var tag = (op.Tags?.FirstOrDefault()?.Name ?? "Api").Replace(" ", "", StringComparison.Ordinal);
        var noun = tag.TrimEnd('s');
        var name = metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName is { } named
            ? named.StartsWith(noun, StringComparison.Ordinal) && named.Length > noun.Length ? named[noun.Length..] : named
            : metadata.OfType<MethodInfo>().LastOrDefault() is { } method && !method.Name.Contains('<') ? method.Name
            : (description.HttpMethod ?? "Call").ToLowerInvariant() is var verb ? char.ToUpperInvariant(verb[0]) + verb[1..] : "Call";
        return $"{tag}_{name}";
    }

    /// <summary>camelCase name, description, required, and the rules the query guard and validation enforce on it.</summary>
    static void DescribeQueryParameter(OpenApiParameter parameter, ApiDescription description)
    {
        var api = description.ParameterDescriptions.FirstOrDefault(d => string.Equals(d.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
        // For an [AsParameters] member this is the property (with its constructor parameter's attributes).
        var info = (api?.ParameterDescriptor as Microsoft.AspNetCore.Mvc.Infrastructure.IParameterInfoParameterDescriptor)?.ParameterInfo;
        parameter.Name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
        var attributes = info?.GetCustomAttributes(true) ?? [];
        var rules = attributes.OfType<ValidationAttribute>().ToArray();
        parameter.Description = attributes.OfType<DescriptionAttribute>().FirstOrDefault()?.Description
            ?? (SharedParameters.TryGetValue(parameter.Name, out var shared) ? shared : null);
        parameter.Required = rules.OfType<RequiredAttribute>().Any();
        var type = api?.Type ?? info?.ParameterType ?? typeof(string);
        var schema = parameter.Schema as OpenApiSchema ?? new OpenApiSchema();
        schema.Enum = null;
        OpenApiSchemas.Describe(schema, type, rules, nullable: false);
        if (schema.Type is { } kind) schema.Type = kind & ~JsonSchemaType.Null;
        // Paging bounds are checked by Paging for every list (IPageQuery); any other text by the query guard's limit.
        if (parameter.Name == "page") (schema.Minimum, schema.Maximum) = ("1", Paging.MaxPage.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (parameter.Name == "pageSize") (schema.Minimum, schema.Maximum) = ("1", Paging.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (schema.Type == JsonSchemaType.String && schema.MaxLength is null && schema.Enum is not { Count: > 0 }) schema.MaxLength = QueryGuard.MaxLength;
        OpenApiSchemas.Bound(schema);
        parameter.Schema = schema;
    }

    /// <summary>A success answer declared without content but with content types in the metadata (a file export): those types.</summary>
    static void SuccessContent(OpenApiResponse response, int status, IList<object> metadata)
    {
        if (response.Content is { Count: > 0 }) return;
        var types = metadata.OfType<IProducesResponseTypeMetadata>().Where(m => m.StatusCode == status).SelectMany(m => m.ContentTypes).Distinct().ToList();
        if (types.Count == 0) return;
        response.Content = types.ToDictionary(t => t, _ => new OpenApiMediaType());
    }
}
