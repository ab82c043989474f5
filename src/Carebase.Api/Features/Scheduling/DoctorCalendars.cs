using Carebase.Api.Features.Doctors;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Scheduling;

/// <summary>Loads what slot computations need: a doctor's calendar for a period (the zone and slot length come from <see cref="TenantClock"/>).</summary>
public sealed class DoctorCalendars(CarebaseDb db)
{
    public const int MaxRangeDays = 31;

    /// <summary>
    /// 404 unless the doctor exists in this hospital. With <paramref name="lockMode"/> the doctor's row is
    /// locked: bookings take FOR SHARE (they run side by side) and schedule changes FOR NO KEY UPDATE, so a
    /// booking never slips into time off that is being created at the same moment.
    /// </summary>
    public async Task EnsureDoctorAsync(Guid doctorId, string? lockMode, CancellationToken ct)
    {
        var exists = lockMode switch
        {
            null => await db.Set<Doctor>().AnyAsync(d => d.Id == doctorId, ct),
            "SHARE" => (await db.Database.SqlQuery<int>($"SELECT 1 AS \"Value\" FROM doctors WHERE id = {doctorId} FOR SHARE").ToListAsync(ct)).Count > 0,
            "NO KEY UPDATE" => (await db.Database.SqlQuery<int>($"SELECT 1 AS \"Value\" FROM doctors WHERE id = {doctorId} FOR NO KEY UPDATE").ToListAsync(ct)).Count > 0,
            _ => throw new ArgumentOutOfRangeException(nameof(lockMode)),
        };
        if (!exists) throw new NotFoundException("The doctor");
    }

    /// <summary>The doctor's calendar around [from, to): weekly hours, sessions, time off and active appointments (but <paramref name="except"/>).</summary>
    public async Task<DoctorCalendar> LoadAsync(Guid doctorId, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, int slotMinutes,
        Guid? except, CancellationToken ct)
    {
        // A day of margin on each side: slots are cut from local days and may straddle the range's edges.
        var (f, t) = (from.AddDays(-1).ToUniversalTime(), to.AddDays(1).ToUniversalTime());
        var week = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.DoctorId == doctorId)
            .Select(h => new WeeklyBlock(h.Weekday, h.StartTime, h.EndTime)).ToListAsync(ct);
        var sessions = await db.Set<ExtraSession>().AsNoTracking().Where(s => s.DoctorId == doctorId && s.StartsAt < t && s.EndsAt > f)
            .Select(s => new { s.StartsAt, s.EndsAt }).ToListAsync(ct);
        var off = await db.Set<TimeOff>().AsNoTracking().Where(s => s.DoctorId == doctorId && s.StartsAt < t && s.EndsAt > f)
            .Select(s => new { s.StartsAt, s.EndsAt }).ToListAsync(ct);
        var booked = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.DoctorId == doctorId && a.StartsAt < t && a.EndsAt > f && AppointmentStatus.Active.Contains(a.Status) && a.Id != except)
            .Select(a => new { a.StartsAt, a.EndsAt }).ToListAsync(ct);
        return new DoctorCalendar(zone, slotMinutes, week,
            sessions.Select(s => new Period(s.StartsAt, s.EndsAt)).ToList(),
            off.Select(s => new Period(s.StartsAt, s.EndsAt)).ToList(),
            booked.Select(s => new Period(s.StartsAt, s.EndsAt)).ToList());
    }

    /// <summary>
    /// A period from query strings, one rule for every route: each bound is a date (a whole local day of the hospital: from
    /// its start; <c>to</c> through its end, so both dates are included) or an instant with its offset (<c>from</c>
    /// included, <c>to</c> excluded). Missing bounds default to today and <paramref name="defaultDays"/> days later.
    /// </summary>
    public static (DateTimeOffset from, DateTimeOffset to) ParsePeriod(string? from, string? to, TimeZoneInfo zone, DateTimeOffset now,
        FieldErrors errors, int defaultDays = 7)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var f = Bound(from, "from", zone, errors, endOfDay: false) ?? SlotCalculator.Instant(zone, today.ToDateTime(TimeOnly.MinValue));
        var t = Bound(to, "to", zone, errors, endOfDay: true)
            ?? SlotCalculator.Instant(zone, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(f, zone).DateTime).AddDays(defaultDays).ToDateTime(TimeOnly.MinValue));
        if (f >= t) errors.Add("to", "Must be after from.");
        return (f, t);
    }

    /// <summary>One bound of a period, or null when absent (422 on <paramref name="field"/> when malformed or out of range).</summary>
    public static DateTimeOffset? Bound(string? value, string field, TimeZoneInfo zone, FieldErrors errors, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (ApiDates.TryParseDate(value, out var date))
            return SlotCalculator.Instant(zone, (endOfDay ? date.AddDays(1) : date).ToDateTime(TimeOnly.MinValue));
        if (ApiDates.TryParseInstant(value, out var instant)) return instant;
        errors.Add(field, $"Must be {ApiDates.DateOrInstantRule}.");
        return null;
    }
}
