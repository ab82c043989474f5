using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Platform.Operations;

/// <summary>
/// OpenAPI 3.1 at /openapi/v1.json, exact about what the API does: schemas from the contracts' rule attributes
/// (<see cref="OpenApiSchemas"/>), operations with their ids, parameters, problem answers and headers
/// (<see cref="OpenApiOperations"/>). Swagger UI at /docs and ReDoc at /redoc read it, with nothing loaded from elsewhere.
/// </summary>
public static class OpenApiDocs
{
    public static WebApplicationBuilder AddCarebaseOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o =>
        {
            o.AddSchemaTransformer(OpenApiSchemas.Transform);
            o.AddOperationTransformer(OpenApiOperations.Transform);
            o.AddDocumentTransformer((doc, context, _) =>
            {
                var environment = context.ApplicationServices.GetRequiredService<IHostEnvironment>();
                doc.Info = new OpenApiInfo
                {
                    Title = "Carebase API",
                    Version = "v1",
                    Description = "Hospital and clinic management: patients, scheduling, queue, clinical records, pharmacy, billing. " +
                                  "Sign in with POST /api/v1/auth/login and send the access token as 'Authorization: Bearer <token>'. " +
                                  "Errors are RFC 9457 problem+json with a machine-readable 'code'.",
                    Contact = new OpenApiContact { Name = "Carebase maintainers" },
                };
                // Relative: the document describes the service that serves it, whatever its address.
                doc.Servers = [new OpenApiServer
                {
                    Url = "/",
                    Description = $"This service, the {(environment.IsDevelopment() ? "local" : environment.EnvironmentName.ToLowerInvariant())} environment",
                    Extensions = new Dictionary<string, IOpenApiExtension> { ["x-internal"] = new JsonNodeExtension(false) },
                }];
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer",
                    Description = "Access token from /api/v1/auth/login (valid 15 minutes; renew with /api/v1/auth/refresh). " +
                                  "An operation lists the permission it needs as the requirement's role.",
                };
                OpenApiOperations.AddComponents(doc);
                OpenApiSchemas.Finish(doc);
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
            // The packaged page loads web fonts from another host; this one uses the reader's fonts, so the page works offline.
            o.IndexStream = () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReDocPage));
        });
        return app;
    }

    const string ReDocPage = """
        <!DOCTYPE html>
        <html>
        <head>
            <title>%(DocumentTitle)</title>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link href="index.css" rel="stylesheet" type="text/css">
            %(HeadContent)
        </head>
        <body>
            <div id="redoc-container"></div>
            <script src="redoc.standalone.js"></script>
            <script src="index.js"></script>
        </body>
        </html>
        """;
}
