using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Pdf;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Prescriptions;

public static class PrescriptionsEndpoints
{
    public static IServiceCollection AddPrescriptions(this IServiceCollection services) =>
        TimelineSources.Add<PrescriptionsTimeline>(services.AddScoped<PrescriptionDesk>().AddScoped<PrescriptionReader>().AddScoped<PrescriptionChecks>());

    public static RouteGroupBuilder MapPrescriptions(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/prescriptions").WithTags("Prescriptions").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(PrescriptionsRead)
            .WithSummary("Prescriptions by patient, visit, doctor (doctorId=me) and status, newest first (a portal patient: their own, issued or later)");
        g.MapPost("/", Create).RequirePermission(PrescriptionsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Write a DRAFT for an open visit (409 visit_locked once completed): items from the catalog or free text, quantity computed when left out");
        g.MapGet("/{id:guid}", Get).RequirePermission(PrescriptionsRead)
            .WithSummary("A prescription with its items, overridden conflicts and the patient's allergy state (ETag)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(PrescriptionsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a DRAFT: notes, and the items list replaced whole (If-Match; 409 prescription_not_draft once issued)");
        g.MapDelete("/{id:guid}", Delete).RequirePermission(PrescriptionsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Discard a DRAFT (an issued prescription is cancelled instead: 409 prescription_not_draft)");
        g.MapPost("/{id:guid}/issue", Issue).RequirePermission(PrescriptionsIssue).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Issue the DRAFT under an RX code after checking every item against the patient's active allergies and medications " +
                "(409 allergy_conflict or duplicate_therapy listing the conflicts; overrides with a reason for each conflicting item issue it, recorded)");
        g.MapPost("/{id:guid}/cancel", Cancel).RequirePermission(PrescriptionsIssue).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Cancel a draft, or an issued prescription of which nothing was dispensed, with a reason (409 prescription_not_cancellable)");
        g.MapGet("/{id:guid}/pdf", Pdf).RequirePermission(PrescriptionsRead).Produces(200, contentType: "application/pdf")
            .WithSummary("The printable prescription (A4, or paper=letter); a draft prints watermarked DRAFT, a cancelled one CANCELLED");
        return api;
    }

    static async Task<Ok<Paged<PrescriptionListItem>>> List([AsParameters] PrescriptionListQuery query, PrescriptionReader reader, AuditLog audit,
        CancellationToken ct)
    {
        var page = await reader.ListAsync(query, ct);
        await audit.WriteAsync("PRESCRIPTION_LISTED", "PRESCRIPTION", null, new { filter = query, returned = page.Items.Select(p => p.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<PrescriptionResponse>> Create(CreatePrescriptionRequest request, PrescriptionDesk desk, PrescriptionReader reader,
        HttpContext http, CancellationToken ct)
    {
        var prescription = await desk.CreateAsync(request, ct);
        ETags.Send(http, prescription.Version);
        return TypedResults.Created($"/api/v1/prescriptions/{prescription.Id}", await reader.ResponseAsync(prescription, ct));
    }

    static async Task<Ok<PrescriptionResponse>> Get(Guid id, PrescriptionDesk desk, PrescriptionReader reader, AuditLog audit, HttpContext http,
        CancellationToken ct)
    {
        var prescription = await desk.FindAsync(id, ct);
        await audit.WriteAsync("PRESCRIPTION_READ", "PRESCRIPTION", id, new { prescription.PatientId }, ct: ct);
        ETags.Send(http, prescription.Version);
        return TypedResults.Ok(await reader.ResponseAsync(prescription, ct));
    }

    static async Task<Ok<PrescriptionResponse>> Update(Guid id, UpdatePrescriptionRequest request, PrescriptionDesk desk, PrescriptionReader reader,
        HttpContext http, CancellationToken ct) =>
        Answer(http, await reader.ResponseAsync(await desk.UpdateAsync(id, request, http.Request.Headers.IfMatch, ct), ct));

    static async Task<NoContent> Delete(Guid id, PrescriptionDesk desk, HttpContext http, CancellationToken ct)
    {
        await desk.DeleteAsync(id, http.Request.Headers.IfMatch, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<PrescriptionResponse>> Issue(Guid id, IssuePrescriptionRequest? request, PrescriptionDesk desk, PrescriptionReader reader,
        HttpContext http, CancellationToken ct) =>
        Answer(http, await reader.ResponseAsync(await desk.IssueAsync(id, request, http.Request.Headers.IfMatch, ct), ct));

    static async Task<Ok<PrescriptionResponse>> Cancel(Guid id, CancelPrescriptionRequest request, PrescriptionDesk desk, PrescriptionReader reader,
        HttpContext http, CancellationToken ct) =>
        Answer(http, await reader.ResponseAsync(await desk.CancelAsync(id, request.Reason!.Trim(), http.Request.Headers.IfMatch, ct), ct));

    static async Task<FileContentHttpResult> Pdf(Guid id, [AsParameters] PdfQuery query, PrescriptionDesk desk, PrescriptionReader reader,
        CarebaseDb db, Caller caller, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var prescription = await desk.FindAsync(id, ct);
        var parties = await reader.PartiesAsync(prescription, ct);
        var response = PrescriptionReader.Response(prescription, parties, await reader.AllergyStateAsync(prescription.PatientId, ct));
        var hospital = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant).Select(t => t.Name).SingleAsync(ct);
        var paper = query.Paper ?? PaperSizes.A4;
        var bytes = PrescriptionPdf.Render(response, parties, hospital, await clock.TodayAsync(ct), await clock.ZoneAsync(ct), paper);
        await audit.WriteAsync("PRESCRIPTION_PRINTED", "PRESCRIPTION", id, new { prescription.PatientId, prescription.Status, paper }, ct: ct);
        return TypedResults.File(bytes, "application/pdf", $"{prescription.Code ?? "prescription-draft"}.pdf");
    }

    static Ok<PrescriptionResponse> Answer(HttpContext http, PrescriptionResponse response)
    {
        ETags.Send(http, response.Version);
        return TypedResults.Ok(response);
    }
}
