using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
        g.MapGet("/working-hours", GetWorkingHours).RequirePermission(Permissions.SchedulesRead)
            .WithSummary("The doctor's weekly working hours (ISO weekday 1 = Monday … 7 = Sunday, local HH:mm)");
        g.MapPut("/working-hours", PutWorkingHours).RequirePermission(Permissions.SchedulesWrite)
            .WithSummary("Replace the weekly working hours (several blocks per day; no overlaps, start before end)");
        g.MapGet("/time-off", ListTimeOff).RequirePermission(Permissions.SchedulesRead)
            .WithSummary("Time off overlapping a period (from/to: dates or timestamps; defaults to the coming week)");
        g.MapPost("/time-off", CreateTimeOff).RequirePermission(Permissions.SchedulesWrite).ProducesProblem(409)
            .WithSummary("Add time off (from 31 days ago to two years ahead, at most 366 days long); 409 listing active appointments inside it, unless proceed: true flags them needsReschedule");
        g.MapDelete("/time-off/{timeOffId:guid}", DeleteTimeOff).RequirePermission(Permissions.SchedulesWrite)
            .WithSummary("Remove time off");
        g.MapGet("/extra-sessions", ListExtraSessions).RequirePermission(Permissions.SchedulesRead)
            .WithSummary("One-off extra sessions overlapping a period");
        g.MapPost("/extra-sessions", CreateExtraSession).RequirePermission(Permissions.SchedulesWrite).ProducesProblem(409)
            .WithSummary("Add a one-off session (in the future, within two years, at most 24 hours; sessions of one doctor may not overlap)");
        g.MapDelete("/extra-sessions/{sessionId:guid}", DeleteExtraSession).RequirePermission(Permissions.SchedulesWrite)
            .WithSummary("Remove an extra session (appointments already booked in it stay)");
        g.MapGet("/available-slots", AvailableSlots).RequirePermission(Permissions.SchedulesRead)
            .WithSummary($"Free slots in the period (dates or timestamps, at most 31 days), in the hospital's local time with offsets");
        return api;
    }

    static async Task<Ok<WorkingHoursResponse>> GetWorkingHours(Guid id, CarebaseDb db, DoctorCalendars calendars, TenantClock clock, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        return TypedResults.Ok(await WeekAsync(id, db, clock, ct));
    }

    static async Task<Ok<WorkingHoursResponse>> PutWorkingHours(Guid id, WorkingHoursBody body, CarebaseDb db, DoctorCalendars calendars,
        TenantClock clock, AuditLog audit, CancellationToken ct)
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
        return TypedResults.Ok(await WeekAsync(id, db, clock, ct));
    }

    static async Task<WorkingHoursResponse> WeekAsync(Guid id, CarebaseDb db, TenantClock clock, CancellationToken ct)
    {
        var (zone, slot) = await clock.SettingsAsync(ct);
        var week = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.DoctorId == id)
            .OrderBy(h => h.Weekday).ThenBy(h => h.StartTime).ToListAsync(ct);
        return new WorkingHoursResponse(id, zone.Id, slot, week.Select(WorkingBlockResponse.From).ToList());
    }

    static async Task<Ok<Paged<TimeOffResponse>>> ListTimeOff(Guid id, [AsParameters] PeriodQuery query, CarebaseDb db,
        DoctorCalendars calendars, TenantClock clock, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (from, to) = await PeriodOfAsync(query, clock, 366, ct);
        return TypedResults.Ok(await db.Set<TimeOff>().AsNoTracking().Where(t => t.DoctorId == id && t.StartsAt < to && t.EndsAt > from)
            .OrderBy(t => t.StartsAt).ThenBy(t => t.Id).ToPagedAsync(query, t => TimeOffResponse.From(t, []), ct));
    }

    static async Task<Created<TimeOffResponse>> CreateTimeOff(Guid id, CreateTimeOffRequest request, Caller caller, CarebaseDb db,
        DoctorCalendars calendars, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (start, end) = (request.StartsAt!.Value.ToUniversalTime(), request.EndsAt!.Value.ToUniversalTime());
        var now = time.GetUtcNow();
        SchedulingFields.Within(start, end, now - TimeSpan.FromDays(31), now + TimeSpan.FromDays(731), "Time off");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Locked against bookings of this doctor until commit: none can land inside the new absence meanwhile.
        await calendars.EnsureDoctorAsync(id, "NO KEY UPDATE", ct);
        var affected = await db.Set<Appointment>()
            .Where(a => a.DoctorId == id && a.StartsAt < end && a.EndsAt > start && AppointmentStatus.Active.Contains(a.Status))
            .OrderBy(a => a.StartsAt).ToListAsync(ct);
        if (affected.Count > 0 && request.Proceed != true)
            throw new ConflictException("appointments_in_time_off",
                $"{affected.Count} active appointment(s) fall inside this time off. Reschedule or cancel them, or send proceed: true to flag them for rescheduling.",
                new Dictionary<string, object?>
                {
                    ["appointments"] = affected.Select(a => new AppointmentConflict(a.Id, a.PatientId, HospitalTime.Local(a.StartsAt),
                        HospitalTime.Local(a.EndsAt), a.Status)).ToList(),
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
        return TypedResults.Created($"/api/v1/doctors/{id}/time-off/{timeOff.Id}", TimeOffResponse.From(timeOff, affected.Select(a => a.Id).ToList()));
    }

    static async Task<NoContent> DeleteTimeOff(Guid id, Guid timeOffId, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        var row = await db.Set<TimeOff>().SingleOrDefaultAsync(t => t.Id == timeOffId && t.DoctorId == id, ct) ?? throw new NotFoundException("The time off");
        db.Remove(row);
        audit.Record("time_off.deleted", "doctor", id, new { timeOffId, row.StartsAt, row.EndsAt, row.Reason });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<Paged<ExtraSessionResponse>>> ListExtraSessions(Guid id, [AsParameters] PeriodQuery query, CarebaseDb db,
        DoctorCalendars calendars, TenantClock clock, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (from, to) = await PeriodOfAsync(query, clock, 366, ct);
        return TypedResults.Ok(await db.Set<ExtraSession>().AsNoTracking().Where(t => t.DoctorId == id && t.StartsAt < to && t.EndsAt > from)
            .OrderBy(t => t.StartsAt).ThenBy(t => t.Id).ToPagedAsync(query, ExtraSessionResponse.From, ct));
    }

    static async Task<Created<ExtraSessionResponse>> CreateExtraSession(Guid id, CreateExtraSessionRequest request, Caller caller, CarebaseDb db,
        DoctorCalendars calendars, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var session = new ExtraSession
        {
            DoctorId = id, StartsAt = request.StartsAt!.Value.ToUniversalTime(), EndsAt = request.EndsAt!.Value.ToUniversalTime(),
            Note = Input.Clean(request.Note), CreatedAt = now, CreatedBy = caller.UserId,
        };
        SchedulingFields.Within(session.StartsAt, session.EndsAt, now, now + TimeSpan.FromDays(731), "An extra session");
        await calendars.EnsureDoctorAsync(id, null, ct);
        db.Add(session);
        audit.Record("extra_session.created", "doctor", id, new { sessionId = session.Id, session.StartsAt, session.EndsAt, session.Note });
        await db.SaveOrConflictAsync(ct, (PostgresErrorCodes.ExclusionViolation, () =>
            new ConflictException("session_overlap", "The doctor already has an extra session overlapping this time.")));
        return TypedResults.Created($"/api/v1/doctors/{id}/extra-sessions/{session.Id}", ExtraSessionResponse.From(session));
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

    static async Task<Ok<Paged<SlotResponse>>> AvailableSlots(Guid id, [AsParameters] PeriodQuery query, DoctorCalendars calendars,
        TenantClock clock, CancellationToken ct)
    {
        await calendars.EnsureDoctorAsync(id, null, ct);
        var (zone, slot) = await clock.SettingsAsync(ct);
        var (from, to) = await PeriodOfAsync(query, clock, DoctorCalendars.MaxRangeDays, ct);
        var calendar = await calendars.LoadAsync(id, from, to, zone, slot, except: null, ct);
        var slots = SlotCalculator.Slots(calendar, from, to, clock.UtcNow).Select(s => new SlotResponse(s.Start, s.End)).ToList();
        return TypedResults.Ok(slots.ToPaged(query));
    }

    /// <summary>The period of a query, at most <paramref name="maxDays"/> long (else 422).</summary>
    static async Task<(DateTimeOffset from, DateTimeOffset to)> PeriodOfAsync(PeriodQuery query, TenantClock clock, int maxDays, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (from, to) = DoctorCalendars.ParsePeriod(query.From, query.To, await clock.ZoneAsync(ct), clock.UtcNow, errors);
        if (!errors.Any && to - from > TimeSpan.FromDays(maxDays) + TimeSpan.FromHours(1))
            errors.Add("to", $"The range may span at most {maxDays} days.");
        errors.ThrowIfAny();
        return (from.ToUniversalTime(), to.ToUniversalTime()); // timestamptz parameters are written as UTC
    }
}
