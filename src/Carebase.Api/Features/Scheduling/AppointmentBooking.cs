using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// Booking and rescheduling. The rules a request can be told about up front (a real slot, not in the
/// past, not in time off) are checked here; what depends on other bookings (no overlap for the doctor or
/// the patient, one open appointment per patient, doctor and day) is the database's to guarantee, also
/// under concurrency, and its violations become specific 409s.
/// </summary>
public sealed class AppointmentBooking(CarebaseDb db, DoctorCalendars calendars, TenantClock clock, Caller caller, PatientAccess patients,
    AuditLog audit, TimeProvider time)
{
    public async Task<IReadOnlyList<Appointment>> BookAsync(BookAppointmentRequest request, CancellationToken ct)
    {
        // A portal patient books for themselves and need not name their own record.
        var patientId = request.PatientId ?? (caller.IsPatient ? caller.PatientId : null)
            ?? throw new ValidationException("patientId", "This field is required.");
        var doctorId = request.DoctorId!.Value;
        await using var tx = await db.BeginOrJoinAsync(ct);
        await patients.EnsureActiveAsync(patientId, ct);
        var departmentId = await BookableDoctorAsync(doctorId, ct);
        var (zone, slotMinutes) = await clock.SettingsAsync(ct);
        var now = time.GetUtcNow();

        var every = request.Recurrence?.EveryWeeks ?? 1;
        var count = request.Recurrence?.Count ?? 1;
        var firstLocal = TimeZoneInfo.ConvertTime(request.StartsAt!.Value, zone).DateTime;
        var starts = Enumerable.Range(0, count).Select(i => firstLocal.AddDays(7 * every * i)).ToList();
        var length = TimeSpan.FromMinutes(slotMinutes);
        var calendar = await calendars.LoadAsync(doctorId, SlotCalculator.Instant(zone, starts[0]), SlotCalculator.Instant(zone, starts[^1]) + length,
            zone, slotMinutes, except: null, ct);

        var problems = new List<string>();
        var occurrences = new List<(DateTimeOffset start, DateOnly date)>();
        foreach (var local in starts)
        {
            var date = DateOnly.FromDateTime(local);
            var problem = zone.IsInvalidTime(local)
                ? "This local time does not exist on that day (the clocks move forward)."
                : SlotCalculator.Problem(calendar, SlotCalculator.Instant(zone, local), now);
            if (problem is not null) problems.Add(count == 1 ? problem : $"{date:yyyy-MM-dd}: {problem}");
            occurrences.Add((SlotCalculator.Instant(zone, local), date));
        }
        if (problems.Count > 0) throw new ValidationException(new Dictionary<string, string[]> { ["startsAt"] = problems.ToArray() });

        if (count > 1) await EnsureSeriesIsFreeAsync(patientId, doctorId, occurrences, length, zone, ct);

        var seriesId = count > 1 ? Guid.CreateVersion7() : (Guid?)null;
        var booked = occurrences.Select(o => Appointment.Book(patientId, doctorId, departmentId, o.start.ToUniversalTime(),
            (o.start + length).ToUniversalTime(), o.date, seriesId, caller.UserId, now)).ToList();
        foreach (var a in booked)
        {
            a.Reason = Input.Clean(request.Reason);
            a.Notes = Input.Clean(request.Notes);
            db.Add(a);
            audit.Record("appointment.booked", "appointment", a.Id, new
            {
                a.PatientId, a.DoctorId, a.StartsAt, a.EndsAt, a.Reason, a.SeriesId, bySelf = caller.IsPatient,
            });
        }
        await SaveAsync(count > 1, ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return booked;
    }

    /// <summary>Moves the appointment to another free slot, or changes nothing (409 when the new time is taken).</summary>
    public async Task<Appointment> RescheduleAsync(Guid id, DateTimeOffset startsAt, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var appointment = await FindForUpdateAsync(db, caller, id, ct);
        await calendars.EnsureDoctorAsync(appointment.DoctorId, "SHARE", ct);
        var (zone, slotMinutes) = await clock.SettingsAsync(ct);
        var now = time.GetUtcNow();
        var length = TimeSpan.FromMinutes(slotMinutes);
        var calendar = await calendars.LoadAsync(appointment.DoctorId, startsAt, startsAt + length, zone, slotMinutes, except: id, ct);
        if (SlotCalculator.Problem(calendar, startsAt, now) is { } problem) throw new ValidationException("startsAt", problem);
        var from = new { appointment.StartsAt, appointment.EndsAt, appointment.Status };
        appointment.Reschedule(startsAt.ToUniversalTime(), (startsAt + length).ToUniversalTime(),
            DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(startsAt, zone).DateTime), caller.UserId, now);
        audit.Record("appointment.rescheduled", "appointment", id, new { from, to = new { appointment.StartsAt, appointment.EndsAt } });
        await SaveAsync(series: false, ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return appointment;
    }

    /// <summary>The doctor's department; 404 for an unknown doctor, 409 for one whose account is deactivated. Locks the doctor FOR SHARE.</summary>
    async Task<Guid?> BookableDoctorAsync(Guid doctorId, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(doctorId, "SHARE", ct);
        var doctor = await (from d in db.Set<Doctor>().AsNoTracking()
                            join u in db.Users.AsNoTracking() on d.UserId equals u.Id
                            join dep in db.Set<Department>().AsNoTracking() on d.DepartmentId equals dep.Id into deps
                            from dep in deps.DefaultIfEmpty()
                            where d.Id == doctorId
                            select new { d.DepartmentId, u.IsActive, PatientFacing = dep == null || dep.IsPatientFacing }).SingleAsync(ct);
        // Portal patients book only the doctors they can see (active, in no department or a patient-facing one).
        if (caller.IsPatient && (!doctor.IsActive || !doctor.PatientFacing)) throw new NotFoundException("The doctor");
        if (!doctor.IsActive) throw new ConflictException("doctor_inactive", "The doctor's account is deactivated; book with another doctor.");
        return doctor.DepartmentId;
    }

    /// <summary>All or nothing: every date of a series that is already taken (doctor or patient busy, or the same day booked) is named in one 409.</summary>
    async Task EnsureSeriesIsFreeAsync(Guid patientId, Guid doctorId, List<(DateTimeOffset start, DateOnly date)> occurrences, TimeSpan length,
        TimeZoneInfo zone, CancellationToken ct)
    {
        var (first, last) = (occurrences[0].start.ToUniversalTime(), (occurrences[^1].start + length).ToUniversalTime());
        var dates = occurrences.Select(o => o.date).ToList();
        var existing = await db.Set<Appointment>().AsNoTracking()
            .Where(a => (a.DoctorId == doctorId || a.PatientId == patientId) && AppointmentStatus.Active.Contains(a.Status)
                && ((a.StartsAt < last && a.EndsAt > first) || dates.Contains(a.LocalDate)))
            .Select(a => new { a.DoctorId, a.PatientId, a.StartsAt, a.EndsAt, a.LocalDate }).ToListAsync(ct);
        var conflicts = new List<SeriesConflict>();
        foreach (var (start, date) in occurrences)
        {
            var end = start + length;
            var reason =
                existing.Any(a => a.DoctorId == doctorId && a.StartsAt < end && a.EndsAt > start) ? "slot_taken"
                : existing.Any(a => a.PatientId == patientId && a.StartsAt < end && a.EndsAt > start) ? "patient_busy"
                : existing.Any(a => a.PatientId == patientId && a.DoctorId == doctorId && a.LocalDate == date) ? "already_booked_that_day"
                : null;
            if (reason is not null) conflicts.Add(new SeriesConflict(date, TimeZoneInfo.ConvertTime(start, zone), reason));
        }
        if (conflicts.Count > 0)
            throw new ConflictException("series_conflict",
                $"Nothing was booked: {conflicts.Count} date(s) of the series are taken: {string.Join(", ", conflicts.Select(c => c.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))}.",
                new Dictionary<string, object?> { ["conflicts"] = conflicts });
    }

    /// <summary>Saves; the database's overlap and one-per-day constraints (also from racing bookings) become their 409s.</summary>
    Task SaveAsync(bool series, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("appointments_doctor_no_overlap", () => new ConflictException(series ? "series_conflict" : "slot_taken",
            series ? "Nothing was booked: a date of the series was taken at the same moment. Check the slots and retry."
                : "This slot is already taken: the doctor has another appointment at this time. Pick another slot.")),
        ("appointments_patient_no_overlap", () => new ConflictException(series ? "series_conflict" : "patient_busy",
            "The patient already has another appointment at this time.")),
        ("appointments_one_open_per_patient_doctor_day", () => new ConflictException(series ? "series_conflict" : "already_booked_that_day",
            "The patient already has an open appointment with this doctor on that day; reschedule that one instead.")));

    /// <summary>
    /// The appointment, locked for the rest of the transaction (concurrent transitions queue up and then see the
    /// new status); 404 when it does not exist or, for a portal patient, is someone else's.
    /// </summary>
    public static async Task<Appointment> FindForUpdateAsync(CarebaseDb db, Caller caller, Guid id, CancellationToken ct)
    {
        var appointment = await db.Set<Appointment>().FromSql($"SELECT * FROM appointments WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (appointment is null || (caller.IsPatient && appointment.PatientId != caller.PatientId)) throw new NotFoundException("The appointment");
        return appointment;
    }
}
