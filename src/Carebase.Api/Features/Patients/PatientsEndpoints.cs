using System.Text.Json;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Patients;

/// <summary>Query string of the search and export routes.</summary>
public sealed record PatientSearchParameters(
    string? Q, string? Gender, int? AgeMin, int? AgeMax, string? BloodType, string? InsuranceType, string? City, string? State,
    string? MaritalStatus, string? PatientType, bool? IncludeDeleted, string? Sort, int? Page, int? PageSize)
{
    public PatientQuery ToQuery() => new(Q, Gender, AgeMin, AgeMax, BloodType, InsuranceType, City, State, MaritalStatus,
        PatientType, IncludeDeleted ?? false, Sort);
}

public static class PatientsEndpoints
{
    public static IServiceCollection AddPatients(this IServiceCollection services) => services
        .AddScoped<DuplicateFinder>().AddScoped<PatientMerge>().AddScoped<PatientRegistration>().AddScoped<PatientSearch>();

    public static RouteGroupBuilder MapPatients(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/patients").WithTags("Patients").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", Search).RequirePermission(PatientsRead)
            .WithSummary("Search patients: one box (name, typo tolerant and accent-insensitive; code; phone; email; national id), filters, sorting, paging");
        g.MapPost("/", Register).RequirePermission(PatientsWrite)
            .WithSummary("Register a patient (409 with candidates when it looks like a duplicate, unless allowDuplicate with a reason)");
        g.MapGet("/duplicates", Duplicates).RequirePermission(PatientsRead)
            .WithSummary("Ranked possible duplicates of a person (same national id, same phone, same birth date with a similar name)");
        g.MapGet("/export", Export).RequirePermission(PatientsExport)
            .WithSummary("Export the filtered list as CSV or Excel (streamed; cells that would run as formulas are neutralised)")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        g.MapGet("/{id:guid}", Get).RequirePermission(PatientsRead).WithSummary("A patient record (ETag for optimistic concurrency)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(PatientsWrite)
            .WithSummary("Change the fields present in the body (If-Match → 412 when stale); patients may change their own contact fields only");
        g.MapDelete("/{id:guid}", Delete).RequirePermission(PatientsDelete).WithSummary("Soft-delete a patient (restore brings it back)");
        g.MapPost("/{id:guid}/restore", Restore).RequirePermission(PatientsDelete).WithSummary("Restore a soft-deleted patient");
        g.MapPost("/{id:guid}/merge", Merge).RequirePermission(PatientsMerge)
            .WithSummary("Fold a duplicate record into this one: every reference moves here, the duplicate is soft-deleted pointing here");
        g.MapPost("/{id:guid}/portal-invite", PatientPortal.Invite).RequirePermission(PatientsWrite)
            .WithSummary("Give the patient a portal account (PATIENT role, linked to this record) and email a set-password link");
        api.MapPost("/auth/register-patient", PatientPortal.SelfRegister).Public().RequireRateLimiting(Platform.Operations.RateLimits.AuthPolicy)
            .WithTags("Auth").AddEndpointFilter<ValidationFilter>()
            .WithSummary("Self-registration of a patient where the hospital allows it: an account and an unverified patient record; confirm the email to sign in");
        return api;
    }

    static async Task<Ok<Paged<PatientListItem>>> Search([AsParameters] PatientSearchParameters parameters, Caller caller,
        PatientSearch search, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var query = parameters.ToQuery();
        query.Validate();
        var errors = new FieldErrors();
        Paging.Validate(parameters.Page, parameters.PageSize, errors);
        errors.ThrowIfAny();
        if (query.IncludeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted patients needs the permission '{PatientsDelete}'.");
        var (page, size, _) = Paging.Of(parameters.Page, parameters.PageSize);
        // A portal patient searches within their own record only.
        var onlyId = caller.IsPatient ? caller.PatientId ?? Guid.Empty : (Guid?)null;
        var result = await search.PageAsync(query, await clock.TodayAsync(ct), onlyId, page, size, ct);
        await audit.WriteAsync("patient.searched", "patient", null, new { filter = parameters, returned = result.Items.Select(i => i.Id) }, ct: ct);
        return TypedResults.Ok(result);
    }

    static async Task<Results<Created<PatientResponse>, ProblemHttpResult, ValidationProblem>> Register(
        RegisterPatientRequest request, Caller caller, PatientRegistration registration, TenantClock clock, HttpContext http, CancellationToken ct)
    {
        if (caller.IsPatient) return Problems.Forbidden("forbidden", "Patients cannot register other patients.");
        var patient = await registration.RegisterAsync(request, ct);
        http.Response.Headers.ETag = patient.ETag;
        return TypedResults.Created($"/api/v1/patients/{patient.Id}", PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Results<Ok<IReadOnlyList<DuplicateCandidate>>, ProblemHttpResult, ValidationProblem>> Duplicates(
        string? firstName, string? lastName, DateOnly? dateOfBirth, string? phone, string? nationalId, Caller caller,
        DuplicateFinder finder, AuditLog audit, CancellationToken ct)
    {
        if (caller.IsPatient) return Problems.Forbidden("forbidden", "Patients cannot search for duplicates.");
        if (string.IsNullOrWhiteSpace(nationalId) && string.IsNullOrWhiteSpace(phone) && dateOfBirth is null)
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["dateOfBirth"] = ["Give at least a date of birth (with a name), a phone or a national id."],
            });
        var found = await finder.FindAsync(new PersonKey(firstName, lastName, dateOfBirth, phone, nationalId), null, ct);
        await audit.WriteAsync("patient.duplicates_searched", "patient", null, new { returned = found.Select(c => c.Id) }, ct: ct);
        return TypedResults.Ok(found);
    }

    static async Task<Ok<PatientResponse>> Get(Guid id, Caller caller, CarebaseDb db, TenantClock clock, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var patient = await FindVisibleAsync(db, caller, id, ct, track: false);
        await audit.WriteAsync("patient.read", "patient", id, ct: ct);
        http.Response.Headers.ETag = patient.ETag;
        return TypedResults.Ok(PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Results<Ok<PatientResponse>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, JsonElement body, Caller caller, CarebaseDb db,
        PatientRegistration registration, TenantClock clock, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
            return Problems.Validation(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object with the fields to change."] });
        var present = body.EnumerateObject().Select(p => p.Name).ToHashSet();
        var errors = new FieldErrors();
        foreach (var unknown in present.Where(f => !PatientFields.All.Contains(f)))
            errors.Add(unknown, "This field does not exist or cannot be changed.");
        errors.ThrowIfAny();
        if (caller.IsPatient && present.Except(PatientFields.ContactFields).ToList() is { Count: > 0 } locked)
            return Problems.Forbidden("contact_fields_only", $"Patients can change their contact details only, not: {string.Join(", ", locked)}.");

        var patient = await FindVisibleAsync(db, caller, id, ct);
        if (!ETags.Matches(http.Request.Headers.IfMatch, patient.Version)) return Problems.PreconditionFailed();
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore it before changing it.");
        var fields = body.Deserialize<PatientFields>(JsonSerializerOptions.Web)!;
        var today = await clock.TodayAsync(ct);
        fields.Validate(errors, present, today);
        errors.ThrowIfAny();
        if (present.Contains("departmentId")) await registration.EnsureDepartmentAsync(fields.DepartmentId, ct);

        fields.ApplyTo(patient, present);
        var changes = AuditLog.ChangesOf(db.Entry(patient));
        if (changes.Count > 0)
        {
            patient.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("patient.updated", "patient", id, changes);
            await db.SaveChangesAsync(ct);
        }
        http.Response.Headers.ETag = patient.ETag;
        return TypedResults.Ok(PatientResponse.From(patient, today));
    }

    static async Task<NoContent> Delete(Guid id, Caller caller, CarebaseDb db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var patient = await FindVisibleAsync(db, caller, id, ct);
        patient.SoftDelete(caller.UserId, time.GetUtcNow());
        audit.Record("patient.deleted", "patient", id);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<PatientResponse>> Restore(Guid id, Caller caller, CarebaseDb db, TenantClock clock, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var patient = await FindVisibleAsync(db, caller, id, ct);
        patient.Restore(caller.UserId, time.GetUtcNow());
        audit.Record("patient.restored", "patient", id);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.ETag = patient.ETag;
        return TypedResults.Ok(PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Ok<MergeResponse>> Merge(Guid id, MergeRequest request, PatientMerge merge, CancellationToken ct) =>
        TypedResults.Ok(await merge.MergeAsync(id, request.DuplicateId!.Value, request.Reason!.Trim(), ct));

    static async Task<Results<EmptyHttpResult, ValidationProblem>> Export(
        string? format, [AsParameters] PatientSearchParameters parameters, Caller caller, PatientSearch search, TenantClock clock,
        AuditLog audit, HttpContext http, CancellationToken ct)
    {
        format ??= "csv";
        if (format is not ("csv" or "xlsx"))
            return Problems.Validation(new Dictionary<string, string[]> { ["format"] = ["Must be csv or xlsx."] });
        var query = parameters.ToQuery() with { Sort = "name" };
        query.Validate();
        if (query.IncludeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted patients needs the permission '{PatientsDelete}'.");
        // The export itself is the disclosure: audit it (with the filter) before any row leaves.
        await audit.WriteAsync("patient.exported", "patient", null, new { format, filter = parameters }, ct: ct);
        var today = await clock.TodayAsync(ct);
        var stamp = today.ToString("yyyyMMdd");
        if (format == "csv")
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"patients-{stamp}.csv\"";
            await PatientExport.WriteCsvAsync(search.StreamAsync(query, today, ct), http.Response.Body, ct);
            return TypedResults.Empty;
        }
        var file = Path.Combine(Path.GetTempPath(), $"carebase-export-{Guid.NewGuid():N}.xlsx");
        try
        {
            await using (var temp = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
                await PatientExport.WriteXlsxAsync(search.StreamAsync(query, today, ct), temp, ct);
            http.Response.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"patients-{stamp}.xlsx\"";
            await using var stream = File.OpenRead(file);
            http.Response.ContentLength = stream.Length;
            await stream.CopyToAsync(http.Response.Body, ct);
            return TypedResults.Empty;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A patient the caller may see: their own record for a portal patient; deleted ones only with patients:delete; else 404.</summary>
    internal static async Task<Patient> FindVisibleAsync(CarebaseDb db, Caller caller, Guid id, CancellationToken ct, bool track = true)
    {
        if (caller.IsPatient && caller.PatientId != id) throw new NotFoundException("The patient");
        var patients = track ? db.Set<Patient>() : db.Set<Patient>().AsNoTracking();
        var patient = await patients.SingleOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException("The patient");
        if (patient.IsDeleted && !caller.Has(PatientsDelete)) throw new NotFoundException("The patient");
        return patient;
    }
}
