using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Admissions;

/// <summary>Admissions as the API shows them: the list (no clinical detail) and the whole admission with its beds and summary.</summary>
public sealed class AdmissionReader(CarebaseDb db, Caller caller, PatientAccess access, TenantClock clock)
{
    sealed class Row
    {
        public required Admission Admission { get; init; }
        public required string PatientFirst { get; init; }
        public required string PatientLast { get; init; }
        public required string PatientCode { get; init; }
        public required bool Confidential { get; init; }
        public required string Department { get; init; }
        public required string DoctorFirst { get; init; }
        public required string DoctorLast { get; init; }
        public Guid? BedId { get; init; }
        public string? BedCode { get; init; }
        public Guid? WardId { get; init; }
        public string? WardName { get; init; }
    }

    IQueryable<Row> Rows() =>
        from a in db.Set<Admission>().AsNoTracking()
        join p in db.Set<Patient>().AsNoTracking() on a.PatientId equals p.Id
        join dep in db.Set<Department>().AsNoTracking() on a.DepartmentId equals dep.Id
        join d in db.Set<Doctor>().AsNoTracking() on a.PrimaryDoctorId equals d.Id
        join u in db.Users.AsNoTracking() on d.UserId equals u.Id
        let stay = db.Set<BedAssignment>().Where(b => b.AdmissionId == a.Id).OrderByDescending(b => b.StartedAt).FirstOrDefault()
        let bed = db.Set<Bed>().FirstOrDefault(b => stay != null && b.Id == stay.BedId)
        let ward = db.Set<Ward>().FirstOrDefault(w => stay != null && w.Id == stay.WardId)
        select new Row
        {
            Admission = a, PatientFirst = p.FirstName, PatientLast = p.LastName, PatientCode = p.PatientCode, Confidential = p.Confidential,
            Department = dep.Name, DoctorFirst = u.FirstName, DoctorLast = u.LastName,
            BedId = stay == null ? null : stay.BedId, BedCode = bed == null ? null : bed.Code,
            WardId = stay == null ? null : stay.WardId, WardName = ward == null ? null : ward.Name,
        };

    public async Task<Paged<AdmissionListItem>> ListAsync(AdmissionListQuery query, CancellationToken ct)
    {
        var rows = Rows();
        if (query.Status is { } status) rows = rows.Where(r => r.Admission.Status == status);
        if (query.PatientId is { } patientId) rows = rows.Where(r => r.Admission.PatientId == patientId);
        if (query.DepartmentId is { } departmentId) rows = rows.Where(r => r.Admission.DepartmentId == departmentId);
        if (query.WardId is { } wardId) rows = rows.Where(r => r.WardId == wardId);
        if (await DoctorRef.ResolveAsync(query.DoctorId, "doctorId", db, caller, ct) is { } doctorId)
            rows = rows.Where(r => r.Admission.PrimaryDoctorId == doctorId);
        var zone = await clock.ZoneAsync(ct);
        var now = clock.UtcNow;
        var page = await rows.OrderByDescending(r => r.Admission.AdmittedAt).ThenByDescending(r => r.Admission.Id)
            .ToPagedAsync(query, r => r, ct);
        var hidden = await access.HiddenAmongAsync(page.Items.Where(r => r.Confidential).Select(r => r.Admission.PatientId).Distinct().ToList(), ct);
        return new Paged<AdmissionListItem>(page.Items.Select(r =>
        {
            var a = r.Admission;
            return new AdmissionListItem(a.Id, a.PatientId, $"{r.PatientFirst} {r.PatientLast}".Trim(), r.PatientCode, hidden.Contains(a.PatientId),
                a.Status, a.Source, a.DepartmentId, r.Department, a.PrimaryDoctorId, $"{r.DoctorFirst} {r.DoctorLast}".Trim(), r.WardId, r.WardName,
                r.BedId, r.BedCode, a.AdmittedAt, a.DischargedAt, a.Disposition, BedDays.Midnights(a.AdmittedAt, a.DischargedAt ?? now, zone));
        }).ToList(), page.Page, page.PageSize, page.Total);
    }

    /// <summary>The whole admission (after the caller's gate: 404 / 403 break_glass_required).</summary>
    public async Task<AdmissionResponse> ResponseAsync(Guid id, CancellationToken ct)
    {
        var r = await Rows().SingleOrDefaultAsync(x => x.Admission.Id == id, ct) ?? throw new NotFoundException("The admission");
        await access.FindAsync(r.Admission.PatientId, ct);
        var a = r.Admission;
        var stays = await (from s in db.Set<BedAssignment>().AsNoTracking()
                           join b in db.Set<Bed>().AsNoTracking() on s.BedId equals b.Id
                           join w in db.Set<Ward>().AsNoTracking() on s.WardId equals w.Id
                           where s.AdmissionId == id
                           orderby s.StartedAt
                           select new BedStayResponse(s.Id, s.BedId, b.Code, s.WardId, w.Name, s.DailyCharge, s.StartedAt, s.EndedAt, s.Reason))
            .ToListAsync(ct);
        var invoiceId = await db.Set<Invoice>().Where(i => i.AdmissionId == id).OrderByDescending(i => i.CreatedAt).Select(i => (Guid?)i.Id)
            .FirstOrDefaultAsync(ct);
        var zone = await clock.ZoneAsync(ct);
        var summary = a.ConditionAtDischarge is null ? null
            : new DischargeSummaryResponse(a.FinalDiagnoses ?? [], a.Procedures ?? [], a.HospitalCourse, a.DischargeMedications ?? [], a.FollowUp,
                a.ConditionAtDischarge);
        return new AdmissionResponse(a.Id, a.PatientId, $"{r.PatientFirst} {r.PatientLast}".Trim(), r.PatientCode, a.Status, a.Source, a.VisitId,
            a.DepartmentId, r.Department, a.PrimaryDoctorId, $"{r.DoctorFirst} {r.DoctorLast}".Trim(), a.AdmittingDiagnosisCode, a.AdmittingDiagnosis,
            a.Notes, a.Status == AdmissionValues.Active ? r.WardId : null, a.Status == AdmissionValues.Active ? r.WardName : null,
            a.Status == AdmissionValues.Active ? r.BedId : null, a.Status == AdmissionValues.Active ? r.BedCode : null,
            a.AdmittedAt, a.DischargedAt, a.Disposition, BedDays.Midnights(a.AdmittedAt, a.DischargedAt ?? clock.UtcNow, zone), stays, summary,
            invoiceId, a.UpdatedAt, a.Version);
    }
}
