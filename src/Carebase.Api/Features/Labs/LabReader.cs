using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// Reads orders for answers: one order with its items, results (corrected ones included) and files, and the lists. A
/// portal patient gets only verified orders and, in them, only verified results (a value nobody checked yet is never
/// shown to the patient).
/// </summary>
public sealed class LabReader(CarebaseDb db, Caller caller, PatientAccess access)
{
    public async Task<LabOrderResponse> ResponseAsync(LabOrder o, CancellationToken ct)
    {
        var names = await (from p in db.Set<Patient>() where p.Id == o.PatientId
                           from d in db.Set<Doctor>() where d.Id == o.DoctorId
                           join u in db.Users on d.UserId equals u.Id
                           select new { p.PatientCode, Patient = p.FirstName + " " + p.LastName, Doctor = u.FirstName + " " + u.LastName }).SingleAsync(ct);
        var items = await db.Set<LabOrderItem>().AsNoTracking().Where(i => i.OrderId == o.Id).OrderBy(i => i.Position).ToListAsync(ct);
        var results = db.Set<LabResult>().AsNoTracking().Where(r => r.OrderId == o.Id);
        if (caller.IsPatient) results = results.Where(r => r.VerifiedAt != null);
        var byItem = (await results.ToListAsync(ct)).ToLookup(r => r.ItemId);
        var attachments = await db.Set<LabAttachment>().AsNoTracking().Where(a => a.OrderId == o.Id).OrderBy(a => a.CreatedAt).ToListAsync(ct);
        return new LabOrderResponse(o.Id, o.PatientId, names.PatientCode, names.Patient, o.VisitId, o.AdmissionId, o.DoctorId, names.Doctor,
            o.Priority, o.Status, o.ClinicalNote, o.SpecimenId, o.CollectedAt, o.CollectedBy, o.ResultedAt, o.VerifiedAt, o.VerifiedBy,
            o.CancelledAt, o.CancelReason, items.Where(i => i.Status != LabValues.Cancelled).Sum(i => i.Price), o.CreatedAt, o.CreatedBy,
            o.UpdatedAt, o.Version,
            items.Select(i => new LabItemResponse(i.Id, i.TestId, i.PanelId, i.TestCode, i.TestName, i.Price, i.Status,
                byItem[i.Id].OrderBy(r => r.Status == LabValues.Final ? 0 : 1).ThenByDescending(r => r.EnteredAt)
                    .Select(LabResultResponse.From).ToList())).ToList(),
            attachments.Select(LabAttachmentResponse.From).ToList());
    }

    /// <summary>A row as the query reads it (member initialisation, so it can be ordered in SQL).</summary>
    sealed class Row
    {
        public Guid Id { get; init; }
        public Guid PatientId { get; init; }
        public string PatientCode { get; init; } = "";
        public string PatientName { get; init; } = "";
        public Guid DoctorId { get; init; }
        public string DoctorName { get; init; } = "";
        public string Priority { get; init; } = "";
        public short PriorityRank { get; init; }
        public string Status { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public string? SpecimenId { get; init; }
        public DateTimeOffset? CollectedAt { get; init; }
        public DateTimeOffset? VerifiedAt { get; init; }
        public bool Confidential { get; init; }
    }

    public async Task<Paged<LabOrderListItem>> ListAsync(LabOrderQuery f, CancellationToken ct)
    {
        var doctorId = await DoctorRef.ResolveAsync(f.DoctorId, "doctorId", db, caller, ct);
        var orders = db.Set<LabOrder>().AsNoTracking();
        if (access.OnlyPatientId is { } self) orders = orders.Where(o => o.PatientId == self && o.VerifiedAt != null);
        if (f.PatientId is { } patientId) orders = orders.Where(o => o.PatientId == patientId);
        if (f.VisitId is { } visitId) orders = orders.Where(o => o.VisitId == visitId);
        if (doctorId is { } doctor) orders = orders.Where(o => o.DoctorId == doctor);
        if (f.Status is { } status) orders = orders.Where(o => o.Status == status);
        if (f.Priority is { } priority) orders = orders.Where(o => o.Priority == priority);
        var rows = from o in orders
                   join p in db.Set<Patient>() on o.PatientId equals p.Id
                   join d in db.Set<Doctor>() on o.DoctorId equals d.Id
                   join u in db.Users on d.UserId equals u.Id
                   select new Row
                   {
                       Id = o.Id, PatientId = o.PatientId, PatientCode = p.PatientCode, PatientName = p.FirstName + " " + p.LastName,
                       DoctorId = o.DoctorId, DoctorName = u.FirstName + " " + u.LastName, Priority = o.Priority, PriorityRank = o.PriorityRank,
                       Status = o.Status, CreatedAt = o.CreatedAt, SpecimenId = o.SpecimenId, CollectedAt = o.CollectedAt, VerifiedAt = o.VerifiedAt,
                       Confidential = p.Confidential,
                   };
        var ordered = f.Sort == "NEWEST"
            ? rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            : rows.OrderBy(r => r.PriorityRank).ThenBy(r => r.CreatedAt).ThenBy(r => r.Id);
        // Every filter is on the order and the joins cannot drop one (NOT NULL foreign keys): count the orders alone.
        return await ordered.ToPagedAsync<Row, LabOrder, LabOrderListItem>(orders, f, MapAsync, ct);
    }

    /// <summary>The page's rows with their tests (one query), confidential patients the caller may not open restricted.</summary>
    async Task<IReadOnlyList<LabOrderListItem>> MapAsync(IReadOnlyList<Row> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var tests = (await db.Set<LabOrderItem>().AsNoTracking().Where(i => ids.Contains(i.OrderId)).OrderBy(i => i.Position)
            .Select(i => new { i.OrderId, i.TestName }).ToListAsync(ct)).ToLookup(i => i.OrderId, i => i.TestName);
        var hidden = await access.HiddenAmongAsync(rows.Where(r => r.Confidential).Select(r => r.PatientId).Distinct().ToList(), ct);
        return rows.Select(r => new LabOrderListItem(r.Id, r.PatientId, r.PatientCode, r.PatientName, r.DoctorId, r.DoctorName, r.Priority, r.Status,
            r.CreatedAt, r.SpecimenId, r.CollectedAt, r.VerifiedAt, hidden.Contains(r.PatientId) ? [] : tests[r.Id].ToList(),
            hidden.Contains(r.PatientId))).ToList();
    }
}
