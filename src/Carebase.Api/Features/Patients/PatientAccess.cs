using Carebase.Api.Platform.Audit;
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
/// A confidential patient's record opens only to its care team and to holders of an unexpired break-glass grant (403
/// <c>break_glass_required</c> for other staff; the audit entries of a request opened by a grant carry the grant's id).
/// </summary>
public sealed class PatientAccess(CarebaseDb db, Caller caller, CareTeam team, AuditLog audit)
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
        if (patient.Confidential) await EnsureOpenAsync(patient.Id, ct);
        return patient;
    }

    /// <summary>403 break_glass_required unless the caller is on the confidential patient's care team or holds a grant.</summary>
    async Task EnsureOpenAsync(Guid id, CancellationToken ct)
    {
        if (caller.IsPatient) return; // their own record (any other is 404 above)
        var access = await team.AccessAsync([id], caller.UserId, ct);
        if (!access.TryGetValue(id, out var how))
            throw new ForbiddenException("break_glass_required",
                "This patient is confidential: only the care team opens the record. Others with clinical rights may open it " +
                "for a limited time with POST /api/v1/patients/{id}/break-glass and a reason (audited and reported).");
        if (how != Guid.Empty) audit.BreakGlassGrantId = how;
    }

    /// <summary>
    /// Of the confidential patients among <paramref name="confidentialIds"/>, those the caller may not open: lists show
    /// them restricted (names and codes, no clinical or demographic detail). One round trip when there are any.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> HiddenAmongAsync(IReadOnlyCollection<Guid> confidentialIds, CancellationToken ct)
    {
        if (caller.IsPatient || confidentialIds.Count == 0) return new HashSet<Guid>();
        var access = await team.AccessAsync(confidentialIds, caller.UserId, ct);
        return confidentialIds.Where(id => !access.ContainsKey(id)).ToHashSet();
    }

    /// <summary>A search page with the confidential patients the caller may not open restricted.</summary>
    public async Task<Paged<PatientListItem>> RestrictAsync(Paged<PatientListItem> page, CancellationToken ct)
    {
        var hidden = await HiddenAmongAsync(page.Items.Where(i => i.Confidential).Select(i => i.Id).ToList(), ct);
        return hidden.Count == 0 ? page : page with { Items = page.Items.Select(i => hidden.Contains(i.Id) ? i.Restrict() : i).ToList() };
    }

    /// <summary>Every confidential patient of the hospital the caller may not open (few: exports leave them out).</summary>
    public async Task<IReadOnlySet<Guid>> HiddenConfidentialAsync(CancellationToken ct) =>
        await HiddenAmongAsync(await db.Set<Patient>().Where(p => p.Confidential).Select(p => p.Id).ToListAsync(ct), ct);

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
