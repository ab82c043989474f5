using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// Admit, transfer and discharge. What a request can be told up front (the patient, doctor, department, visit and bed
/// exist; times make sense) is checked before any lock; then rows are locked late and in one order — the admission row,
/// then the beds in id order — and the database answers for the rest: one ACTIVE admission per patient and one
/// occupant per bed at any instant (409 patient_already_admitted / bed_occupied, also under concurrent requests). The
/// bed's status, the patient's OPD/IPD type and the bed-day charges (with the medicine dispensed for the admission and not
/// billed yet) move in the same transaction.
/// </summary>
public sealed class AdmissionDesk(CarebaseDb db, Caller caller, PatientAccess access, AuditLog audit, TimeProvider time, TenantClock clock,
    InvoiceDesk invoices)
{
    public async Task<Admission> AdmitAsync(AdmitRequest r, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var at = Instant(r.AdmittedAt, "admittedAt", now);
        var patient = await access.FindAsync(r.PatientId!.Value, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        var doctor = await DoctorAsync(r.PrimaryDoctorId!.Value, ct);
        var departmentId = r.DepartmentId ?? doctor.DepartmentId
            ?? throw new ValidationException("departmentId", "Required: the primary doctor belongs to no department.");
        await EnsureDepartmentAsync(departmentId, ct);
        if (r.VisitId is { } visitId)
        {
            var visitPatient = await db.Set<Visit>().Where(v => v.Id == visitId).Select(v => (Guid?)v.PatientId).SingleOrDefaultAsync(ct)
                ?? throw new NotFoundException("The visit");
            if (visitPatient != patient.Id) throw new ValidationException("visitId", "The visit is of another patient.");
        }
        var ward = r.BedId is { } wanted ? await WardOfBedAsync(wanted, ct) : null;

        await using var tx = await db.BeginOrJoinAsync(ct);
        var admission = Admission.Admit(patient.Id, r.Source!, r.VisitId, departmentId, r.PrimaryDoctorId.Value, Code(r.AdmittingDiagnosisCode),
            r.AdmittingDiagnosis!.Trim(), Input.Clean(r.Notes), at, caller.UserId, now);
        db.Add(admission);
        BedAssignment? stay = null;
        if (r.BedId is { } bedId)
        {
            var bed = (await LockBedsAsync([bedId], ct))[bedId];
            bed.Occupy(now);
            stay = new BedAssignment
            {
                AdmissionId = admission.Id, PatientId = patient.Id, BedId = bedId, WardId = ward!.Id, DailyCharge = ward.DailyCharge,
                StartedAt = at, Reason = "ADMISSION", CreatedBy = caller.UserId,
            };
            db.Add(stay);
        }
        audit.Record("ADMISSION_CREATED", "ADMISSION", admission.Id, new
        {
            admission.PatientId, admission.Source, admission.VisitId, admission.DepartmentId, admission.PrimaryDoctorId,
            admission.AdmittingDiagnosisCode, admission.AdmittedAt, bedId = r.BedId, patientType = "IPD",
        });
        await db.SaveOrConflictAsync(ct, Admissions.Constraints);
        await SetPatientTypeAsync(patient.Id, "IPD", now, ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return admission;
    }

    public async Task<Admission> TransferAsync(Guid id, TransferRequest r, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await GateAsync(id, ct);
        if (r.PrimaryDoctorId is { } doctorId) await DoctorAsync(doctorId, ct);
        if (r.DepartmentId is { } departmentId) await EnsureDepartmentAsync(departmentId, ct);
        var ward = r.BedId is { } wanted ? await WardOfBedAsync(wanted, ct) : null;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var admission = await LockAdmissionAsync(id, ct);
        admission.EnsureActive();
        var current = await db.Set<BedAssignment>().SingleOrDefaultAsync(b => b.AdmissionId == id && b.EndedAt == null, ct);
        var from = new { admission.DepartmentId, admission.PrimaryDoctorId, bedId = current?.BedId };
        if (r.BedId is { } bedId)
        {
            if (current?.BedId == bedId) throw new ValidationException("bedId", "The patient is in this bed already.");
            var beds = await LockBedsAsync(current is null ? [bedId] : [bedId, current.BedId], ct);
            beds[bedId].Occupy(now);
            var at = current is not null && current.StartedAt > now ? current.StartedAt : now;
            if (current is not null)
            {
                current.End(at);
                beds[current.BedId].Leave(now);
                // The old stay closes before the new one opens (an admission holds one bed at a time).
                await db.SaveOrConflictAsync(ct, Admissions.Constraints);
            }
            db.Add(new BedAssignment
            {
                AdmissionId = id, PatientId = admission.PatientId, BedId = bedId, WardId = ward!.Id, DailyCharge = ward.DailyCharge,
                StartedAt = at, Reason = "TRANSFER", CreatedBy = caller.UserId,
            });
        }
        if (r.DepartmentId is { } department) admission.DepartmentId = department;
        if (r.PrimaryDoctorId is { } doc) admission.PrimaryDoctorId = doc;
        admission.Touch(caller.UserId, now);
        audit.Record("ADMISSION_TRANSFERRED", "ADMISSION", id, new
        {
            from, to = new { admission.DepartmentId, admission.PrimaryDoctorId, bedId = r.BedId ?? from.bedId }, reason = Input.Clean(r.Reason),
        });
        await db.SaveOrConflictAsync(ct, Admissions.Constraints);
        await tx.CommitAsync(ct);
        return admission;
    }

    public async Task<Admission> DischargeAsync(Guid id, DischargeRequest r, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var at = Instant(r.DischargedAt, "dischargedAt", now);
        await GateAsync(id, ct);
        var zone = await clock.ZoneAsync(ct);
        var rule = await db.Set<BillingSettings>().Select(s => s.BedDayRule).SingleAsync(ct);
        var currency = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant).Select(t => t.Currency).SingleAsync(ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var admission = await LockAdmissionAsync(id, ct);
        admission.EnsureActive();
        var stays = await db.Set<BedAssignment>().Where(b => b.AdmissionId == id).OrderBy(b => b.StartedAt).ToListAsync(ct);
        var lastMove = stays.Count > 0 ? stays[^1].StartedAt : admission.AdmittedAt;
        if (at < lastMove || at < admission.AdmittedAt)
            throw new ValidationException("dischargedAt", $"Must not be before the admission or its last bed move ({lastMove:O}).");
        if (stays.SingleOrDefault(s => s.EndedAt == null) is { } current)
        {
            var bed = (await LockBedsAsync([current.BedId], ct))[current.BedId];
            current.End(at);
            bed.Leave(now);
        }
        admission.Discharge(at, r.Disposition!, r.ConditionAtDischarge!,
            r.FinalDiagnoses!.Select(d => new FinalDiagnosis(Code(d.Code), d.Text!.Trim())).ToList(),
            Lines(r.Procedures), Input.Clean(r.HospitalCourse), Lines(r.DischargeMedications), Input.Clean(r.FollowUp), caller.UserId, now);
        await SetPatientTypeAsync(admission.PatientId, "OPD", now, ct);

        var days = BedDays.Count(rule, admission.AdmittedAt, at, stays.Select(s => new BedDays.Stay(s.Id, s.StartedAt, s.EndedAt)).ToList(), zone);
        var lines = await BedDayLinesAsync(stays, days, zone, ct);
        // Medicine dispensed for the admission's prescriptions and not billed yet goes on the same invoice.
        var medicines = await Pharmacy.AdmissionDispensingCharges.UnbilledAsync(db, id, ct);
        lines.AddRange(medicines);
        Guid? invoiceId = null;
        if (lines.Count > 0)
        {
            var invoice = await db.Set<Invoice>().FromSql($"SELECT * FROM invoices WHERE admission_id = {id} AND status = 'DRAFT' ORDER BY created_at DESC LIMIT 1 FOR UPDATE")
                .SingleOrDefaultAsync(ct);
            if (invoice is null)
            {
                invoice = Invoice.Draft(admission.PatientId, null, currency, caller.UserId, now, admissionId: id);
                db.Add(invoice);
                audit.Record("INVOICE_CREATED", "INVOICE", invoice.Id, new { invoice.PatientId, invoice.AdmissionId, lines = lines.Count });
            }
            else invoice.Touch(caller.UserId, now);
            await invoices.AddLinesAsync(invoice, lines, ct);
            invoiceId = invoice.Id;
        }
        audit.Record("ADMISSION_DISCHARGED", "ADMISSION", id, new
        {
            admission.PatientId, admission.DischargedAt, admission.Disposition, admission.ConditionAtDischarge, rule,
            bedDays = days.Values.Sum(), medicineLines = medicines.Count, invoiceId, patientType = "OPD",
        });
        await invoices.SaveAsync(ct);
        await tx.CommitAsync(ct);
        return admission;
    }

    /// <summary>One BED line per bed stay with days charged: days × the ward's charge when the patient was put there.</summary>
    async Task<List<NewInvoiceLine>> BedDayLinesAsync(List<BedAssignment> stays, Dictionary<Guid, int> days, TimeZoneInfo zone, CancellationToken ct)
    {
        var bedIds = stays.Select(s => s.BedId).Distinct().ToList();
        var names = await (from b in db.Set<Bed>() join w in db.Set<Ward>() on b.WardId equals w.Id
                           where bedIds.Contains(b.Id) select new { b.Id, b.Code, Ward = w.Name }).ToDictionaryAsync(x => x.Id, ct);
        return stays.Where(s => days.GetValueOrDefault(s.Id) > 0 && s.DailyCharge > 0).Select(s =>
        {
            var n = names[s.BedId];
            var (from, to) = (BedDays.LocalDate(s.StartedAt, zone), BedDays.LocalDate(s.EndedAt!.Value, zone));
            return new NewInvoiceLine("BED", $"Bed-days: {n.Ward}, bed {n.Code} ({from:yyyy-MM-dd} to {to:yyyy-MM-dd})", days[s.Id], s.DailyCharge,
                SourceType, s.Id);
        }).ToList();
    }

    /// <summary>What a bed-day line bills: one bed stay, billed once.</summary>
    public const string SourceType = "BED_ASSIGNMENT";

    /// <summary>A bed the caller names, with its ward (404 when there is none).</summary>
    async Task<Ward> WardOfBedAsync(Guid bedId, CancellationToken ct) =>
        await (from b in db.Set<Bed>().AsNoTracking() join w in db.Set<Ward>().AsNoTracking() on b.WardId equals w.Id
               where b.Id == bedId select w).SingleOrDefaultAsync(ct) ?? throw new NotFoundException("The bed");

    /// <summary>The admission's patient through the gate (404 / 403 break_glass_required) before anything is locked.</summary>
    async Task GateAsync(Guid id, CancellationToken ct)
    {
        var patientId = await db.Set<Admission>().Where(a => a.Id == id).Select(a => (Guid?)a.PatientId).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The admission");
        await access.FindAsync(patientId, ct);
    }

    async Task<Admission> LockAdmissionAsync(Guid id, CancellationToken ct) =>
        await db.Set<Admission>().FromSql($"SELECT * FROM admissions WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException("The admission");

    /// <summary>Locks beds in id order (the one order every writer of beds takes), tracked.</summary>
    async Task<Dictionary<Guid, Bed>> LockBedsAsync(Guid[] ids, CancellationToken ct)
    {
        var beds = await db.Set<Bed>().FromSql($"SELECT * FROM beds WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToDictionaryAsync(b => b.Id, ct);
        return ids.All(beds.ContainsKey) ? beds : throw new NotFoundException("The bed");
    }

    async Task<(Guid? DepartmentId, Guid UserId)> DoctorAsync(Guid doctorId, CancellationToken ct)
    {
        var doctor = await (from d in db.Set<Doctor>().AsNoTracking() join u in db.Users.AsNoTracking() on d.UserId equals u.Id
                            where d.Id == doctorId select new { d.DepartmentId, d.UserId, u.IsActive }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The doctor");
        if (!doctor.IsActive) throw new ConflictException("doctor_inactive", "The doctor's account is deactivated; choose another primary doctor.");
        return (doctor.DepartmentId, doctor.UserId);
    }

    async Task EnsureDepartmentAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Set<Department>().AnyAsync(d => d.Id == id, ct)) throw new NotFoundException("The department");
    }

    /// <summary>OPD or IPD, as the admission moves (the patient's row is the last one an admission locks).</summary>
    Task SetPatientTypeAsync(Guid patientId, string type, DateTimeOffset now, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE patients SET patient_type = {type}, updated_at = {now}, updated_by = {caller.UserId}, version = version + 1
            WHERE id = {patientId} AND patient_type <> {type}
            """, ct);

    static DateTimeOffset Instant(DateTimeOffset? sent, string field, DateTimeOffset now)
    {
        if (sent is not { } at) return now;
        var t = Microseconds.Truncate(at.ToUniversalTime());
        return t <= now ? t : throw new ValidationException(field, "Must not be in the future.");
    }

    static string? Code(string? code) => Input.Clean(code)?.ToUpperInvariant();

    static string[] Lines(IReadOnlyList<string>? lines) => lines?.Select(l => l.Trim()).ToArray() ?? [];
}
