using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>Who wrote a prescription and for whom, as the answer and the printout name them.</summary>
public sealed record PrescriptionParties(string PatientName, string PatientCode, DateOnly DateOfBirth, string DoctorName, string LicenseNumber,
    string? Specialization);

/// <summary>Reads prescriptions for answers: one with its parties and the patient's allergy state, and the lists (restricted where they must be).</summary>
public sealed class PrescriptionReader(CarebaseDb db, Caller caller, PatientAccess access, AllergyStatements statements)
{
    public async Task<PrescriptionResponse> ResponseAsync(Prescription p, CancellationToken ct) =>
        Response(p, await PartiesAsync(p, ct), await AllergyStateAsync(p.PatientId, ct));

    public static PrescriptionResponse Response(Prescription p, PrescriptionParties parties, PrescriptionAllergyState allergies) =>
        new(p.Id, p.Code, p.Status, p.PatientId, parties.PatientName, parties.PatientCode, p.VisitId, p.AdmissionId, p.DoctorId, parties.DoctorName, p.Notes,
            p.Items.OrderBy(i => i.Position).Select(PrescriptionItemResponse.From).ToList(), p.Overrides, allergies, p.IssuedAt, p.IssuedBy,
            p.CancelledAt, p.CancelReason, p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy, p.Version);

    public Task<PrescriptionParties> PartiesAsync(Prescription p, CancellationToken ct) =>
        (from pt in db.Set<Patient>() where pt.Id == p.PatientId
         from d in db.Set<Doctor>() where d.Id == p.DoctorId
         join u in db.Users on d.UserId equals u.Id
         select new PrescriptionParties(pt.FirstName + " " + pt.LastName, pt.PatientCode, pt.DateOfBirth, u.FirstName + " " + u.LastName,
             d.LicenseNumber, d.Specialization)).SingleAsync(ct);

    /// <summary>The active allergies (most severe first); without any, whether "no known allergies" was recorded or nobody asked.</summary>
    public async Task<PrescriptionAllergyState> AllergyStateAsync(Guid patientId, CancellationToken ct)
    {
        var active = await db.Set<Allergy>().AsNoTracking().Where(a => a.PatientId == patientId && a.DeletedAt == null && a.Status == "ACTIVE")
            .OrderBy(a => a.Severity == "LIFE_THREATENING" ? 0 : a.Severity == "SEVERE" ? 1 : a.Severity == "MODERATE" ? 2 : 3).ThenBy(a => a.Substance)
            .Select(a => a.Severity == null ? a.Substance : a.Substance + " (" + a.Severity + ")").ToListAsync(ct);
        if (active.Count > 0) return new("HAS_ALLERGIES", "Allergies: " + string.Join(", ", active), active);
        return (await statements.StatusAsync(patientId, ct)).Status == "NO_KNOWN_ALLERGIES"
            ? new("NO_KNOWN_ALLERGIES", "No known allergies", [])
            : new("UNKNOWN", "Allergies not recorded", []);
    }

    public async Task<Paged<PrescriptionListItem>> ListAsync(PrescriptionListQuery q, CancellationToken ct)
    {
        var doctorId = await DoctorRef.ResolveAsync(q.DoctorId, "doctorId", db, caller, ct);
        var rows = db.Set<Prescription>().AsNoTracking();
        // A portal patient sees their own prescriptions once issued; drafts (and drafts discarded) are the doctor's work in progress.
        if (access.OnlyPatientId is { } self) rows = rows.Where(p => p.PatientId == self && p.IssuedAt != null);
        if (q.PatientId is { } patientId) rows = rows.Where(p => p.PatientId == patientId);
        if (q.VisitId is { } visitId) rows = rows.Where(p => p.VisitId == visitId);
        if (doctorId is { } doctor) rows = rows.Where(p => p.DoctorId == doctor);
        if (q.Status is { } status) rows = rows.Where(p => p.Status == status);
        var listed = from p in rows
                     join pt in db.Set<Patient>() on p.PatientId equals pt.Id
                     join d in db.Set<Doctor>() on p.DoctorId equals d.Id
                     join u in db.Users on d.UserId equals u.Id
                     select new Row
                     {
                         Id = p.Id, Code = p.Code, Status = p.Status, PatientId = p.PatientId, PatientCode = pt.PatientCode,
                         PatientName = pt.FirstName + " " + pt.LastName, VisitId = p.VisitId, DoctorId = p.DoctorId, DoctorName = u.FirstName + " " + u.LastName,
                         CreatedAt = p.CreatedAt, IssuedAt = p.IssuedAt, Confidential = pt.Confidential,
                     };
        return await listed.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id).ToPagedAsync<Row, PrescriptionListItem>(q, ItemsAsync, ct);
    }

    /// <summary>A page's rows with their medicines (one query); confidential patients the caller may not open are restricted.</summary>
    async Task<IReadOnlyList<PrescriptionListItem>> ItemsAsync(IReadOnlyList<Row> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var medicines = (await db.Set<PrescriptionItem>().AsNoTracking().Where(i => ids.Contains(i.PrescriptionId)).OrderBy(i => i.Position)
            .Select(i => new { i.PrescriptionId, i.Medicine }).ToListAsync(ct)).ToLookup(i => i.PrescriptionId, i => i.Medicine);
        var hidden = await access.HiddenAmongAsync(rows.Where(r => r.Confidential).Select(r => r.PatientId).Distinct().ToList(), ct);
        return rows.Select(r => new PrescriptionListItem(r.Id, r.Code, r.Status, r.PatientId, r.PatientCode, r.PatientName, r.VisitId, r.DoctorId,
            r.DoctorName, medicines[r.Id].Count(), hidden.Contains(r.PatientId) ? null : medicines[r.Id].ToList(), r.CreatedAt, r.IssuedAt,
            hidden.Contains(r.PatientId))).ToList();
    }

    /// <summary>A row as the query reads it (member initialisation, so it can be ordered in SQL).</summary>
    sealed class Row
    {
        public Guid Id { get; init; }
        public string? Code { get; init; }
        public string Status { get; init; } = "";
        public Guid PatientId { get; init; }
        public string PatientCode { get; init; } = "";
        public string PatientName { get; init; } = "";
        public Guid? VisitId { get; init; }
        public Guid DoctorId { get; init; }
        public string DoctorName { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? IssuedAt { get; init; }
        public bool Confidential { get; init; }
    }
}
