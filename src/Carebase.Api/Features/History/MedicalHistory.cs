using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.History;

/// <summary>A condition another area adds to a patient's history (a visit's diagnosis, say).</summary>
public sealed record NewCondition(string? Code, string Text, DateOnly? OnsetDate);

/// <summary>A prescription item handed out by the pharmacy, as it goes on the patient's medication list.</summary>
public sealed record DispensedMedicine(Guid PrescriptionItemId, string Name, string? Dose, string? Route, string? Frequency, int? DurationDays,
    string? Notes);

/// <summary>
/// The small public face of the medical history for other areas (visits copy their diagnoses into the conditions here).
/// Its methods join the caller's unit of work: they add rows and audit entries to the DbContext and never save, so the
/// caller's SaveChanges (in its transaction) commits them together with its own change, or not at all.
/// </summary>
public sealed class MedicalHistory(CarebaseDb db, Caller caller, AuditLog audit, TenantClock clock, TimeProvider time)
{
    /// <summary>
    /// Adds conditions to the patient's history in one call (the caller has checked the patient and saves). A condition the
    /// patient already has as current (ACTIVE, RECURRENCE or RELAPSE, same ICD-10 code, or same text when there is no code)
    /// is not added twice, nor is the same one twice in the list. Codes are upper-cased; each is checked like the API does
    /// (422 naming <c>{field}[i].code</c>, <c>.text</c> or <c>.onsetDate</c>). Returns the conditions added (tracked, unsaved).
    /// </summary>
    public async Task<IReadOnlyList<Condition>> AddConditionsAsync(Guid patientId, IEnumerable<NewCondition> conditions, CancellationToken ct,
        string field = "conditions")
    {
        var list = conditions.ToList();
        var errors = new FieldErrors();
        var today = await clock.TodayAsync(ct);
        for (var i = 0; i < list.Count; i++)
        {
            var (code, text, onset) = (list[i].Code, list[i].Text, list[i].OnsetDate);
            Condition.CheckCode(code, errors, $"{field}[{i}].code");
            if (Condition.NormalizeCode(code)?.Length > Condition.MaxCode) errors.Add($"{field}[{i}].code", $"Must be at most {Condition.MaxCode} characters.");
            if (string.IsNullOrWhiteSpace(text)) errors.Add($"{field}[{i}].text", "This field is required.");
            else if (text.Trim().Length > Condition.MaxText) errors.Add($"{field}[{i}].text", $"Must be at most {Condition.MaxText} characters.");
            if (onset > today) errors.Add($"{field}[{i}].onsetDate", "Cannot be in the future.");
        }
        errors.ThrowIfAny();

        var current = await db.Set<Condition>().AsNoTracking()
            .Where(c => c.PatientId == patientId && c.DeletedAt == null && Condition.Current.Contains(c.Status))
            .Select(c => new { c.Code, c.Text }).ToListAsync(ct);
        var seen = current.Select(c => Key(c.Code, c.Text)).ToHashSet();
        var now = time.GetUtcNow();
        var added = new List<Condition>();
        foreach (var n in list)
        {
            var condition = new Condition { Code = Condition.NormalizeCode(n.Code), Text = n.Text.Trim(), Status = "ACTIVE", OnsetDate = n.OnsetDate };
            if (!seen.Add(Key(condition.Code, condition.Text))) continue;
            condition.Begin(patientId, caller.IsAuthenticated ? caller.UserId : null, now);
            db.Add(condition);
            audit.Record("CONDITION_CREATED", "CONDITION", condition.Id, AuditLog.ChangesOf(db.Entry(condition)));
            added.Add(condition);
        }
        return added;
    }

    /// <summary>
    /// The prescribed medications of the patient's list that come from these prescription items (tracked), for
    /// <see cref="RecordDispensed"/> and <see cref="StopReturned"/>: read them before taking locks that others wait on.
    /// </summary>
    public async Task<IReadOnlyList<Medication>> PrescribedAsync(IReadOnlyCollection<Guid> prescriptionItemIds, CancellationToken ct) =>
        await db.Set<Medication>().Where(m => m.PrescriptionItemId != null && prescriptionItemIds.Contains(m.PrescriptionItemId.Value) && m.DeletedAt == null)
            .ToListAsync(ct);

    /// <summary>
    /// Puts dispensed medicines on the patient's medication list as ACTIVE and PRESCRIBED, pointing at their prescription
    /// item: one row per item, refreshed (name, dates, ACTIVE again) when the item is dispensed again. The caller saves.
    /// </summary>
    public void RecordDispensed(Guid patientId, IReadOnlyList<Medication> existing, IEnumerable<DispensedMedicine> medicines, DateOnly today)
    {
        var now = time.GetUtcNow();
        foreach (var m in medicines)
        {
            var medication = existing.FirstOrDefault(e => e.PrescriptionItemId == m.PrescriptionItemId);
            var fresh = medication is null;
            medication ??= new Medication { Source = "PRESCRIBED", PrescriptionItemId = m.PrescriptionItemId, StartDate = today };
            medication.Name = m.Name;
            medication.Dose = Input.Clean(m.Dose);
            medication.Route = Input.Clean(m.Route);
            medication.Frequency = Input.Clean(m.Frequency);
            medication.EndDate = m.DurationDays is { } days ? today.AddDays(days - 1) : null;
            if (medication.EndDate < medication.StartDate) medication.StartDate = today;
            medication.Status = "ACTIVE";
            medication.Notes = Input.Clean(m.Notes);
            if (fresh)
            {
                medication.Begin(patientId, caller.UserId, now);
                db.Add(medication);
                audit.Record("MEDICATION_CREATED", "MEDICATION", medication.Id, AuditLog.ChangesOf(db.Entry(medication)));
            }
            else if (AuditLog.ChangesOf(db.Entry(medication)) is { Count: > 0 } changes)
            {
                medication.Touch(caller.UserId, now);
                audit.Record("MEDICATION_UPDATED", "MEDICATION", medication.Id, changes);
            }
        }
    }

    /// <summary>Medications whose prescription item was handed back in full are STOPPED (the caller saves).</summary>
    public void StopReturned(IReadOnlyList<Medication> existing, IReadOnlyCollection<Guid> prescriptionItemIds)
    {
        var now = time.GetUtcNow();
        foreach (var medication in existing.Where(m => m.Status == "ACTIVE" && prescriptionItemIds.Contains(m.PrescriptionItemId!.Value)))
        {
            medication.Status = "STOPPED";
            medication.Touch(caller.UserId, now);
            audit.Record("MEDICATION_UPDATED", "MEDICATION", medication.Id, new { status = "STOPPED", reason = "returned to the pharmacy" });
        }
    }

    static string Key(string? code, string text) => code is null ? "text:" + text.Trim().ToUpperInvariant() : "code:" + code;

    /// <summary>A clinical note, written in a visit (the caller has checked it is open) or not; the caller saves.</summary>
    public ClinicalNote AddNote(Guid patientId, Guid? visitId, string? title, string text, bool staffOnly)
    {
        var note = new ClinicalNote { Title = Input.Clean(title), Text = text.Trim(), VisitId = visitId, StaffOnly = staffOnly };
        note.Begin(patientId, caller.UserId, time.GetUtcNow());
        db.Add(note);
        audit.Record("CLINICAL_NOTE_CREATED", "CLINICAL_NOTE", note.Id, new { patientId, visitId, staffOnly, length = note.Text.Length });
        return note;
    }
}
