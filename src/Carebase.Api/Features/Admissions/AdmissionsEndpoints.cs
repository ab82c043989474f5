using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Pdf;
using Carebase.Api.Platform.Time;
using Carebase.Api.Features.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// Inpatient admissions: admit (from a visit, the emergency desk or planned), transfer, discharge with its summary and
/// bed-day charges, the printable discharge summary; the list is the front desk's (no clinical detail). Wards, beds and
/// the census are in <see cref="WardsEndpoints"/>.
/// </summary>
public static class AdmissionsEndpoints
{
    public static IServiceCollection AddAdmissions(this IServiceCollection services) =>
        TimelineSources.Add<MedicationAdministrationsTimeline>(TimelineSources.Add<AdmissionsTimeline>(CareTeam.AddSource<AdmissionCareTeam>(
            services.AddScoped<AdmissionDesk>().AddScoped<AdmissionReader>().AddScoped<Census>().AddScoped<MedicationRecord>().AddScoped<AdmissionLinks>())));

    public static RouteGroupBuilder MapAdmissions(this RouteGroupBuilder api)
    {
        api.MapWards();
        var g = api.MapGroup("/admissions").WithTags("Admissions").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(CensusRead)
            .WithSummary("Admissions by status, patient, ward, department and primary doctor (doctorId=me), newest first; no clinical detail");
        g.MapPost("/", Admit).RequirePermission(AdmissionsWrite).ForStaffOnly().WithIdempotency().ProducesProblem(409)
            .WithSummary("Admit a patient (→ IPD) to a department under a primary doctor, optionally into a bed; 409 patient_already_admitted / bed_occupied. Send Idempotency-Key to make retries safe");
        g.MapGet("/{id:guid}", Get).RequirePermission(AdmissionsRead)
            .WithSummary("An admission with its admitting diagnosis, every bed held (with times), the discharge summary and invoice (ETag)");
        g.MapPost("/{id:guid}/transfer", Transfer).RequirePermission(AdmissionsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Move to another bed, department or primary doctor in one transaction (the old bed → CLEANING); an occupied bed → 409 and nothing changes");
        g.MapPost("/{id:guid}/discharge", Discharge).RequirePermission(AdmissionsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Discharge with the summary and disposition: the bed → CLEANING, the patient → OPD, bed-days (the hospital's rule) added to the admission's draft invoice, in one transaction");
        g.MapGet("/{id:guid}/discharge-summary/pdf", SummaryPdf).RequirePermission(AdmissionsRead).ForStaffOnly().ProducesProblem(409)
            .Produces(200, contentType: "application/pdf")
            .WithSummary("The printable discharge summary (A4, or paper=letter); 409 not_discharged before discharge");
        g.MapGet("/{id:guid}/orders", Orders).RequirePermission(AdmissionsRead).ForStaffOnly()
            .WithSummary("The prescriptions (with their items' ids, to chart) and lab orders written for the admission, newest first");
        g.MapPost("/{id:guid}/medication-administrations", ChartMedication).RequirePermission(MarWrite).ForStaffOnly().WithIdempotency().ProducesProblem(409)
            .WithSummary("Chart a prescription item of this admission given (dose, route, time; the prescribed dose by default) or NOT_GIVEN/HELD/REFUSED with a reason; correctsId to correct an entry. 409 admission_not_active / prescription_not_issued / already_corrected. Send Idempotency-Key to make retries safe");
        g.MapGet("/{id:guid}/medication-administrations", ListMedication).RequirePermission(AdmissionsRead).ForStaffOnly()
            .WithSummary("The admission's medication administration record, newest first (by prescriptionItemId; includeSuperseded=false leaves out corrected entries)");
        return api;
    }

    static async Task<Ok<Paged<AdmissionListItem>>> List([AsParameters] AdmissionListQuery query, AdmissionReader reader, AuditLog audit, CancellationToken ct)
    {
        var page = await reader.ListAsync(query, ct);
        await audit.WriteAsync("ADMISSION_LISTED", "ADMISSION", null, new { filter = query, returned = page.Items.Select(a => a.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<AdmissionResponse>> Admit(AdmitRequest request, AdmissionDesk desk, AdmissionReader reader, HttpContext http, CancellationToken ct)
    {
        var admission = await desk.AdmitAsync(request, ct);
        ETags.Send(http, admission.Version);
        return TypedResults.Created($"/api/v1/admissions/{admission.Id}", await reader.ResponseAsync(admission.Id, ct));
    }

    static async Task<Ok<AdmissionResponse>> Get(Guid id, AdmissionReader reader, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var admission = await reader.ResponseAsync(id, ct);
        await audit.WriteAsync("ADMISSION_READ", "ADMISSION", id, ct: ct);
        ETags.Send(http, admission.Version);
        return TypedResults.Ok(admission);
    }

    static async Task<Ok<AdmissionResponse>> Transfer(Guid id, TransferRequest request, AdmissionDesk desk, AdmissionReader reader, HttpContext http,
        CancellationToken ct)
    {
        var admission = await desk.TransferAsync(id, request, ct);
        ETags.Send(http, admission.Version);
        return TypedResults.Ok(await reader.ResponseAsync(id, ct));
    }

    static async Task<Ok<AdmissionResponse>> Discharge(Guid id, DischargeRequest request, AdmissionDesk desk, AdmissionReader reader, HttpContext http,
        CancellationToken ct)
    {
        var admission = await desk.DischargeAsync(id, request, ct);
        ETags.Send(http, admission.Version);
        return TypedResults.Ok(await reader.ResponseAsync(id, ct));
    }

    static async Task<Ok<AdmissionOrdersResponse>> Orders(Guid id, MedicationRecord record, AuditLog audit, CancellationToken ct)
    {
        var orders = await record.OrdersAsync(id, ct);
        await audit.WriteAsync("ADMISSION_ORDERS_READ", "ADMISSION", id,
            new { prescriptions = orders.Prescriptions.Select(p => p.Id), labOrders = orders.LabOrders.Select(o => o.Id) }, ct: ct);
        return TypedResults.Ok(orders);
    }

    static async Task<Created<MedicationAdministrationResponse>> ChartMedication(Guid id, ChartMedicationRequest request, MedicationRecord record,
        CancellationToken ct)
    {
        var entry = await record.ChartAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/admissions/{id}/medication-administrations?entry={entry}", await record.FindAsync(id, entry, ct));
    }

    static async Task<Ok<Paged<MedicationAdministrationResponse>>> ListMedication(Guid id, [AsParameters] MedicationAdministrationListQuery query,
        MedicationRecord record, AuditLog audit, CancellationToken ct)
    {
        var page = await record.ListAsync(id, query, ct);
        await audit.WriteAsync("MEDICATION_ADMINISTRATION_LISTED", "ADMISSION", id, new { filter = query, returned = page.Items.Select(m => m.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<FileContentHttpResult> SummaryPdf(Guid id, [AsParameters] PdfQuery query, AdmissionReader reader, CarebaseDb db,
        Caller caller, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var admission = await reader.ResponseAsync(id, ct);
        if (admission.DischargeSummary is null)
            throw new ConflictException("not_discharged", "The admission is not discharged yet: there is no discharge summary to print.");
        var hospital = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant).Select(t => t.Name).SingleAsync(ct);
        var patient = await db.Set<Patient>().AsNoTracking().Where(p => p.Id == admission.PatientId).Select(p => p.DateOfBirth).SingleAsync(ct);
        var bytes = DischargeSummaryPdf.Render(admission, hospital, patient, await clock.TodayAsync(ct), await clock.ZoneAsync(ct), query.Paper ?? PaperSizes.A4);
        await audit.WriteAsync("DISCHARGE_SUMMARY_PRINTED", "ADMISSION", id, ct: ct);
        return TypedResults.File(bytes, "application/pdf", $"discharge-summary-{admission.PatientCode}-{admission.DischargedAt:yyyyMMdd}.pdf");
    }
}
