using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Carebase.Api.Features.Documents;

/// <summary>
/// The multipart/form-data body of an upload, as the OpenAPI document shows it. The route reads the parts itself, in one
/// streaming pass (the file is never buffered whole): <see cref="DocumentFields"/> checks the text parts.
/// </summary>
public static class UploadDocumentForm
{
    public static Task DescribeAsync(OpenApiOperation op, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        static OpenApiSchema Text(string description, int max) => new() { Type = JsonSchemaType.String, MaxLength = max, Description = description };
        var form = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "file", "title", "category" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["file"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Format = "binary", MaxLength = DocumentLimits.CeilingBytes,
                    Description = "The file: its type is sniffed from the bytes (the declared type and the name's extension are ignored); "
                        + "at most the hospital's documentMaxBytes, of one of its documentTypes. Executables and scripts are always refused.",
                },
                ["title"] = Text("What the document is, e.g. 'CBC 12 March' (one line).", DocumentValues.MaxTitle),
                ["category"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "The kind of document.",
                    Enum = DocumentValues.Categories.Select(c => (JsonNode)JsonValue.Create(c)).ToList(),
                },
                ["notes"] = Text("Free text about the document.", DocumentValues.MaxNotes),
                ["visitId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", MaxLength = 36, Description = "The visit the document belongs to." },
            },
        };
        op.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "multipart/form-data, streamed: the parts may come in any order.",
            Content = new Dictionary<string, OpenApiMediaType> { ["multipart/form-data"] = new() { Schema = form } },
        };
        return Task.CompletedTask;
    }
}

/// <summary>The text parts of an upload, checked by the same rules as every JSON body.</summary>
public sealed record DocumentFields(
    [property: Required, MaxLength(DocumentValues.MaxTitle)] string? Title,
    [property: Required, OneOf(typeof(DocumentValues), nameof(DocumentValues.Categories))] string? Category,
    [property: MaxLength(DocumentValues.MaxNotes)] string? Notes) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Title is { } t && TextRules.Problem(t, multiline: false) is { } titleProblem) errors.Add("title", titleProblem);
        if (Notes is { } n && TextRules.Problem(n, multiline: true) is { } notesProblem) errors.Add("notes", notesProblem);
    }
}

/// <summary>A medical document's metadata; the bytes are at <c>contentUrl</c>. The ETag header carries <see cref="Version"/>.</summary>
public sealed record DocumentResponse(
    Guid Id, Guid PatientId, Guid? VisitId, string Title,
    [property: OneOf(typeof(DocumentValues), nameof(DocumentValues.Categories))] string Category, string? Notes,
    string FileName, [property: OneOf(typeof(DocumentLimits), nameof(DocumentLimits.Types))] string ContentType, long SizeBytes, string Sha256,
    string ContentUrl, DateTimeOffset CreatedAt, Guid? CreatedBy, DateTimeOffset UpdatedAt, Guid? UpdatedBy,
    DateTimeOffset? DeletedAt, Guid? DeletedBy, int Version)
{
    public static DocumentResponse From(Document d) => new(d.Id, d.PatientId, d.VisitId, d.Title, d.Category, d.Notes, d.FileName,
        d.ContentType, d.SizeBytes, d.Sha256, $"/api/v1/patients/{d.PatientId}/documents/{d.Id}/content", d.CreatedAt, d.CreatedBy,
        d.UpdatedAt, d.UpdatedBy, d.DeletedAt, d.DeletedBy, d.Version);
}

/// <summary>Query of the document list.</summary>
public sealed record DocumentQuery(
    [property: OneOf(typeof(DocumentValues), nameof(DocumentValues.Categories)), Description("Only documents of this category.")] string? Category,
    [property: Description("Only documents of this visit.")] Guid? VisitId,
    [property: Description("Include deleted documents (needs patients:delete; default false).")] bool? IncludeDeleted,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>A change of a document's description (the file itself never changes): fields left out stay.</summary>
public sealed record UpdateDocumentRequest : PatchRequest
{
    [Required, MaxLength(DocumentValues.MaxTitle)] public string? Title { get; init => field = Sent(value); }
    [Required, OneOf(typeof(DocumentValues), nameof(DocumentValues.Categories))] public string? Category { get; init => field = Sent(value); }
    [FreeText, MaxLength(DocumentValues.MaxNotes)] public string? Notes { get; init => field = Sent(value); }
}
