using System.Globalization;
using System.Text;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Visits;

public static class VisitsEndpoints
{
    public static IServiceCollection AddVisits(this IServiceCollection services) =>
        TimelineSources.Add<VisitsTimeline>(CareTeam.AddSource<VisitCareTeam>(services.AddScoped<VisitDesk>().AddScoped<VisitReader>()));

    public static RouteGroupBuilder MapVisits(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/visits").WithTags("Visits").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(VisitsRead).WithSummary("Visits by patient, doctor (doctorId=me), department, status and period");
        g.MapPost("/", Start).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Start a visit from an appointment (→ IN_CONSULTATION), a queue token (→ SERVING) or directly for a patient");
        g.MapGet("/{id:guid}", Get).RequirePermission(VisitsRead).WithSummary("A visit with its diagnoses, vitals and addenda (ETag)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Document the visit: chief complaint and SOAP sections (409 visit_locked once completed; If-Match → 412)");
        g.MapPost("/{id:guid}/complete", Complete).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Sign and lock the visit: its appointment completes and its queue token is served, in one transaction");
        g.MapPost("/{id:guid}/addenda", AddAddendum).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Append an addendum to a signed visit (author and time kept; the visit stays as signed)");
        g.MapPost("/{id:guid}/notes", AddNote).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Write a clinical note in the visit (listed with the patient's notes; locked when the visit is signed)");
        g.MapPost("/{id:guid}/diagnoses/to-conditions", DiagnosesToConditions).RequirePermission(HistoryWrite).ForStaffOnly()
            .WithSummary("Add the visit's diagnoses (not ruled out) to the patient's active conditions in one call; those already there are skipped");
        g.MapPost("/{id:guid}/vitals", RecordVisitVitals).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Record vital signs in the visit (BMI computed; values outside normal ranges flagged)");
        g.MapPost("/{id:guid}/diagnoses", AddDiagnosis).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Add a diagnosis (ICD-10 code and/or text; one primary per visit)");
        g.MapPatch("/{id:guid}/diagnoses/{diagnosisId:guid}", UpdateDiagnosis).RequirePermission(VisitsWrite).ForStaffOnly()
            .ProducesProblem(409).ProducesProblem(412).WithSummary("Change a diagnosis's kind, status or text");
        g.MapDelete("/{id:guid}/diagnoses/{diagnosisId:guid}", DeleteDiagnosis).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Remove a diagnosis from an open visit (kept, marked deleted)");

        var vitals = PatientAccess.MapPatientRoutes(api, "Vitals").AddEndpointFilter<ValidationFilter>();
        vitals.MapGet("/vitals", ListVitals).RequirePermission(HistoryRead).WithSummary("The patient's vital signs, newest first (flags for out-of-range values)");
        vitals.MapPost("/vitals", RecordVitals).RequirePermission(HistoryWrite).ForStaffOnly()
            .WithSummary("Record vital signs outside a visit (a nurse before the doctor sees the patient)");
        vitals.MapGet("/vitals/{vitalsId:guid}", GetVitals).RequirePermission(HistoryRead).WithSummary("One set of vital signs (ETag)");
        vitals.MapPut("/vitals/{vitalsId:guid}", ReplaceVitals).RequirePermission(HistoryWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Correct a set of vital signs (all measurements replaced; If-Match; 409 visit_locked for a signed visit's)");
        vitals.MapDelete("/vitals/{vitalsId:guid}", DeleteVitals).RequirePermission(HistoryWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Remove a set of vital signs (kept, marked deleted)");

        var codes = api.MapGroup("/diagnosis-codes").WithTags("Visits").AddEndpointFilter<ValidationFilter>();
        codes.MapGet("/", Codes).RequirePermission(VisitsRead).WithSummary("Search the ICD-10 list (code prefix or words of the description)");
        codes.MapPost("/", AddCode).RequirePermission(VisitsWrite).ForStaffOnly().ProducesProblem(409).WithSummary("Add a code to the hospital's list");

        api.MapGet("/reports/visit-history", ListVisitHistory).WithTags("Reports").AddEndpointFilter<ValidationFilter>().RequirePermission(ReportsRead)
            .Produces(200, contentType: "text/csv")
            .WithSummary("Visit history: filterable, paged JSON or the whole filtered list as CSV");
        return api;
    }

    static async Task<Created<VisitResponse>> Start(StartVisitRequest request, VisitDesk desk, VisitReader reader, HttpContext http, CancellationToken ct)
    {
        var visit = await desk.StartAsync(request, ct);
        ETags.Send(http, visit.Version);
        return TypedResults.Created($"/api/v1/visits/{visit.Id}", await reader.ResponseAsync(visit, ct));
    }

    static async Task<Ok<VisitResponse>> Get(Guid id, VisitDesk desk, VisitReader reader, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var visit = await desk.FindAsync(id, ct);
        await audit.WriteAsync("VISIT_READ", "VISIT", id, ct: ct);
        ETags.Send(http, visit.Version);
        return TypedResults.Ok(await reader.ResponseAsync(visit, ct));
    }

    static async Task<Ok<VisitResponse>> Update(Guid id, UpdateVisitRequest request, VisitDesk desk, VisitReader reader, HttpContext http, CancellationToken ct)
    {
        var visit = await desk.UpdateAsync(id, request, http.Request.Headers.IfMatch, ct);
        ETags.Send(http, visit.Version);
        return TypedResults.Ok(await reader.ResponseAsync(visit, ct));
    }

    static async Task<Ok<VisitResponse>> Complete(Guid id, VisitDesk desk, VisitReader reader, HttpContext http, CancellationToken ct)
    {
        var visit = await desk.CompleteAsync(id, http.Request.Headers.IfMatch, ct);
        ETags.Send(http, visit.Version);
        return TypedResults.Ok(await reader.ResponseAsync(visit, ct));
    }

    static async Task<Created<AddendumResponse>> AddAddendum(Guid id, AddendumRequest request, VisitDesk desk, Caller caller, CancellationToken ct)
    {
        var a = await desk.AddendumAsync(id, request.Text!.Trim(), ct);
        return TypedResults.Created($"/api/v1/visits/{id}", new AddendumResponse(a.Id, a.Text, a.CreatedAt, a.CreatedBy, caller.Email));
    }

    static async Task<Created<ClinicalNoteResponse>> AddNote(Guid id, VisitNoteRequest request, VisitDesk desk, CancellationToken ct)
    {
        var note = await desk.AddNoteAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/patients/{note.PatientId}/notes/{note.Id}", ClinicalNotes.List.Map(note));
    }

    static async Task<Ok<IReadOnlyList<ConditionResponse>>> DiagnosesToConditions(Guid id, VisitDesk desk, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ConditionResponse>>((await desk.DiagnosesToConditionsAsync(id, ct)).Select(Conditions.List.Map).ToList());

    static async Task<Created<VitalsResponse>> RecordVisitVitals(Guid id, RecordVitalsRequest request, VisitDesk desk, CancellationToken ct)
    {
        var v = await desk.RecordVitalsAsync(Guid.Empty, id, request, ct);
        return TypedResults.Created($"/api/v1/patients/{v.PatientId}/vitals/{v.Id}", VitalsResponse.From(v));
    }

    static async Task<Created<DiagnosisResponse>> AddDiagnosis(Guid id, DiagnosisRequest request, VisitDesk desk, CancellationToken ct)
    {
        var d = await desk.AddDiagnosisAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/visits/{id}", DiagnosisResponse.From(d));
    }

    static async Task<Ok<DiagnosisResponse>> UpdateDiagnosis(Guid id, Guid diagnosisId, UpdateDiagnosisRequest request, VisitDesk desk, HttpContext http,
        CancellationToken ct)
    {
        var d = await desk.UpdateDiagnosisAsync(id, diagnosisId, request, http.Request.Headers.IfMatch, ct);
        ETags.Send(http, d.Version);
        return TypedResults.Ok(DiagnosisResponse.From(d));
    }

    static async Task<NoContent> DeleteDiagnosis(Guid id, Guid diagnosisId, VisitDesk desk, CancellationToken ct)
    {
        await desk.DeleteDiagnosisAsync(id, diagnosisId, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<Paged<VisitListItem>>> List([AsParameters] VisitListQuery query, VisitReader reader, AuditLog audit, CancellationToken ct)
    {
        var page = await reader.ListAsync(new VisitFilter(query.PatientId, query.DoctorId, query.DepartmentId, query.Status, query.From, query.To), query, ct);
        await audit.WriteAsync("VISIT_LISTED", "VISIT", null, new { filter = query, returned = page.Items.Select(v => v.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Results<Ok<Paged<VisitListItem>>, EmptyHttpResult>> ListVisitHistory([AsParameters] VisitHistoryQuery query, VisitReader reader,
        AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var filter = new VisitFilter(null, query.DoctorId, query.DepartmentId, query.Status, query.From, query.To);
        await audit.WriteAsync("VISIT_HISTORY_REPORTED", "VISIT", null, new { filter = query }, ct: ct);
        if (query.Format != "csv") return TypedResults.Ok(await reader.ListAsync(filter, query, ct));
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"visit-history.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(true), 64 * 1024);
        await writer.WriteLineAsync("visitId,startedAt,completedAt,status,patientCode,patientName,doctorName,departmentId,chiefComplaint,primaryDiagnosis");
        await foreach (var v in reader.StreamAsync(filter, ct))
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                v.Id.ToString(), v.StartedAt.ToString("O", CultureInfo.InvariantCulture), v.CompletedAt?.ToString("O", CultureInfo.InvariantCulture),
                v.Status, v.PatientCode, v.PatientName, v.DoctorName, v.DepartmentId?.ToString(), v.ChiefComplaint, v.PrimaryDiagnosis,
            }.Select(Csv)));
        return TypedResults.Empty;
    }

    /// <summary>A CSV cell: quoted when needed, formula-looking text neutralised.</summary>
    static string Csv(string? value)
    {
        var v = PatientExport.Neutralise(value) ?? "";
        return v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{v.Replace("\"", "\"\"")}\"" : v;
    }

    static async Task<Ok<Paged<VitalsResponse>>> ListVitals(Guid id, [AsParameters] VitalsListQuery query, CarebaseDb db, Caller caller, AuditLog audit,
        CancellationToken ct)
    {
        if (query.IncludeDeleted == true && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted readings needs the permission '{PatientsDelete}'.");
        var rows = db.Set<Vitals>().AsNoTracking().Where(v => v.PatientId == id);
        if (query.IncludeDeleted != true) rows = rows.Where(v => v.DeletedAt == null);
        if (query.From is { } from) rows = rows.Where(v => v.RecordedAt >= from.ToUniversalTime());
        if (query.To is { } to) rows = rows.Where(v => v.RecordedAt < to.ToUniversalTime());
        var page = await rows.OrderByDescending(v => v.RecordedAt).ThenBy(v => v.Id).ToPagedAsync(query, VitalsResponse.From, ct);
        await audit.WriteAsync("VITALS_READ", "PATIENT", id, new { returned = page.Items.Select(v => v.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<VitalsResponse>> RecordVitals(Guid id, RecordVitalsRequest request, VisitDesk desk, HttpContext http, CancellationToken ct)
    {
        var v = await desk.RecordVitalsAsync(id, null, request, ct);
        ETags.Send(http, v.Version);
        return TypedResults.Created($"/api/v1/patients/{id}/vitals/{v.Id}", VitalsResponse.From(v));
    }

    static async Task<Ok<VitalsResponse>> GetVitals(Guid id, Guid vitalsId, VisitDesk desk, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var v = await desk.VitalsOfAsync(id, vitalsId, forChange: false, ct);
        await audit.WriteAsync("VITALS_READ", "PATIENT", id, new { vitalsId }, ct: ct);
        ETags.Send(http, v.Version);
        return TypedResults.Ok(VitalsResponse.From(v));
    }

    static async Task<Ok<VitalsResponse>> ReplaceVitals(Guid id, Guid vitalsId, RecordVitalsRequest request, VisitDesk desk, CarebaseDb db, Caller caller,
        AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var v = await desk.VitalsOfAsync(id, vitalsId, forChange: true, ct);
        ETags.Check(http, v.Version);
        if (v.DeletedAt is not null) throw new ConflictException("deleted", "The reading is deleted.");
        if (request.RecordedAt is { } at) v.RecordedAt = at;
        request.ApplyTo(v);
        var changes = AuditLog.ChangesOf(db.Entry(v));
        v.Touch(caller.UserId, time.GetUtcNow());
        audit.Record("VITALS_UPDATED", "PATIENT", id, new { vitalsId, changes });
        await db.SaveChangesAsync(ct);
        ETags.Send(http, v.Version);
        return TypedResults.Ok(VitalsResponse.From(v));
    }

    static async Task<NoContent> DeleteVitals(Guid id, Guid vitalsId, VisitDesk desk, CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time,
        CancellationToken ct)
    {
        var v = await desk.VitalsOfAsync(id, vitalsId, forChange: true, ct);
        if (v.DeletedAt is null)
        {
            v.SoftDelete(caller.UserId, time.GetUtcNow());
            audit.Record("VITALS_DELETED", "PATIENT", id, new { vitalsId });
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.NoContent();
    }

    static async Task<Ok<Paged<DiagnosisCodeResponse>>> Codes([AsParameters] DiagnosisCodeQuery query, CarebaseDb db, CancellationToken ct)
    {
        var codes = db.Set<DiagnosisCode>().AsNoTracking();
        var q = query.Q?.Trim();
        if (string.IsNullOrEmpty(q))
            return TypedResults.Ok(await codes.OrderBy(c => c.Code).ToPagedAsync(query, c => new DiagnosisCodeResponse(c.Code, c.Text, c.IsCustom), ct));
        var upper = q.ToUpperInvariant();
        var lower = q.ToLowerInvariant();
        // A code prefix, or every word of the description (typo tolerant through the trigram index).
        var matches = codes.Where(c => c.Code.StartsWith(upper)
            || EF.Functions.Like(c.Search, Like.Contains(lower))
            || EF.Functions.TrigramsWordSimilarity(lower, c.Search) > 0.5);
        return TypedResults.Ok(await matches.OrderByDescending(c => c.Code.StartsWith(upper))
            .ThenByDescending(c => EF.Functions.TrigramsWordSimilarity(lower, c.Search))
            .ThenBy(c => c.Code).ToPagedAsync(query, c => new DiagnosisCodeResponse(c.Code, c.Text, c.IsCustom), ct));
    }

    static async Task<Created<DiagnosisCodeResponse>> AddCode(AddDiagnosisCodeRequest request, CarebaseDb db, AuditLog audit, TimeProvider time,
        CancellationToken ct)
    {
        var code = new DiagnosisCode { Code = request.Code!.Trim().ToUpperInvariant(), Text = request.Text!.Trim(), IsCustom = true, CreatedAt = time.GetUtcNow() };
        db.Add(code);
        audit.Record("DIAGNOSIS_CODE_ADDED", "DIAGNOSIS_CODE", code.Code, new { code.Text });
        await db.SaveOrConflictAsync(ct, ("diagnosis_codes_pkey", () => new ConflictException("code_exists", "The code is already in the list.")));
        return TypedResults.Created($"/api/v1/diagnosis-codes?q={code.Code}", new DiagnosisCodeResponse(code.Code, code.Text, true));
    }
}

/// <summary>The doctor of a visit is on the patient's care team while it is open and for 30 days after it.</summary>
public sealed class VisitCareTeam : ICareTeamSource
{
    public string Sql(string now) => $"""
        SELECT v.patient_id, d.user_id, 'DOCTOR' AS role, 'VISIT' AS source, v.started_at AS since
        FROM visits v JOIN doctors d ON d.id = v.doctor_id
        WHERE v.status = 'IN_PROGRESS' OR v.started_at >= {now} - interval '30 days'
        """;
}
