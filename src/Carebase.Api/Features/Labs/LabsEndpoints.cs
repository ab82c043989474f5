using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Files;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// Lab orders: placed by a doctor (labs:write), worked by the lab (labs:results: collect, results, files), verified by a
/// second person (labs:verify), cancelled before results (labs:write). Another hospital's or an invisible patient's
/// order is 404, a confidential patient's 403 break_glass_required outside the care team; a portal patient reads their
/// own verified orders only.
/// </summary>
public static class LabsEndpoints
{
    public static IServiceCollection AddLabs(this IServiceCollection services) =>
        Billing.VisitCharges.Add<LabCharges>(TimelineSources.Add<LabsTimeline>(services.AddScoped<LabDesk>().AddScoped<LabReader>().AddScoped<LabNotifications>().AddScoped<LabAttachments>()));

    public static RouteGroupBuilder MapLabs(this RouteGroupBuilder api)
    {
        api.MapLabCatalog();
        var g = api.MapGroup("/lab-orders").WithTags("Lab orders").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(LabsRead)
            .WithSummary("Lab orders and the lab worklist: by status, priority, patient, visit, doctor (doctorId=me); STAT first, then the oldest");
        g.MapPost("/", Place).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Order tests and panels for an open visit or a patient (panels expand into their tests; prices captured)");
        g.MapGet("/{id:guid}", Get).RequirePermission(LabsRead).WithSummary("A lab order with its items, results (corrected ones kept) and files (ETag)");
        g.MapPost("/{id:guid}/collect", Collect).RequirePermission(LabsResults).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Record the sample: specimen id, when and by whom (ORDERED → SAMPLE_COLLECTED)");
        g.MapPost("/{id:guid}/results", EnterResults).RequirePermission(LabsResults).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Enter results: ranges chosen by sex and age, flags computed, critical values emailed to the ordering doctor (→ RESULTED when all are in)");
        g.MapPost("/{id:guid}/verify", Verify).RequirePermission(LabsVerify).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Verify the results (→ VERIFIED, the patient is told); 409 same_person for whoever entered one of them");
        g.MapPost("/{id:guid}/cancel", Cancel).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Cancel with a reason while no result is entered");
        g.MapPost("/{id:guid}/attachments", Attach).RequirePermission(LabsResults).ForStaffOnly()
            .AddOpenApiOperationTransformer(DescribeUpload)
            .WithMetadata(new RequestSizeLimitAttribute(Documents.DocumentUpload.MaxBody))
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415)
            .WithSummary("Attach a file to the order (multipart/form-data, a part named file: PDF, PNG or JPEG, sniffed; SHA-256 kept)");
        g.MapGet("/{id:guid}/attachments/{attachmentId:guid}/content", Download).RequirePermission(LabsRead).ProducesProblem(409)
            .Produces(200, contentType: FileTypes.Pdf, additionalContentTypes: [FileTypes.Png, FileTypes.Jpeg])
            .WithSummary("A file of the order, checked against its SHA-256 first");

        api.MapPost("/lab-results/{id:guid}/correct", Correct).WithTags("Lab orders").AddEndpointFilter<ValidationFilter>()
            .RequirePermission(LabsResults).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Correct a result: the original stays (CORRECTED, with the reason), the new value needs verification again");
        return api;
    }

    static async Task<Ok<Paged<LabOrderListItem>>> List([AsParameters] LabOrderQuery query, LabReader reader, AuditLog audit, CancellationToken ct)
    {
        var page = await reader.ListAsync(query, ct);
        await audit.WriteAsync("LAB_ORDER_LISTED", "LAB_ORDER", null, new { filter = query, returned = page.Items.Select(o => o.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<LabOrderResponse>> Place(CreateLabOrderRequest request, LabDesk desk, LabReader reader, HttpContext http, CancellationToken ct)
    {
        var order = await desk.PlaceAsync(request, ct);
        ETags.Send(http, order.Version);
        return TypedResults.Created($"/api/v1/lab-orders/{order.Id}", await reader.ResponseAsync(order, ct));
    }

    static async Task<Ok<LabOrderResponse>> Get(Guid id, LabDesk desk, LabReader reader, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var order = await desk.FindAsync(id, ct);
        await audit.WriteAsync("LAB_ORDER_READ", "LAB_ORDER", id, new { order.PatientId }, ct: ct);
        return await AnswerAsync(order, reader, http, ct);
    }

    static async Task<Ok<LabOrderResponse>> Collect(Guid id, CollectSampleRequest request, LabDesk desk, LabReader reader, HttpContext http, CancellationToken ct) =>
        await AnswerAsync(await desk.CollectAsync(id, request, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<LabOrderResponse>> EnterResults(Guid id, EnterResultsRequest request, LabDesk desk, LabReader reader, HttpContext http,
        CancellationToken ct) =>
        await AnswerAsync(await desk.EnterResultsAsync(id, request, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<LabOrderResponse>> Verify(Guid id, LabDesk desk, LabReader reader, HttpContext http, CancellationToken ct) =>
        await AnswerAsync(await desk.VerifyAsync(id, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<LabOrderResponse>> Cancel(Guid id, CancelLabOrderRequest request, LabDesk desk, LabReader reader, HttpContext http,
        CancellationToken ct) =>
        await AnswerAsync(await desk.CancelAsync(id, request.Reason!.Trim(), http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Created<LabResultResponse>> Correct(Guid id, CorrectResultRequest request, LabDesk desk, CancellationToken ct)
    {
        var result = await desk.CorrectAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/lab-orders/{result.OrderId}", LabResultResponse.From(result));
    }

    static async Task<Created<LabAttachmentResponse>> Attach(Guid id, HttpRequest request, LabAttachments attachments, CancellationToken ct)
    {
        var a = await attachments.UploadAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/lab-orders/{id}/attachments/{a.Id}/content", LabAttachmentResponse.From(a));
    }

    static async Task<EmptyHttpResult> Download(Guid id, Guid attachmentId, LabAttachments attachments, HttpContext http, CancellationToken ct)
    {
        await attachments.DownloadAsync(id, attachmentId, http, ct);
        return TypedResults.Empty;
    }

    static async Task<Ok<LabOrderResponse>> AnswerAsync(LabOrder order, LabReader reader, HttpContext http, CancellationToken ct)
    {
        ETags.Send(http, order.Version);
        return TypedResults.Ok(await reader.ResponseAsync(order, ct));
    }

    static Task DescribeUpload(OpenApiOperation op, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var form = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "file" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["file"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Format = "binary", MaxLength = Tenants.DocumentLimits.CeilingBytes,
                    Description = "A PDF, PNG or JPEG (sniffed from the bytes), at most the hospital's documentMaxBytes.",
                },
            },
        };
        op.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "multipart/form-data, streamed.",
            Content = new Dictionary<string, OpenApiMediaType> { ["multipart/form-data"] = new() { Schema = form } },
        };
        return Task.CompletedTask;
    }
}
