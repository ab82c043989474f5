using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// A doctor's schedule: weekly working hours (tenant-local wall-clock blocks), time off, one-off extra
/// sessions, and the bookable slots they leave.
/// </summary>
public static class SchedulesEndpoints
{
    public static RouteGroupBuilder MapSchedules(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/doctors/{id:guid}").WithTags("Schedules").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/working-hours", GetWorkingHours).RequirePermission(Permissions.SchedulesRead).ProducesProblem(404)
            .WithSummary("The doctor's weekly working hours (ISO weekday 1 = Monday … 7 = Sunday, local HH:mm)");
        g.MapPut("/working-hours", PutWorkingHours).RequirePermission(Permissions.SchedulesWrite).ProducesValidationProblem(422).ProducesProblem(404)
            .WithSummary("Replace the weekly working hours (several blocks per day; no overlaps, start before end)");
        g.MapGet("/time-off", ListTimeOff).RequirePermission(Permissions.SchedulesRead).ProducesProblem(404)
            .WithSummary("Time off overlapping a period (from/to: dates or timestamps; defaults to the coming week)");
        g.MapPost("/time-off", CreateTimeOff).RequirePermission(Permissions.SchedulesWrite).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Add time off; 409 listing active appointments inside it, unless proceed: true flags them needsReschedule");
        g.MapDelete("/time-off/{timeOffId:guid}", DeleteTimeOff).RequirePermission(Permissions.SchedulesWrite).ProducesProblem(404)
            .WithSummary("Remove time off");
        g.MapGet("/extra-sessions", ListExtraSessions).RequirePermission(Permissions.SchedulesRead).ProducesProblem(404)
            .WithSummary("One-off extra sessions overlapping a period");
        g.MapPost("/extra-sessions", CreateExtraSession).RequirePermission(Permissions.SchedulesWrite).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Add a one-off session (at most 24 hours; sessions of one doctor may not overlap)");
        g.MapDelete("/extra-sessions/{sessionId:guid}", DeleteExtraSession).RequirePermission(Permissions.SchedulesWrite).ProducesProblem(404)
            .WithSummary("Remove an extra session (appointments already booked in it stay)");
        g.MapGet("/available-slots", AvailableSlots).RequirePermission(Permissions.SchedulesRead).ProducesValidationProblem(422).ProducesProblem(404)
            .WithSummary($"Free slots in [from, to) (dates or timestamps, at most 31 days), in the tenant's local time with offsets");
        return api;
    }

    static async Task<Ok<WorkingHoursResponse>> GetWorkingHours(Guid id, CarebaseDb db, DoctorCalendars calendars, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        return TypedResults.Ok(await WeekAsync(id, db, calendars, ct));
    }

    static async Task<Ok<WorkingHoursResponse>> PutWorkingHours(Guid id, WorkingHoursBody body, CarebaseDb db, DoctorCalendars calendars,
        AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await calendars.EnsureDoctorAsync(id, "NO KEY UPDATE", ct);
        var before = await db.Set<WorkingHours>().Where(h => h.DoctorId == id).ToListAsync(ct);
        db.RemoveRange(before);
        await db.SaveChangesAsync(ct); // deletes first: the new week may reuse the same times
        var blocks = body.ToBlocks().OrderBy(b => b.Weekday).ThenBy(b => b.Start).ToList();
        db.AddRange(blocks.Select(b => new WorkingHours { DoctorId = id, Weekday = (short)b.Weekday, StartTime = b.Start, EndTime = b.End }));
        audit.Record("working_hours.replaced", "doctor", id, new
        {
            from = before.Select(h => new { h.Weekday, h.StartTime, h.EndTime }),
            to = blocks.Select(b => new { b.Weekday, b.Start, b.End }),
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await WeekAsync(id, db, calendars, ct));
    }

    static async Task<WorkingHoursResponse> WeekAsync(Guid id, CarebaseDb db, DoctorCalendars calendars, CancellationToken ct)
    {
        var (zone, slot) = await calendars.SettingsAsync(ct);
        var week = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.DoctorId == id)
            .OrderBy(h => h.Weekday).ThenBy(h => h.StartTime).ToListAsync(ct);
        return new WorkingHoursResponse(id, zone.Id, slot, week.Select(WorkingBlockResponse.From).ToList());
    }

    static async Task<Ok<IReadOnlyList<TimeOffResponse>>> ListTimeOff(Guid id, [AsParameters] PeriodQuery query, CarebaseDb db,
        DoctorCalendars calendars, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (zone, _) = await calendars.SettingsAsync(ct);
        var (from, to) = PeriodOf(query, zone, calendars.Now, 366);
        var rows = await db.Set<TimeOff>().AsNoTracking().Where(t => t.DoctorId == id && t.StartsAt < to && t.EndsAt > from)
            .OrderBy(t => t.StartsAt).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<TimeOffResponse>>(rows.Select(t => ToResponse(t, zone, [])).ToList());
    }

    static async Task<Created<TimeOffResponse>> CreateTimeOff(Guid id, CreateTimeOffRequest request, Caller caller, CarebaseDb db,
        DoctorCalendars calendars, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (start, end) = (request.StartsAt!.Value.ToUniversalTime(), request.EndsAt!.Value.ToUniversalTime());
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Locked against bookings of this doctor until commit: none can land inside the new absence meanwhile.
        await calendars.EnsureDoctorAsync(id, "NO KEY UPDATE", ct);
        var affected = await db.Set<Appointment>()
            .Where(a => a.DoctorId == id && a.StartsAt < end && a.EndsAt > start && AppointmentStatus.Active.Contains(a.Status))
            .OrderBy(a => a.StartsAt).ToListAsync(ct);
        var (zone, _) = await calendars.SettingsAsync(ct);
        if (affected.Count > 0 && request.Proceed != true)
            throw new ConflictException("appointments_in_time_off",
                $"{affected.Count} active appointment(s) fall inside this time off. Reschedule or cancel them, or send proceed: true to flag them for rescheduling.",
                new Dictionary<string, object?>
                {
                    ["appointments"] = affected.Select(a => new AppointmentConflict(a.Id, a.PatientId, TimeZoneInfo.ConvertTime(a.StartsAt, zone),
                        TimeZoneInfo.ConvertTime(a.EndsAt, zone), a.Status)).ToList(),
                });
        var timeOff = new TimeOff
        {
            DoctorId = id, StartsAt = start, EndsAt = end, Reason = Input.Clean(request.Reason), CreatedAt = now, CreatedBy = caller.UserId,
        };
        db.Add(timeOff);
        foreach (var a in affected)
        {
            a.NeedsReschedule = true;
            a.Touch(caller.UserId, now);
            audit.Record("appointment.flagged_for_reschedule", "appointment", a.Id, new { timeOffId = timeOff.Id });
        }
        audit.Record("time_off.created", "doctor", id, new
        {
            timeOffId = timeOff.Id, timeOff.StartsAt, timeOff.EndsAt, timeOff.Reason, flaggedAppointmentIds = affected.Select(a => a.Id),
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/doctors/{id}/time-off/{timeOff.Id}", ToResponse(timeOff, zone, affected.Select(a => a.Id).ToList()));
    }

    static async Task<NoContent> DeleteTimeOff(Guid id, Guid timeOffId, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        var row = await db.Set<TimeOff>().SingleOrDefaultAsync(t => t.Id == timeOffId && t.DoctorId == id, ct) ?? throw new NotFoundException("The time off");
        db.Remove(row);
        audit.Record("time_off.deleted", "doctor", id, new { timeOffId, row.StartsAt, row.EndsAt, row.Reason });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<ExtraSessionResponse>>> ListExtraSessions(Guid id, [AsParameters] PeriodQuery query, CarebaseDb db,
        DoctorCalendars calendars, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (zone, _) = await calendars.SettingsAsync(ct);
        var (from, to) = PeriodOf(query, zone, calendars.Now, 366);
        var rows = await db.Set<ExtraSession>().AsNoTracking().Where(t => t.DoctorId == id && t.StartsAt < to && t.EndsAt > from)
            .OrderBy(t => t.StartsAt).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<ExtraSessionResponse>>(rows.Select(s => ToResponse(s, zone)).ToList());
    }

    static async Task<Created<ExtraSessionResponse>> CreateExtraSession(Guid id, CreateExtraSessionRequest request, Caller caller, CarebaseDb db,
        DoctorCalendars calendars, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (zone, _) = await calendars.SettingsAsync(ct);
        var session = new ExtraSession
        {
            DoctorId = id, StartsAt = request.StartsAt!.Value.ToUniversalTime(), EndsAt = request.EndsAt!.Value.ToUniversalTime(),
            Note = Input.Clean(request.Note), CreatedAt = time.GetUtcNow(), CreatedBy = caller.UserId,
        };
        db.Add(session);
        audit.Record("extra_session.created", "doctor", id, new { sessionId = session.Id, session.StartsAt, session.EndsAt, session.Note });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.ExclusionViolation })
        {
            throw new ConflictException("session_overlap", "The doctor already has an extra session overlapping this time.");
        }
        return TypedResults.Created($"/api/v1/doctors/{id}/extra-sessions/{session.Id}", ToResponse(session, zone));
    }

    static async Task<NoContent> DeleteExtraSession(Guid id, Guid sessionId, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        var row = await db.Set<ExtraSession>().SingleOrDefaultAsync(t => t.Id == sessionId && t.DoctorId == id, ct)
            ?? throw new NotFoundException("The extra session");
        db.Remove(row);
        audit.Record("extra_session.deleted", "doctor", id, new { sessionId, row.StartsAt, row.EndsAt });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<SlotResponse>>> AvailableSlots(Guid id, [AsParameters] PeriodQuery query, DoctorCalendars calendars,
        CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (zone, slot) = await calendars.SettingsAsync(ct);
        var (from, to) = PeriodOf(query, zone, calendars.Now, DoctorCalendars.MaxRangeDays);
        var calendar = await calendars.LoadAsync(id, from, to, zone, slot, except: null, ct);
        var slots = SlotCalculator.Slots(calendar, from, to, calendars.Now);
        return TypedResults.Ok<IReadOnlyList<SlotResponse>>(slots.Select(s => new SlotResponse(s.Start, s.End)).ToList());
    }

    /// <summary>The period of a query, at most <paramref name="maxDays"/> long (else 422).</summary>
    static (DateTimeOffset from, DateTimeOffset to) PeriodOf(PeriodQuery query, TimeZoneInfo zone, DateTimeOffset now, int maxDays)
    {
        var errors = new FieldErrors();
        var (from, to) = DoctorCalendars.ParsePeriod(query.From, query.To, zone, now, errors);
        if (!errors.Any && to - from > TimeSpan.FromDays(maxDays) + TimeSpan.FromHours(1))
            errors.Add("to", $"The range may span at most {maxDays} days.");
        errors.ThrowIfAny();
        return (from.ToUniversalTime(), to.ToUniversalTime()); // timestamptz parameters are written as UTC
    }

    static TimeOffResponse ToResponse(TimeOff t, TimeZoneInfo zone, IReadOnlyList<Guid> flagged) =>
        new(t.Id, t.DoctorId, TimeZoneInfo.ConvertTime(t.StartsAt, zone), TimeZoneInfo.ConvertTime(t.EndsAt, zone), t.Reason,
            TimeZoneInfo.ConvertTime(t.CreatedAt, zone), t.CreatedBy, flagged);

    static ExtraSessionResponse ToResponse(ExtraSession s, TimeZoneInfo zone) =>
        new(s.Id, s.DoctorId, TimeZoneInfo.ConvertTime(s.StartsAt, zone), TimeZoneInfo.ConvertTime(s.EndsAt, zone), s.Note,
            TimeZoneInfo.ConvertTime(s.CreatedAt, zone), s.CreatedBy);
}
