using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Visits;

/// <summary>Reads visits for answers: one visit with everything recorded in it, and the lists (restricted where they must be).</summary>
public sealed class VisitReader(CarebaseDb db, Caller caller, PatientAccess access)
{
    public async Task<VisitResponse> ResponseAsync(Visit v, CancellationToken ct)
    {
        var names = await (from p in db.Set<Patient>() where p.Id == v.PatientId
                           from d in db.Set<Doctor>() where d.Id == v.DoctorId
                           join u in db.Users on d.UserId equals u.Id
                           select new { Patient = p.FirstName + " " + p.LastName, Doctor = u.FirstName + " " + u.LastName }).SingleAsync(ct);
        var diagnoses = await db.Set<VisitDiagnosis>().AsNoTracking().Where(d => d.VisitId == v.Id && d.DeletedAt == null)
            .OrderByDescending(d => d.Kind == "PRIMARY").ThenBy(d => d.CreatedAt).ToListAsync(ct);
        var vitals = await db.Set<Vitals>().AsNoTracking().Where(x => x.VisitId == v.Id && x.DeletedAt == null).OrderBy(x => x.RecordedAt).ToListAsync(ct);
        var addenda = await (from a in db.Set<VisitAddendum>().AsNoTracking() where a.VisitId == v.Id
                             join u in db.Users on a.CreatedBy equals u.Id into authors
                             from u in authors.DefaultIfEmpty()
                             orderby a.CreatedAt, a.Id
                             select new AddendumResponse(a.Id, a.Text, a.CreatedAt, a.CreatedBy, u == null ? null : u.FirstName + " " + u.LastName)).ToListAsync(ct);
        return new VisitResponse(v.Id, v.PatientId, names.Patient, v.DoctorId, names.Doctor, v.DepartmentId, v.AppointmentId, v.QueueTokenId, v.Type,
            v.Status, v.ChiefComplaint, v.Subjective, v.Objective, v.Assessment, v.Plan, v.StartedAt, v.StartedBy, v.CompletedAt, v.CompletedBy,
            v.UpdatedAt, v.UpdatedBy, v.Version, diagnoses.Select(DiagnosisResponse.From).ToList(), vitals.Select(VitalsResponse.From).ToList(),
            addenda, false);
    }

    public async Task<Paged<VisitListItem>> ListAsync(VisitFilter filter, IPageQuery page, CancellationToken ct) =>
        await (await RowsAsync(filter, ct)).OrderByDescending(r => r.StartedAt).ThenBy(r => r.Id)
            .ToPagedAsync<Row, VisitListItem>(page, (rows, c) => RestrictAsync(rows.Select(r => r.Item()).ToList(), c), ct);

    /// <summary>Every visit of the filter, oldest first, read as it streams (the CSV report).</summary>
    public async IAsyncEnumerable<VisitListItem> StreamAsync(VisitFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var batch = new List<VisitListItem>(500);
        await foreach (var row in (await RowsAsync(filter, ct)).OrderBy(r => r.StartedAt).ThenBy(r => r.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            batch.Add(row.Item());
            if (batch.Count < 500) continue;
            foreach (var item in await RestrictAsync(batch, ct)) yield return item;
            batch.Clear();
        }
        foreach (var item in await RestrictAsync(batch, ct)) yield return item;
    }

    /// <summary>A row as the query reads it (member initialisation, so it can be ordered in SQL).</summary>
    sealed class Row
    {
        public Guid Id { get; init; }
        public DateTimeOffset StartedAt { get; init; }
        public DateTimeOffset? CompletedAt { get; init; }
        public string Status { get; init; } = "";
        public string Type { get; init; } = "";
        public Guid PatientId { get; init; }
        public string PatientCode { get; init; } = "";
        public string PatientName { get; init; } = "";
        public Guid DoctorId { get; init; }
        public string DoctorName { get; init; } = "";
        public Guid? DepartmentId { get; init; }
        public string? ChiefComplaint { get; init; }
        public string? PrimaryDiagnosis { get; init; }
        public bool Confidential { get; init; }

        public VisitListItem Item() => new(Id, StartedAt, CompletedAt, Status, Type, PatientId, PatientCode, PatientName, DoctorId, DoctorName,
            DepartmentId, ChiefComplaint, PrimaryDiagnosis, Confidential);
    }

    async Task<IQueryable<Row>> RowsAsync(VisitFilter f, CancellationToken ct)
    {
        var doctorId = await DoctorRef.ResolveAsync(f.DoctorId, "doctorId", db, caller, ct);
        var only = access.OnlyPatientId;
        var visits = db.Set<Visit>().AsNoTracking();
        if (only is { } self) visits = visits.Where(v => v.PatientId == self);
        if (f.PatientId is { } patientId) visits = visits.Where(v => v.PatientId == patientId);
        if (doctorId is { } doctor) visits = visits.Where(v => v.DoctorId == doctor);
        if (f.DepartmentId is { } dep) visits = visits.Where(v => v.DepartmentId == dep);
        if (f.Status is { } status) visits = visits.Where(v => v.Status == status);
        if (f.From is { } from) visits = visits.Where(v => v.StartedAt >= from.ToUniversalTime());
        if (f.To is { } to) visits = visits.Where(v => v.StartedAt < to.ToUniversalTime());
        return from v in visits
               join p in db.Set<Patient>() on v.PatientId equals p.Id
               join d in db.Set<Doctor>() on v.DoctorId equals d.Id
               join u in db.Users on d.UserId equals u.Id
               select new Row
               {
                   Id = v.Id, StartedAt = v.StartedAt, CompletedAt = v.CompletedAt, Status = v.Status, Type = v.Type, PatientId = v.PatientId,
                   PatientCode = p.PatientCode, PatientName = p.FirstName + " " + p.LastName, DoctorId = v.DoctorId,
                   DoctorName = u.FirstName + " " + u.LastName, DepartmentId = v.DepartmentId, ChiefComplaint = v.ChiefComplaint,
                   PrimaryDiagnosis = db.Set<VisitDiagnosis>().Where(x => x.VisitId == v.Id && x.Kind == "PRIMARY" && x.DeletedAt == null)
                       .Select(x => x.Code == null ? x.Text : x.Code + " " + x.Text).FirstOrDefault(),
                   Confidential = p.Confidential,
               };
    }

    /// <summary>Rows come out of the query with Restricted = "the patient is confidential"; here it becomes "the caller may not open it".</summary>
    async Task<IReadOnlyList<VisitListItem>> RestrictAsync(IReadOnlyList<VisitListItem> rows, CancellationToken ct)
    {
        var hidden = await access.HiddenAmongAsync(rows.Where(r => r.Restricted).Select(r => r.PatientId).Distinct().ToList(), ct);
        return rows.Select(r => hidden.Contains(r.PatientId)
            ? r with { ChiefComplaint = null, PrimaryDiagnosis = null, Restricted = true }
            : r with { Restricted = false }).ToList();
    }
}
