using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// The medication administration record of an admission: nurses and doctors chart each prescription item given (dose,
/// route, time) or not given (NOT_GIVEN, HELD, REFUSED, with a reason). Only while the admission is ACTIVE (409
/// admission_not_active) and only for an item of an issued prescription written for this admission (409
/// prescription_not_issued for a draft or a cancelled one; 422 for another admission's). Entries are append-only; a
/// correction is a new entry naming the one it corrects (409 already_corrected the second time).
/// </summary>
/// <remarks>Locks, in this order and only to share: the admission row (a discharge waits), then the prescription row (a cancel waits).</remarks>
public sealed class MedicationRecord(CarebaseDb db, Caller caller, PatientAccess access, AuditLog audit, TimeProvider time)
{
    static readonly string[] Chartable = [PrescriptionStatuses.Issued, PrescriptionStatuses.PartiallyDispensed, PrescriptionStatuses.Dispensed];

    public async Task<Guid> ChartAsync(Guid admissionId, ChartMedicationRequest r, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var at = r.AdministeredAt is { } sent ? Microseconds.Truncate(sent.ToUniversalTime()) : now;
        if (at > now) throw new ValidationException("administeredAt", "Must not be in the future.");
        var patientId = await GateAsync(admissionId, ct);
        var found = await (from i in db.Set<PrescriptionItem>().AsNoTracking()
                           join p in db.Set<Prescription>().AsNoTracking() on i.PrescriptionId equals p.Id
                           where i.Id == r.PrescriptionItemId!.Value
                           select new { Item = i, p.PatientId, p.AdmissionId }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The prescription item");
        if (found.AdmissionId != admissionId || found.PatientId != patientId)
            throw new ValidationException("prescriptionItemId", "The item is of a prescription not written for this admission.");
        var item = found.Item;
        var (amount, unit, dose, route) = Dose(r, item);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var admission = await db.Set<Admission>().FromSql($"SELECT * FROM admissions WHERE id = {admissionId} FOR SHARE").AsNoTracking()
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException("The admission");
        admission.EnsureActive();
        var prescription = await db.Set<Prescription>().FromSql($"SELECT * FROM prescriptions WHERE id = {item.PrescriptionId} FOR SHARE").AsNoTracking()
            .Select(p => new { p.Status }).SingleAsync(ct);
        if (!Chartable.Contains(prescription.Status))
            throw new ConflictException("prescription_not_issued",
                $"The prescription is {prescription.Status}; only what an issued prescription orders is given.",
                new Dictionary<string, object?> { ["currentStatus"] = prescription.Status });
        if (at < admission.AdmittedAt)
            throw new ValidationException("administeredAt", $"Must not be before the admission ({admission.AdmittedAt:O}).");
        if (r.CorrectsId is { } corrects
            && !await db.Set<MedicationAdministration>().AnyAsync(m => m.Id == corrects && m.AdmissionId == admissionId, ct))
            throw new ValidationException("correctsId", "Not an entry of this admission's record.");

        var entry = new MedicationAdministration
        {
            PatientId = patientId, AdmissionId = admissionId, PrescriptionId = item.PrescriptionId, PrescriptionItemId = item.Id, Status = r.Status!,
            DoseAmount = amount, DoseUnit = unit, Dose = dose, Route = route, AdministeredAt = at, Reason = Input.Clean(r.Reason),
            Notes = Input.Clean(r.Notes), CorrectsId = r.CorrectsId, RecordedAt = now, RecordedBy = caller.UserId,
        };
        db.Add(entry);
        audit.Record(r.CorrectsId is null ? "MEDICATION_ADMINISTRATION_RECORDED" : "MEDICATION_ADMINISTRATION_CORRECTED", "MEDICATION_ADMINISTRATION",
            entry.Id, new
            {
                entry.AdmissionId, entry.PatientId, entry.PrescriptionId, entry.PrescriptionItemId, entry.Status, entry.DoseAmount, entry.DoseUnit,
                entry.Dose, entry.Route, entry.AdministeredAt, entry.Reason, entry.CorrectsId,
            });
        await db.SaveOrConflictAsync(ct, ("medication_administrations_one_correction",
            () => new ConflictException("already_corrected", "That entry was corrected already; correct the correction instead.")));
        await tx.CommitAsync(ct);
        return entry.Id;
    }

    /// <summary>GIVEN: what was sent, else the prescribed dose and route; otherwise nothing (the contract refused a dose already).</summary>
    static (decimal?, string?, string?, string?) Dose(ChartMedicationRequest r, PrescriptionItem item)
    {
        if (r.Status != MarStatuses.Given) return (null, null, null, null);
        var route = Input.Clean(r.Route) ?? item.Route;
        if (Input.Clean(r.Dose) is { } text) return (null, null, text, route);
        if (r.DoseAmount is { } amount)
            return (amount, Input.Clean(r.DoseUnit) ?? item.DoseUnit ?? throw new ValidationException("doseUnit", "Required: the item prescribes no unit."),
                null, route);
        if (item.DoseAmount is not null && item.DoseUnit is not null) return (item.DoseAmount, item.DoseUnit, null, route);
        if (item.Dose is not null) return (null, null, item.Dose, route);
        throw new ValidationException("doseAmount", "Required: give the dose given (doseAmount with doseUnit, or dose as text).");
    }

    /// <summary>The admission's patient through the gate (404 / 403 break_glass_required).</summary>
    async Task<Guid> GateAsync(Guid admissionId, CancellationToken ct)
    {
        var patientId = await db.Set<Admission>().Where(a => a.Id == admissionId).Select(a => (Guid?)a.PatientId).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The admission");
        await access.FindAsync(patientId, ct);
        return patientId;
    }

    /// <summary>The admission's prescriptions (drafts included) and lab orders, newest first, after the gate.</summary>
    public async Task<AdmissionOrdersResponse> OrdersAsync(Guid admissionId, CancellationToken ct)
    {
        await GateAsync(admissionId, ct);
        var prescriptions = await db.Set<Prescription>().AsNoTracking().Include(p => p.Items).Where(p => p.AdmissionId == admissionId)
            .OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).ToListAsync(ct);
        var orders = await db.Set<Labs.LabOrder>().AsNoTracking().Where(o => o.AdmissionId == admissionId)
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).ToListAsync(ct);
        var orderIds = orders.Select(o => o.Id).ToList();
        var tests = (await db.Set<Labs.LabOrderItem>().AsNoTracking().Where(i => orderIds.Contains(i.OrderId)).OrderBy(i => i.Position).ToListAsync(ct))
            .ToLookup(i => i.OrderId, i => i.TestName);
        return new AdmissionOrdersResponse(admissionId,
            prescriptions.Select(p => new AdmissionPrescription(p.Id, p.Code, p.Status, p.DoctorId, p.CreatedAt, p.IssuedAt,
                p.Items.OrderBy(i => i.Position).Select(i => new AdmissionPrescriptionItem(i.Id, i.Position, i.Medicine, Prescribed(i), i.Frequency, i.Route,
                    i.DurationDays, i.Quantity, i.QuantityDispensed, i.Instructions)).ToList())).ToList(),
            orders.Select(o => new AdmissionLabOrder(o.Id, o.Status, o.Priority, o.DoctorId, o.CreatedAt, o.VerifiedAt, [.. tests[o.Id]])).ToList());
    }

    static string? Prescribed(PrescriptionItem i) => i.DoseAmount is { } a ? $"{a:0.###} {i.DoseUnit}".Trim() : i.Dose;

    sealed class Row
    {
        public required MedicationAdministration Entry { get; init; }
        public required string? Code { get; init; }
        public required PrescriptionItem Item { get; init; }
        public Guid? SupersededBy { get; init; }
        public string? First { get; init; }
        public string? Last { get; init; }
    }

    IQueryable<Row> Rows(Guid admissionId) =>
        from m in db.Set<MedicationAdministration>().AsNoTracking()
        join i in db.Set<PrescriptionItem>().AsNoTracking() on m.PrescriptionItemId equals i.Id
        join p in db.Set<Prescription>().AsNoTracking() on m.PrescriptionId equals p.Id
        join u in db.Users.AsNoTracking() on m.RecordedBy equals (Guid?)u.Id into us
        from u in us.DefaultIfEmpty()
        where m.AdmissionId == admissionId
        select new Row
        {
            Entry = m, Code = p.Code, Item = i, First = u == null ? null : u.FirstName, Last = u == null ? null : u.LastName,
            SupersededBy = db.Set<MedicationAdministration>().Where(c => c.CorrectsId == m.Id).Select(c => (Guid?)c.Id).FirstOrDefault(),
        };

    public async Task<Paged<MedicationAdministrationResponse>> ListAsync(Guid admissionId, MedicationAdministrationListQuery query, CancellationToken ct)
    {
        await GateAsync(admissionId, ct);
        var rows = Rows(admissionId);
        if (query.PrescriptionItemId is { } itemId) rows = rows.Where(r => r.Entry.PrescriptionItemId == itemId);
        if (query.IncludeSuperseded == false) rows = rows.Where(r => r.SupersededBy == null);
        return await rows.OrderByDescending(r => r.Entry.AdministeredAt).ThenByDescending(r => r.Entry.Id).ToPagedAsync(query, Map, ct);
    }

    public async Task<MedicationAdministrationResponse> FindAsync(Guid admissionId, Guid id, CancellationToken ct) =>
        Map(await Rows(admissionId).SingleAsync(r => r.Entry.Id == id, ct));

    static MedicationAdministrationResponse Map(Row r)
    {
        var (m, i) = (r.Entry, r.Item);
        var prescribed = Prescribed(i);
        var by = r.First is null && r.Last is null ? null : $"{r.First} {r.Last}".Trim();
        return new MedicationAdministrationResponse(m.Id, m.AdmissionId, m.PatientId, m.PrescriptionId, r.Code, m.PrescriptionItemId, i.Medicine, prescribed,
            i.Frequency, m.Status, m.DoseAmount, m.DoseUnit, m.Dose, m.Route, m.AdministeredAt, m.Reason, m.Notes, m.CorrectsId, r.SupersededBy,
            m.RecordedAt, m.RecordedBy, by);
    }
}

/// <summary>
/// The medication administration record on the patient's timeline: each entry (given, or not and why); an entry a
/// correction superseded is hidden (the correction shows instead).
/// </summary>
public sealed class MedicationAdministrationsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["MEDICATION_ADMINISTRATION"];

    public string Sql(string staff) => """
        SELECT m.patient_id, m.administered_at AS occurred_at, 'MEDICATION_ADMINISTRATION'::text AS type, m.id,
               CASE m.status WHEN 'GIVEN' THEN 'Given: ' ELSE 'Not given (' || m.status || '): ' END || i.medicine AS title,
               CASE m.status WHEN 'GIVEN' THEN concat_ws(', ', coalesce(rtrim(rtrim(m.dose_amount::text, '0'), '.') || ' ' || m.dose_unit, m.dose), m.route)
                    ELSE m.reason END AS detail,
               EXISTS (SELECT 1 FROM medication_administrations c WHERE c.corrects_id = m.id) AS hidden
        FROM medication_administrations m JOIN prescription_items i ON i.id = m.prescription_item_id
        """;
}
