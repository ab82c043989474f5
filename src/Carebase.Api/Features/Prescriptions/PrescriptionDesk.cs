using System.Globalization;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>
/// Writes prescriptions: a DRAFT in an open visit (its patient; the caller's doctor profile, else the visit's doctor) or
/// for an ACTIVE admission (its patient; the caller's doctor profile, else the admission's primary doctor),
/// edited while DRAFT, then issued under an RX code after the allergy and duplicate-therapy checks (each conflict
/// overridden with a reason, stored and audited), or cancelled with a reason while nothing was dispensed. A completed
/// visit takes no new prescription and its drafts are no longer edited (409 visit_locked); its drafts can still be
/// issued or discarded.
/// </summary>
/// <remarks>Locks, in this order: the visit row (create, edit) or the admission row (to share: create, edit), then the prescription row (every change).</remarks>
public sealed class PrescriptionDesk(CarebaseDb db, Caller caller, PatientAccess access, VisitDesk visits, PrescriptionChecks checks,
    AuditLog audit, TimeProvider time, TenantClock clock, Admissions.AdmissionLinks admissions)
{
    public async Task<Prescription> CreateAsync(CreatePrescriptionRequest request, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (request.AdmissionId is { } admissionId) return await CreateForAdmissionAsync(admissionId, request, tx, ct);
        // The visit's row lock: a prescription written as the visit completes either lands before it or is refused.
        var visit = await visits.FindAsync(request.VisitId!.Value, ct, forUpdate: true);
        visit.EnsureOpen();
        var patient = await access.FindAsync(visit.PatientId, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        var doctorId = await DoctorRef.OfUserAsync(db, caller.UserId, ct) ?? visit.DoctorId;
        var prescription = Prescription.Draft(visit.PatientId, visit.Id, doctorId, Input.Clean(request.Notes), caller.UserId, time.GetUtcNow());
        prescription.Items.AddRange(await ItemsAsync(prescription.Id, request.Items!, ct));
        db.Add(prescription);
        audit.Record("PRESCRIPTION_CREATED", "PRESCRIPTION", prescription.Id,
            new { prescription.PatientId, prescription.VisitId, prescription.DoctorId, items = prescription.Items.Count });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return prescription;
    }

    /// <summary>A draft for an ACTIVE admission: its row is locked to share, so a discharge waits for it (or it is refused).</summary>
    async Task<Prescription> CreateForAdmissionAsync(Guid admissionId, CreatePrescriptionRequest request,
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, CancellationToken ct)
    {
        var admission = await admissions.ActiveAsync(admissionId, ct);
        var patient = await access.FindAsync(admission.PatientId, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        var doctorId = await DoctorRef.OfUserAsync(db, caller.UserId, ct) ?? admission.PrimaryDoctorId;
        var prescription = Prescription.Draft(admission.PatientId, null, doctorId, Input.Clean(request.Notes), caller.UserId, time.GetUtcNow(), admissionId);
        prescription.Items.AddRange(await ItemsAsync(prescription.Id, request.Items!, ct));
        db.Add(prescription);
        audit.Record("PRESCRIPTION_CREATED", "PRESCRIPTION", prescription.Id,
            new { prescription.PatientId, prescription.AdmissionId, prescription.DoctorId, items = prescription.Items.Count });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return prescription;
    }

    /// <summary>
    /// The prescription (tracked, with its items), after the patient gate: 404 when the caller may not see it (a portal
    /// patient sees only their own, once issued), 403 for a confidential patient outside the care team.
    /// </summary>
    public async Task<Prescription> FindAsync(Guid id, CancellationToken ct, bool forUpdate = false)
    {
        var rows = forUpdate ? db.Set<Prescription>().FromSql($"SELECT * FROM prescriptions WHERE id = {id} FOR UPDATE") : db.Set<Prescription>();
        var prescription = await rows.Include(p => p.Items.OrderBy(i => i.Position)).SingleOrDefaultAsync(p => p.Id == id, ct)
            ?? throw new NotFoundException("The prescription");
        if (access.OnlyPatientId is { } only && (only != prescription.PatientId || prescription.IssuedAt is null)) throw new NotFoundException("The prescription");
        await access.FindAsync(prescription.PatientId, ct);
        return prescription;
    }

    public async Task<Prescription> UpdateAsync(Guid id, UpdatePrescriptionRequest request, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var prescription = await DraftForChangeAsync(id, ifMatch, ct);
        if (prescription.VisitId is { } visitId) (await visits.FindAsync(visitId, ct)).EnsureOpen();
        if (prescription.AdmissionId is { } admissionId) await admissions.ActiveAsync(admissionId, ct);
        var changes = new Dictionary<string, object?>();
        if (request.Has(nameof(request.Notes)))
        {
            prescription.Notes = Input.Clean(request.Notes);
            changes = AuditLog.ChangesOf(db.Entry(prescription));
        }
        if (request.Has(nameof(request.Items)))
        {
            // Deleted first on their own: the new items take the same positions (a unique key).
            await db.Set<PrescriptionItem>().Where(i => i.PrescriptionId == id).ExecuteDeleteAsync(ct);
            foreach (var old in prescription.Items) db.Entry(old).State = EntityState.Detached;
            prescription.Items.Clear();
            prescription.Items.AddRange(await ItemsAsync(id, request.Items!, ct));
            db.AddRange(prescription.Items);
            changes["items"] = prescription.Items.Count;
        }
        if (changes.Count > 0)
        {
            prescription.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("PRESCRIPTION_UPDATED", "PRESCRIPTION", id, changes);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return prescription;
    }

    /// <summary>A draft is discarded outright: nobody could act on it yet (an issued prescription is cancelled instead).</summary>
    public async Task DeleteAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var prescription = await DraftForChangeAsync(id, ifMatch, ct);
        db.RemoveRange(prescription.Items);
        db.Remove(prescription);
        audit.Record("PRESCRIPTION_DELETED", "PRESCRIPTION", id, new { prescription.PatientId, prescription.VisitId });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<Prescription> IssueAsync(Guid id, IssuePrescriptionRequest? request, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var prescription = await DraftForChangeAsync(id, ifMatch, ct);
        var given = (request?.Overrides ?? []).GroupBy(o => o.ItemIndex!.Value).ToDictionary(g => g.Key, g => g.Last().Reason!.Trim());
        var conflicts = await checks.FindAsync(prescription.PatientId, prescription.Items, ct);
        var unanswered = conflicts.Where(c => !given.ContainsKey(c.ItemIndex)).ToList();
        if (unanswered.Count > 0)
        {
            var code = unanswered.Any(c => c.Code == PrescriptionConflict.AllergyConflict) ? PrescriptionConflict.AllergyConflict : PrescriptionConflict.DuplicateTherapy;
            throw new ConflictException(code,
                $"{unanswered.Count} conflict(s) found: review them, then issue with an override (itemIndex and reason) for each conflicting item.",
                new Dictionary<string, object?> { ["conflicts"] = unanswered });
        }
        var overrides = conflicts.Select(c => new PrescriptionOverride(c.ItemIndex, c.Code, c.Detail, given[c.ItemIndex])).ToList();
        var now = time.GetUtcNow();
        var number = await db.Database.SqlQuery<long>($"SELECT nextval('prescription_code_seq') AS \"Value\"").SingleAsync(ct);
        var year = (await clock.NowAsync(ct)).Year;
        prescription.Issue(string.Create(CultureInfo.InvariantCulture, $"RX-{year}-{number:D6}"), overrides, caller.UserId, now);
        audit.Record("PRESCRIPTION_ISSUED", "PRESCRIPTION", id, new { prescription.Code, prescription.PatientId, overridden = overrides.Count });
        foreach (var o in overrides)
            audit.Record("PRESCRIPTION_CONFLICT_OVERRIDDEN", "PRESCRIPTION", id, new { o.ItemIndex, o.Code, o.Detail, o.Reason });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return prescription;
    }

    public async Task<Prescription> CancelAsync(Guid id, string reason, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var prescription = await ForChangeAsync(id, ifMatch, ct);
        prescription.Cancel(reason, caller.UserId, time.GetUtcNow());
        audit.Record("PRESCRIPTION_CANCELLED", "PRESCRIPTION", id, new { prescription.Code, reason });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return prescription;
    }

    /// <summary>The prescription locked for a change, after the gate and If-Match (412 when stale).</summary>
    async Task<Prescription> ForChangeAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        var prescription = await FindAsync(id, ct, forUpdate: true);
        if (!ETags.Matches(ifMatch, prescription.Version)) throw new PreconditionFailedException();
        return prescription;
    }

    async Task<Prescription> DraftForChangeAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        var prescription = await ForChangeAsync(id, ifMatch, ct);
        prescription.EnsureDraft();
        return prescription;
    }

    /// <summary>The items as sent: a catalog item must be an active MEDICINE (its name, unit and route fill the gaps), the quantity computed when left out.</summary>
    async Task<List<PrescriptionItem>> ItemsAsync(Guid prescriptionId, IReadOnlyList<PrescriptionItemRequest> requests, CancellationToken ct)
    {
        var ids = requests.Where(r => r.StockItemId is not null).Select(r => r.StockItemId!.Value).Distinct().ToList();
        var stock = ids.Count == 0 ? [] : await db.Set<StockItem>().AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        var errors = new FieldErrors();
        var items = new List<PrescriptionItem>();
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            StockItem? medicine = null;
            if (r.StockItemId is { } stockId && (!stock.TryGetValue(stockId, out medicine) || medicine is not { Kind: StockItemKinds.Medicine, IsActive: true }))
            {
                errors.Add($"items[{i}].stockItemId", "Not an active medicine of the stock catalog.");
                continue;
            }
            items.Add(new PrescriptionItem
            {
                PrescriptionId = prescriptionId, Position = i, StockItemId = medicine?.Id, Medicine = medicine?.Name ?? r.Medicine!.Trim(),
                DoseAmount = r.DoseAmount, DoseUnit = Input.Clean(r.DoseUnit) ?? (r.DoseAmount is null ? null : medicine?.Unit), Dose = Input.Clean(r.Dose),
                Frequency = r.Frequency!, Route = Input.Clean(r.Route) ?? medicine?.Route, DurationDays = r.DurationDays, Quantity = r.QuantityToSupply,
                Instructions = Input.Clean(r.Instructions),
            });
        }
        errors.ThrowIfAny();
        return items;
    }
}
