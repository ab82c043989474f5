using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// The one gate to patient records: which patients the caller may see. Staff see the hospital's patients (deleted ones
/// only with patients:delete); a portal patient sees their own record and nothing else. Anything else is 404, never
/// 403, so ids of records the caller may not see reveal nothing. Every route that names a patient goes through here —
/// directly, or by mapping under <see cref="MapPatientRoutes"/>, whose filter checks the <c>{id}</c> of the route first.
/// (Care teams and confidential patients will add their rules here, once, for every route.)
/// </summary>
public sealed class PatientAccess(CarebaseDb db, Caller caller)
{
    /// <summary>For a portal patient, the one record they may see (an unlinked account sees none); null for staff.</summary>
    public Guid? OnlyPatientId => caller.IsPatient ? caller.PatientId ?? Guid.Empty : null;

    /// <summary>The patient, or 404 when it does not exist here or the caller may not see it.</summary>
    public async Task<Patient> FindAsync(Guid id, CancellationToken ct, bool track = false)
    {
        if (OnlyPatientId is { } only && only != id) throw NotFound();
        var patients = track ? db.Set<Patient>() : db.Set<Patient>().AsNoTracking();
        var patient = await patients.SingleOrDefaultAsync(p => p.Id == id, ct) ?? throw NotFound();
        if (patient.IsDeleted && !caller.Has(PatientsDelete)) throw NotFound();
        return patient;
    }

    /// <summary>404 unless the patient exists, is not deleted and the caller may see it (booking, queueing, recording care).</summary>
    public async Task EnsureActiveAsync(Guid id, CancellationToken ct)
    {
        if ((OnlyPatientId is { } only && only != id) || !await db.Set<Patient>().AnyAsync(p => p.Id == id && p.DeletedAt == null, ct))
            throw NotFound();
    }

    static NotFoundException NotFound() => new("The patient");

    /// <summary>
    /// A route group under <c>/patients/{id}</c> for a patient's sub-resources (history, documents, …): before any handler
    /// runs, the patient named by the route must be one the caller may see (else 404). Later clinical areas map here.
    /// </summary>
    public static RouteGroupBuilder MapPatientRoutes(RouteGroupBuilder api, string tag) =>
        api.MapGroup("/patients/{id:guid}").WithTags(tag).AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.GetRouteValue("id") is string raw && Guid.TryParse(raw, out var id))
                await context.HttpContext.RequestServices.GetRequiredService<PatientAccess>().FindAsync(id, context.HttpContext.RequestAborted);
            return await next(context);
        });
}
