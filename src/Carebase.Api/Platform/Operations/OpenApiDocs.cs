using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// OpenAPI 3.1 at /openapi/v1.json with the bearer scheme declared and each operation marked with
/// the permission it needs; Swagger UI at /docs and ReDoc at /redoc read it.
/// </summary>
public static class OpenApiDocs
{
    public static WebApplicationBuilder AddCarebaseOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new OpenApiInfo
                {
                    Title = "Carebase API",
                    Version = "v1",
                    Description = "Hospital and clinic management: patients, scheduling, queue, clinical records, pharmacy, billing. " +
                                  "Sign in with POST /api/v1/auth/login and send the access token as 'Authorization: Bearer <token>'. " +
                                  "Errors are RFC 9457 problem+json with a machine-readable 'code'.",
                };
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer",
                    Description = "Access token from /api/v1/auth/login (valid 15 minutes; renew with /api/v1/auth/refresh).",
                };
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer(ApiJsonSchemas.Transform);
            o.AddOperationTransformer((op, ctx, _) =>
            {
                var metadata = ctx.Description.ActionDescriptor.EndpointMetadata;
                op.Responses ??= new OpenApiResponses();
                // Field errors are 422 in this API (ValidationProblem results declare 400).
                if (op.Responses.Remove("400", out var validation))
                {
                    validation.Description = "Validation failed: problem+json with errors per field.";
                    op.Responses.TryAdd("422", validation);
                }
                if (op.RequestBody is not null)
                    op.Responses.TryAdd("400", new OpenApiResponse { Description = "Malformed request body (not valid JSON)." });
                // Every body and query string is checked (the JSON reader, the query guard, the validation filter): 422 with field errors.
                if (op.RequestBody is not null || op.Parameters?.Any(p => p.In == ParameterLocation.Query) == true)
                    op.Responses.TryAdd("422", new OpenApiResponse { Description = "Validation failed: problem+json with errors per field." });
                // A route naming a resource answers 404 when it does not exist or is not the caller's to see.
                if (ctx.Description.RelativePath?.Contains('{') == true)
                    op.Responses.TryAdd("404", new OpenApiResponse { Description = "Not found (also for another hospital's ids)." });
                if (metadata.OfType<PublicEndpoint>().Any()) return Task.CompletedTask;
                op.Security ??= [];
                op.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", ctx.Document)] = [] });
                var permission = metadata.OfType<RequiresPermission>().LastOrDefault();
                var note = permission is not null ? $"Requires permission `{permission.Code}`." : "Requires a signed-in account.";
                op.Description = string.IsNullOrEmpty(op.Description) ? note : $"{op.Description}\n\n{note}";
                op.Responses.TryAdd("401", new OpenApiResponse { Description = "Not signed in, or the session has ended." });
                if (permission is not null)
                    op.Responses.TryAdd("403", new OpenApiResponse { Description = "The caller lacks the permission." });
                op.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited; see Retry-After." });
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapCarebaseDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").Public();
        return app;
    }

    /// <summary>The two documentation pages (static middleware, ahead of authentication).</summary>
    public static WebApplication UseCarebaseDocs(this WebApplication app)
    {
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "Carebase API v1");
            o.DocumentTitle = "Carebase API";
        });
        app.UseReDoc(o =>
        {
            o.RoutePrefix = "redoc";
            o.SpecUrl = "/openapi/v1.json";
            o.DocumentTitle = "Carebase API";
        });
        return app;
    }
}
