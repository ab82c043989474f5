using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// The one way another area writes something for an admission (a prescription, a lab order): the admission exists (404),
/// its patient passes the caller's gate (404 / 403 break_glass_required) and it is ACTIVE (409 admission_not_active).
/// Its row is locked to share for the caller's transaction, so a discharge waits for the record being written.
/// </summary>
public sealed class AdmissionLinks(CarebaseDb db, PatientAccess access)
{
    public sealed record ActiveAdmission(Guid Id, Guid PatientId, Guid PrimaryDoctorId);

    public async Task<ActiveAdmission> ActiveAsync(Guid admissionId, CancellationToken ct)
    {
        var admission = await db.Set<Admission>().FromSql($"SELECT * FROM admissions WHERE id = {admissionId} FOR SHARE").AsNoTracking()
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException("The admission");
        await access.FindAsync(admission.PatientId, ct);
        admission.EnsureActive();
        return new ActiveAdmission(admission.Id, admission.PatientId, admission.PrimaryDoctorId);
    }
}
