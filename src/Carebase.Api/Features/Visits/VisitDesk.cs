using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Queue;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

namespace Carebase.Api.Features.Visits;

/// <summary>
/// Starts, documents and completes visits. Starting from an appointment moves it to IN_CONSULTATION (its queue token is
/// called through the appointment's follower); from a token calls it to SERVING. Completing signs the visit, completes
/// the appointment (its token served) or serves the token, and sets the patient's last visit — one transaction.
/// Every change of a visit's documentation bumps its version, so a change racing with its completion loses (409) and
/// nothing is ever added to a signed visit but addenda.
/// </summary>
/// <remarks>Locks, in this order: the visit row (completion), then the appointment (start, completion).</remarks>
public sealed class VisitDesk(CarebaseDb db, Caller caller, PatientAccess access, AppointmentWorkflow workflow, QueueTokens tokens,
    DoctorCalendars calendars, MedicalHistory history, AuditLog audit, TimeProvider time)
{
    public async Task<Visit> StartAsync(StartVisitRequest request, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        Appointment? appointment = null;
        QueueToken? token = null;
        if (request.QueueTokenId is { } tokenId)
        {
            token = await db.Set<QueueToken>().SingleOrDefaultAsync(t => t.Id == tokenId, ct) ?? throw new NotFoundException("The queue token");
            if (token.AppointmentId is { } booked) appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, booked, ct);
        }
        else if (request.AppointmentId is { } appointmentId)
        {
            appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, appointmentId, ct);
            token = await tokens.OfAppointmentAsync(appointmentId, ct);
        }

        var patientId = appointment?.PatientId ?? token?.PatientId ?? request.PatientId!.Value;
        var patient = await access.FindAsync(patientId, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        var doctorId = appointment?.DoctorId ?? token?.DoctorId ?? request.DoctorId
            ?? await DoctorRef.OfUserAsync(db, caller.UserId, ct)
            ?? throw new ValidationException("doctorId", "Name the doctor (you have no doctor profile of your own).");
        await calendars.EnsureDoctorAsync(doctorId, null, ct);

        if (appointment is not null)
        {
            if (appointment.Status == AppointmentStatus.CheckedIn) await workflow.MoveAsync(appointment, AppointmentAction.Start, null, ct);
            else if (appointment.Status != AppointmentStatus.InConsultation)
                throw new ConflictException("appointment_not_checked_in",
                    $"The appointment is {appointment.Status}: check the patient in before starting the visit.");
        }
        else if (token is not null)
        {
            if (token.Status == QueueStatus.Waiting) await tokens.CallAsync(token, ct);
            else if (token.Status != QueueStatus.Serving)
                throw new ConflictException("token_not_waiting", $"The token is {token.Status}; only a waiting or serving token starts a visit.");
        }

        var now = time.GetUtcNow();
        var visit = Visit.Start(patientId, doctorId, request.DepartmentId ?? appointment?.DepartmentId ?? patient.DepartmentId, appointment?.Id,
            token?.Id, request.Type ?? "OPD", Input.Clean(request.ChiefComplaint), caller.UserId, now);
        db.Add(visit);
        audit.Record("VISIT_STARTED", "VISIT", visit.Id, new { visit.PatientId, visit.DoctorId, visit.AppointmentId, visit.QueueTokenId });
        if (request.Vitals is { } vitals) NewVitals(patientId, visit.Id, vitals, now, "vitals.");
        if (request.Diagnoses is { Count: > 0 } diagnoses)
        {
            var known = await KnownCodeTextsAsync(diagnoses, ct);
            for (var i = 0; i < diagnoses.Count; i++) NewDiagnosis(visit, diagnoses[i], known, now, $"diagnoses[{i}].");
        }
        await db.SaveOrConflictAsync(ct,
            ("visits_one_per_appointment", () => new ConflictException("visit_exists", "The appointment already has a visit.")),
            ("visits_one_per_queue_token", () => new ConflictException("visit_exists", "The queue token already has a visit.")),
            ("queue_tokens_one_serving", () => new ConflictException("patient_being_served", "The doctor is serving another patient.")));
        await tx.CommitAsync(ct);
        return visit;
    }

    /// <summary>The visit (tracked), after the patient gate: 404 when the caller may not see it, 403 for a confidential patient.</summary>
    public async Task<Visit> FindAsync(Guid id, CancellationToken ct, bool forUpdate = false)
    {
        var visits = forUpdate ? db.Set<Visit>().FromSql($"SELECT * FROM visits WHERE id = {id} FOR UPDATE") : db.Set<Visit>();
        var visit = await visits.SingleOrDefaultAsync(v => v.Id == id, ct) ?? throw new NotFoundException("The visit");
        if (access.OnlyPatientId is { } only && only != visit.PatientId) throw new NotFoundException("The visit");
        await access.FindAsync(visit.PatientId, ct);
        return visit;
    }

    public async Task<Visit> CompleteAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var visit = await FindAsync(id, ct, forUpdate: true);
        if (!ETags.Matches(ifMatch, visit.Version)) throw new PreconditionFailedException();
        var now = time.GetUtcNow();
        visit.Complete(caller.UserId, now);
        if (visit.AppointmentId is { } appointmentId)
        {
            var appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, appointmentId, ct);
            if (appointment.Status == AppointmentStatus.InConsultation) await workflow.MoveAsync(appointment, AppointmentAction.Complete, null, ct);
        }
        else if (visit.QueueTokenId is { } tokenId && await db.Set<QueueToken>().SingleAsync(t => t.Id == tokenId, ct) is { Status: QueueStatus.Serving } token)
        {
            tokens.Move(token, QueueAction.Serve);
        }
        var patient = await db.Set<Patient>().SingleAsync(p => p.Id == visit.PatientId, ct);
        if (patient.LastVisitAt is null || patient.LastVisitAt < now) patient.LastVisitAt = now;
        audit.Record("VISIT_COMPLETED", "VISIT", visit.Id, new { visit.PatientId, visit.AppointmentId, visit.QueueTokenId });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return visit;
    }

    public async Task<Visit> UpdateAsync(Guid id, UpdateVisitRequest request, StringValues ifMatch, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        if (!ETags.Matches(ifMatch, visit.Version)) throw new PreconditionFailedException();
        visit.EnsureOpen();
        if (request.Has(nameof(request.DepartmentId)) && request.DepartmentId is { } dep
            && !await db.Set<Departments.Department>().AnyAsync(d => d.Id == dep, ct))
            throw new ValidationException("departmentId", "No such department.");
        if (request.Has(nameof(request.ChiefComplaint))) visit.ChiefComplaint = Input.Clean(request.ChiefComplaint);
        if (request.Has(nameof(request.Subjective))) visit.Subjective = Input.Clean(request.Subjective);
        if (request.Has(nameof(request.Objective))) visit.Objective = Input.Clean(request.Objective);
        if (request.Has(nameof(request.Assessment))) visit.Assessment = Input.Clean(request.Assessment);
        if (request.Has(nameof(request.Plan))) visit.Plan = Input.Clean(request.Plan);
        if (request.Has(nameof(request.DepartmentId))) visit.DepartmentId = request.DepartmentId;
        var changes = AuditLog.ChangesOf(db.Entry(visit));
        if (changes.Count == 0) return visit;
        visit.Touch(caller.UserId, time.GetUtcNow());
        audit.Record("VISIT_UPDATED", "VISIT", visit.Id, changes);
        await db.SaveChangesAsync(ct);
        return visit;
    }

    public async Task<VisitAddendum> AddendumAsync(Guid id, string text, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        if (!visit.IsLocked)
            throw new ConflictException("visit_in_progress", "The visit is still in progress: change it directly; addenda are for signed visits.");
        var addendum = new VisitAddendum { VisitId = id, Text = text, CreatedAt = time.GetUtcNow(), CreatedBy = caller.UserId };
        db.Add(addendum);
        audit.Record("VISIT_ADDENDUM_ADDED", "VISIT", id, new { addendumId = addendum.Id, length = text.Length });
        await db.SaveChangesAsync(ct);
        return addendum;
    }

    /// <summary>A diagnosis for an open visit; a known code brings its text from the list when none is given.</summary>
    public async Task<VisitDiagnosis> AddDiagnosisAsync(Guid id, DiagnosisRequest request, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        var now = time.GetUtcNow();
        visit.Touch(caller.UserId, now);
        var diagnosis = NewDiagnosis(visit, request, await KnownCodeTextsAsync([request], ct), now);
        await SaveDiagnosisAsync(ct);
        return diagnosis;
    }

    /// <summary>The list's text of each code the diagnoses give without a text of their own (one query).</summary>
    async Task<Dictionary<string, string>> KnownCodeTextsAsync(IReadOnlyList<DiagnosisRequest> diagnoses, CancellationToken ct)
    {
        var codes = diagnoses.Where(d => string.IsNullOrWhiteSpace(d.Text) && !string.IsNullOrWhiteSpace(d.Code))
            .Select(d => d.Code!.Trim().ToUpperInvariant()).Distinct().ToList();
        return codes.Count == 0 ? [] : await db.Set<DiagnosisCode>().Where(c => codes.Contains(c.Code)).ToDictionaryAsync(c => c.Code, c => c.Text, ct);
    }

    /// <summary>A diagnosis of the visit, added to the unit of work; a known code brings its text from the list when none is given.</summary>
    VisitDiagnosis NewDiagnosis(Visit visit, DiagnosisRequest request, Dictionary<string, string> known, DateTimeOffset now, string field = "")
    {
        var code = request.Code?.Trim().ToUpperInvariant();
        var text = Input.Clean(request.Text) ?? (code is null ? null : known.GetValueOrDefault(code))
            ?? throw new ValidationException(field + "text", "The code is not in the list: give its text.");
        var diagnosis = new VisitDiagnosis
        {
            VisitId = visit.Id, Code = string.IsNullOrEmpty(code) ? null : code, Text = text, Kind = request.Kind!, Status = request.Status ?? "PROVISIONAL",
        };
        diagnosis.Begin(visit.PatientId, caller.UserId, now);
        db.Add(diagnosis);
        audit.Record("DIAGNOSIS_ADDED", "VISIT", visit.Id, new { diagnosisId = diagnosis.Id, diagnosis.Code, diagnosis.Kind, diagnosis.Status });
        return diagnosis;
    }

    public async Task<VisitDiagnosis> UpdateDiagnosisAsync(Guid id, Guid diagnosisId, UpdateDiagnosisRequest request, StringValues ifMatch, CancellationToken ct)
    {
        var (visit, diagnosis) = await DiagnosisOfAsync(id, diagnosisId, ct);
        if (!ETags.Matches(ifMatch, diagnosis.Version)) throw new PreconditionFailedException();
        if (request.Has(nameof(request.Kind))) diagnosis.Kind = request.Kind!;
        if (request.Has(nameof(request.Status))) diagnosis.Status = request.Status!;
        if (request.Has(nameof(request.Text))) diagnosis.Text = request.Text!.Trim();
        var changes = AuditLog.ChangesOf(db.Entry(diagnosis));
        if (changes.Count == 0) return diagnosis;
        var now = time.GetUtcNow();
        visit.Touch(caller.UserId, now);
        diagnosis.Touch(caller.UserId, now);
        audit.Record("DIAGNOSIS_UPDATED", "VISIT", id, new { diagnosisId, changes });
        await SaveDiagnosisAsync(ct);
        return diagnosis;
    }

    public async Task DeleteDiagnosisAsync(Guid id, Guid diagnosisId, CancellationToken ct)
    {
        var (visit, diagnosis) = await DiagnosisOfAsync(id, diagnosisId, ct);
        var now = time.GetUtcNow();
        visit.Touch(caller.UserId, now);
        diagnosis.SoftDelete(caller.UserId, now);
        audit.Record("DIAGNOSIS_DELETED", "VISIT", id, new { diagnosisId });
        await db.SaveChangesAsync(ct);
    }

    async Task<(Visit, VisitDiagnosis)> DiagnosisOfAsync(Guid id, Guid diagnosisId, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        var diagnosis = await db.Set<VisitDiagnosis>().SingleOrDefaultAsync(d => d.Id == diagnosisId && d.VisitId == id && d.DeletedAt == null, ct)
            ?? throw new NotFoundException("The diagnosis");
        return (visit, diagnosis);
    }

    Task SaveDiagnosisAsync(CancellationToken ct) => db.SaveOrConflictAsync(ct, ("visit_diagnoses_one_primary",
        () => new ConflictException("primary_diagnosis_exists", "The visit already has a primary diagnosis: make it secondary first.")));

    /// <summary>Vital signs, for a visit (open) or on their own for a patient the caller may open.</summary>
    public async Task<Vitals> RecordVitalsAsync(Guid patientId, Guid? visitId, RecordVitalsRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (visitId is { } id)
        {
            var visit = await FindAsync(id, ct);
            visit.Touch(caller.UserId, now);
            patientId = visit.PatientId;
        }
        else
        {
            var patient = await access.FindAsync(patientId, ct);
            if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        }
        var vitals = NewVitals(patientId, visitId, request, now);
        await db.SaveChangesAsync(ct);
        return vitals;
    }

    /// <summary>A set of vital signs, added to the unit of work (BMI and flags derived).</summary>
    Vitals NewVitals(Guid patientId, Guid? visitId, RecordVitalsRequest request, DateTimeOffset now, string field = "")
    {
        if (request.RecordedAt is { } at && at > now.AddMinutes(5)) throw new ValidationException(field + "recordedAt", "Cannot be in the future.");
        var vitals = new Vitals { VisitId = visitId, RecordedAt = request.RecordedAt ?? now };
        vitals.Begin(patientId, caller.UserId, now);
        request.ApplyTo(vitals);
        db.Add(vitals);
        audit.Record("VITALS_RECORDED", "PATIENT", patientId, new { vitalsId = vitals.Id, visitId, flags = vitals.FlagMap });
        return vitals;
    }

    /// <summary>A reading of the patient (tracked); changing one recorded in a signed visit is 409 visit_locked.</summary>
    public async Task<Vitals> VitalsOfAsync(Guid patientId, Guid vitalsId, bool forChange, CancellationToken ct)
    {
        var vitals = await db.Set<Vitals>().SingleOrDefaultAsync(v => v.Id == vitalsId && v.PatientId == patientId, ct)
            ?? throw new NotFoundException("The vitals");
        if (vitals.DeletedAt is not null && !caller.Has(Permissions.PatientsDelete)) throw new NotFoundException("The vitals");
        if (forChange && vitals.VisitId is { } visitId) (await FindAsync(visitId, ct)).Touch(caller.UserId, time.GetUtcNow());
        return vitals;
    }

    /// <summary>A clinical note written in the open visit (part of what is signed: locked with it).</summary>
    public async Task<ClinicalNote> AddNoteAsync(Guid id, VisitNoteRequest request, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        visit.Touch(caller.UserId, time.GetUtcNow());
        var note = history.AddNote(visit.PatientId, id, request.Title, request.Text!, request.StaffOnly ?? false);
        await db.SaveChangesAsync(ct);
        return note;
    }

    /// <summary>The visit's diagnoses (not ruled out) become the patient's active conditions in one call; those already active are skipped.</summary>
    public async Task<IReadOnlyList<Condition>> DiagnosesToConditionsAsync(Guid id, CancellationToken ct)
    {
        var visit = await FindAsync(id, ct);
        var diagnoses = await db.Set<VisitDiagnosis>().AsNoTracking()
            .Where(d => d.VisitId == id && d.DeletedAt == null && d.Status != "RULED_OUT").OrderBy(d => d.CreatedAt).ToListAsync(ct);
        var onset = DateOnly.FromDateTime(visit.StartedAt.UtcDateTime);
        var added = await history.AddConditionsAsync(visit.PatientId, diagnoses.Select(d => new NewCondition(d.Code, d.Text, onset)), ct, "diagnoses");
        await db.SaveChangesAsync(ct);
        return added;
    }
}
