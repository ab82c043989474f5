using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;
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
    [property: MaxLength(200), Description("One box: a name (typo tolerant, accents ignored), a patient code, a phone, an email or a national id.")] string? Q,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.Genders)), Description("Only patients of this gender.")] string? Gender,
    [property: Range(0, 150), Description("Aged at least this many years.")] int? AgeMin,
    [property: Range(0, 150), Description("Aged at most this many years.")] int? AgeMax,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.BloodTypes)), Description("Only patients of this blood type.")] string? BloodType,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.InsuranceTypes)), Description("Only patients with this kind of insurance.")] string? InsuranceType,
    [property: MaxLength(100), Description("Only patients living in this city (case-insensitive).")] string? City,
    [property: MaxLength(100), Description("Only patients living in this state (case-insensitive).")] string? State,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.MaritalStatuses)), Description("Only patients of this marital status.")] string? MaritalStatus,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.PatientTypes)), Description("Only outpatients (OPD) or inpatients (IPD).")] string? PatientType,
    [property: Description("Include soft-deleted records (default false).")] bool? IncludeDeleted,
    [property: OneOf(typeof(PatientQuery), nameof(PatientQuery.Sorts)), Description("Order: relevance (default with a search), name (default without), created or lastVisit.")] string? Sort,
    int? Page, int? PageSize) : IPageQuery
{
    public PatientQuery ToQuery() => new(Q, Gender, AgeMin, AgeMax, BloodType, InsuranceType, City, State, MaritalStatus,
        PatientType, IncludeDeleted ?? false, Sort);
}

/// <summary>Query string of the duplicate search: at least a date of birth (with a name), a phone or a national id.</summary>
public sealed record DuplicateQuery(
    [property: Description("First name of the person (compared typo-tolerantly).")] string? FirstName,
    [property: Description("Last name of the person (compared typo-tolerantly).")] string? LastName,
    [property: Description("Date of birth (YYYY-MM-DD); with a name, finds records born that day with a similar name.")] DateOnly? DateOfBirth,
    [property: Description("Phone number: finds records with the same digits.")] string? Phone,
    [property: Description("National id: finds records with the same one.")] string? NationalId,
    int? Page, int? PageSize) : IPageQuery;

public static class PatientsEndpoints
{
    public static IServiceCollection AddPatients(this IServiceCollection services) => services
        .AddScoped<PatientAccess>().AddScoped<DuplicateFinder>().AddScoped<PatientMerge>().AddScoped<PatientRegistration>().AddScoped<PatientSearch>();

    public static RouteGroupBuilder MapPatients(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/patients").WithTags("Patients").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", Search).RequirePermission(PatientsRead)
            .WithSummary("Search patients: one box (name, typo tolerant and accent-insensitive; code; phone; email; national id), filters, sorting, paging");
        g.MapPost("/", Register).RequirePermission(PatientsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Register a patient (409 with candidates when it looks like a duplicate, unless allowDuplicate with a reason)");
        g.MapGet("/duplicates", Duplicates).RequirePermission(PatientsRead).ForStaffOnly()
            .WithSummary("Ranked possible duplicates of a person (same national id, same phone, same birth date with a similar name)");
        g.MapGet("/export", Export).RequirePermission(PatientsExport)
            .WithSummary("Export the filtered list as CSV or Excel (streamed; cells that would run as formulas are neutralised)")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        g.MapGet("/{id:guid}", Get).RequirePermission(PatientsRead).WithSummary("A patient record (ETag for optimistic concurrency)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(PatientsWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change the fields present in the body (If-Match → 412 when stale); patients may change their own contact fields only");
        g.MapDelete("/{id:guid}", Delete).RequirePermission(PatientsDelete).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Soft-delete a patient (restore brings it back)");

        var record = PatientAccess.MapPatientRoutes(api, "Patients").AddEndpointFilter<ValidationFilter>();
        record.MapPost("/restore", Restore).RequirePermission(PatientsDelete).ProducesProblem(409).WithSummary("Restore a soft-deleted patient");
        record.MapPost("/merge", Merge).RequirePermission(PatientsMerge).ProducesProblem(409)
            .WithSummary("Fold a duplicate record into this one: every reference moves here, the duplicate is soft-deleted pointing here");
        record.MapPost("/portal-invite", PatientPortal.Invite).RequirePermission(PatientsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Give the patient a portal account (PATIENT role, linked to this record) and email a set-password link (the body is optional)");
        api.MapPost("/auth/register-patient", PatientPortal.SelfRegister).Public().RequireRateLimiting(Platform.Operations.RateLimits.AuthPolicy)
            .WithTags("Auth").AddEndpointFilter<ValidationFilter>().ProducesProblem(409)
            .WithSummary("Self-registration of a patient where the hospital allows it: an account and an unverified patient record; confirm the email to sign in");
        return api;
    }

    static async Task<Ok<Paged<PatientListItem>>> Search([AsParameters] PatientSearchParameters parameters, Caller caller,
        PatientAccess access, PatientSearch search, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var query = parameters.ToQuery();
        query.Validate();
        var (page, size, _) = Paging.Of(parameters);
        if (query.IncludeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted patients needs the permission '{PatientsDelete}'.");
        var result = await access.RestrictAsync(await search.PageAsync(query, await clock.TodayAsync(ct), access.OnlyPatientId, page, size, ct), ct);
        await audit.WriteAsync("patient.searched", "patient", null, new { filter = parameters, returned = result.Items.Select(i => i.Id) }, ct: ct);
        return TypedResults.Ok(result);
    }

    static async Task<Created<PatientResponse>> Register(RegisterPatientRequest request, PatientRegistration registration,
        Caller caller, TenantClock clock, HttpContext http, CancellationToken ct)
    {
        EnsureMayMarkConfidential(request, caller);
        var patient = await registration.RegisterAsync(request, ct);
        ETags.Send(http, patient.Version);
        return TypedResults.Created($"/api/v1/patients/{patient.Id}", PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Ok<Paged<DuplicateCandidate>>> Duplicates([AsParameters] DuplicateQuery query, DuplicateFinder finder,
        AuditLog audit, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(query.NationalId) && string.IsNullOrWhiteSpace(query.Phone) && query.DateOfBirth is null)
            throw new ValidationException("dateOfBirth", "Give at least a date of birth (with a name), a phone or a national id.");
        var found = await finder.FindAsync(new PersonKey(query.FirstName, query.LastName, query.DateOfBirth, query.Phone, query.NationalId), null, ct);
        var page = found.ToPaged(query);
        await audit.WriteAsync("patient.duplicates_searched", "patient", null, new { returned = page.Items.Select(c => c.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Ok<PatientResponse>> Get(Guid id, PatientAccess access, TenantClock clock, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct);
        await audit.WriteAsync("patient.read", "patient", id, ct: ct);
        ETags.Send(http, patient.Version);
        return TypedResults.Ok(PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Ok<PatientResponse>> Update(Guid id, UpdatePatientRequest request, Caller caller, CarebaseDb db, PatientAccess access,
        PatientRegistration registration, TenantClock clock, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (caller.IsPatient && request.SentBeyond(PatientFields.ContactFields) is { Count: > 0 } locked)
            throw new ForbiddenException("contact_fields_only", $"Patients can change their contact details only, not: {string.Join(", ", locked)}.");

        EnsureMayMarkConfidential(request, caller);
        var patient = await access.FindAsync(id, ct, track: true);
        ETags.Check(http, patient.Version);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore it before changing it.");
        var today = await clock.TodayAsync(ct);
        var errors = new FieldErrors();
        request.ValidateBirthDate(errors, today);
        errors.ThrowIfAny();
        if (request.Has(nameof(request.DepartmentId))) await registration.EnsureDepartmentAsync(request.DepartmentId, ct);

        var wasConfidential = patient.Confidential;
        request.ApplyTo(patient);
        var changes = AuditLog.ChangesOf(db.Entry(patient));
        if (changes.Count > 0)
        {
            patient.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("patient.updated", "patient", id, changes);
            if (patient.Confidential != wasConfidential)
                audit.Record("PATIENT_CONFIDENTIALITY_CHANGED", "PATIENT", id, new { confidential = new { from = wasConfidential, to = patient.Confidential } });
            await db.SaveChangesAsync(ct);
        }
        ETags.Send(http, patient.Version);
        return TypedResults.Ok(PatientResponse.From(patient, today));
    }

    /// <summary>Marking a patient confidential (or lifting it) needs patients:confidential.</summary>
    static void EnsureMayMarkConfidential(PatientFields request, Caller caller)
    {
        var marks = request.Has(nameof(request.Confidential)) && (request.Confidential == true || request is UpdatePatientRequest);
        if (marks && !caller.Has(PatientsConfidential))
            throw new ForbiddenException("forbidden", $"Marking a patient confidential needs the permission '{PatientsConfidential}'.");
    }

    static async Task<NoContent> Delete(Guid id, Caller caller, CarebaseDb db, PatientAccess access, AuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct, track: true);
        ETags.Check(http, patient.Version);
        patient.SoftDelete(caller.UserId, time.GetUtcNow());
        audit.Record("patient.deleted", "patient", id);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<PatientResponse>> Restore(Guid id, Caller caller, CarebaseDb db, PatientAccess access, TenantClock clock, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct, track: true);
        patient.Restore(caller.UserId, time.GetUtcNow());
        audit.Record("patient.restored", "patient", id);
        await db.SaveChangesAsync(ct);
        ETags.Send(http, patient.Version);
        return TypedResults.Ok(PatientResponse.From(patient, await clock.TodayAsync(ct)));
    }

    static async Task<Ok<MergeResponse>> Merge(Guid id, MergeRequest request, PatientMerge merge, CancellationToken ct) =>
        TypedResults.Ok(await merge.MergeAsync(id, request.DuplicateId!.Value, request.Reason!.Trim(), ct));

    static async Task<EmptyHttpResult> Export([Description("csv (the default) or xlsx.")] string? format, [AsParameters] PatientSearchParameters parameters, Caller caller,
        PatientSearch search, PatientAccess access, TenantClock clock, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        format ??= "csv";
        if (format is not ("csv" or "xlsx")) throw new ValidationException("format", "Must be csv or xlsx.");
        var query = parameters.ToQuery() with { Sort = "name" };
        query.Validate();
        if (query.IncludeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted patients needs the permission '{PatientsDelete}'.");
        // The export itself is the disclosure: audit it (with the filter) before any row leaves.
        await audit.WriteAsync("patient.exported", "patient", null, new { format, filter = parameters }, ct: ct);
        var today = await clock.TodayAsync(ct);
        var stamp = today.ToString("yyyyMMdd");
        // Confidential patients the caller may not open are left out of the file.
        var hidden = await access.HiddenConfidentialAsync(ct);
        var rows = search.StreamAsync(query, today, ct).Where(r => !hidden.Contains(r.Id));
        if (format == "csv")
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"patients-{stamp}.csv\"";
            await PatientExport.WriteCsvAsync(rows, http.Response.Body, ct);
            return TypedResults.Empty;
        }
        var file = Path.Combine(Path.GetTempPath(), $"carebase-export-{Guid.NewGuid():N}.xlsx");
        try
        {
            await using (var temp = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
                await PatientExport.WriteXlsxAsync(rows, temp, ct);
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
}
