using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// Demo schedules: weekday hours (and Saturday mornings for some) for every doctor, an extra session and a
/// day of time off, and three weeks of past and future appointments in every status.
/// </summary>
public static class SchedulingDemo
{
    /// <summary>
    /// Date shifts for freshening ($1 is the interval). Rows under an exclusion constraint move in two steps
    /// (far away, then back) so no row meets a not-yet-moved one on the way.
    /// </summary>
    public static readonly string[] FreshenStatements =
    [
        """
        UPDATE appointments SET starts_at = starts_at + $1 + interval '1000 years', ends_at = ends_at + $1 + interval '1000 years',
            local_date = (local_date + $1 + interval '1000 years')::date, scheduled_at = scheduled_at + $1, confirmed_at = confirmed_at + $1,
            checked_in_at = checked_in_at + $1, started_at = started_at + $1, completed_at = completed_at + $1, cancelled_at = cancelled_at + $1,
            no_show_at = no_show_at + $1, created_at = created_at + $1, updated_at = updated_at + $1
        """,
        """
        UPDATE appointments SET starts_at = starts_at - interval '1000 years', ends_at = ends_at - interval '1000 years',
            local_date = (local_date - interval '1000 years')::date WHERE $1::interval IS NOT NULL
        """,
        """
        UPDATE extra_sessions SET starts_at = starts_at + $1 + interval '1000 years', ends_at = ends_at + $1 + interval '1000 years',
            created_at = created_at + $1
        """,
        "UPDATE extra_sessions SET starts_at = starts_at - interval '1000 years', ends_at = ends_at - interval '1000 years' WHERE $1::interval IS NOT NULL",
        "UPDATE time_off SET starts_at = starts_at + $1, ends_at = ends_at + $1, created_at = created_at + $1",
    ];

    /// <summary>
    /// Runs inside the seeding transaction that creates the tenant, so the zone is passed in: the tenant clock
    /// reads the tenant row on a connection of its own, which cannot see the uncommitted row yet.
    /// </summary>
    public static async Task SeedAsync(CarebaseDb db, string timezone, TimeProvider time, string slug, CancellationToken ct)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        var slot = TimeSpan.FromMinutes(15);
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var doctors = await db.Set<Doctor>().AsNoTracking().OrderBy(d => d.LicenseNumber).Select(d => new { d.Id, d.DepartmentId }).ToListAsync(ct);
        var patients = await db.Set<Patient>().AsNoTracking().Where(p => p.DeletedAt == null).OrderBy(p => p.PatientCode).Select(p => p.Id).ToListAsync(ct);
        if (doctors.Count == 0 || patients.Count == 0) return;

        foreach (var (d, i) in doctors.Select((d, i) => (d, i)))
        {
            for (short day = 1; day <= 5; day++)
            {
                db.Add(new WorkingHours { DoctorId = d.Id, Weekday = day, StartTime = new(9, 0), EndTime = new(12, 30) });
                db.Add(new WorkingHours { DoctorId = d.Id, Weekday = day, StartTime = new(13, 30), EndTime = new(17, 0) });
            }
            if (i % 2 == 0) db.Add(new WorkingHours { DoctorId = d.Id, Weekday = 6, StartTime = new(9, 0), EndTime = new(12, 0) });
        }

        // Doctor 2 is away on the tenth day from now; doctor 0 holds an evening session on the third day.
        var awayDay = today.AddDays(10);
        db.Add(new TimeOff
        {
            DoctorId = doctors[Math.Min(2, doctors.Count - 1)].Id, StartsAt = Local(zone, awayDay, 0, 0), EndsAt = Local(zone, awayDay.AddDays(1), 0, 0),
            Reason = "Conference", CreatedAt = now,
        });
        db.Add(new ExtraSession
        {
            DoctorId = doctors[0].Id, StartsAt = Local(zone, today.AddDays(3), 18, 0), EndsAt = Local(zone, today.AddDays(3), 20, 0),
            Note = "Evening clinic", CreatedAt = now,
        });

        var rng = new Random(slug.Aggregate(7, (h, c) => h * 31 + c));
        string[] reasons = ["Follow-up", "Annual check-up", "Fever and cough", "Blood pressure review", "Back pain", "Skin rash", "Vaccination", "Lab results review"];
        var n = 0;
        for (var offset = -21; offset <= 21; offset++)
        {
            var date = today.AddDays(offset);
            // Today always has a clinic (a live front desk to demo), other days only on weekdays.
            if (offset != 0 && SlotCalculator.IsoWeekday(date) > 5) continue;
            foreach (var (d, i) in doctors.Select((d, i) => (d, i)))
            {
                if (date == awayDay && i == Math.Min(2, doctors.Count - 1)) continue;
                // Three appointments a day each, at distinct times; patients rotate so nobody is double-booked.
                for (var k = 0; k < 3; k++)
                {
                    var start = Local(zone, date, 9 + k * 2 + (i % 2), 15 * (i % 4));
                    var patient = patients[n++ % patients.Count];
                    var a = Appointment.Book(patient, d.Id, d.DepartmentId, start, start + slot, date, null, null, start.AddDays(-7));
                    a.Reason = reasons[rng.Next(reasons.Length)];
                    Walk(a, start, offset, k == 0 ? i % 2 : -1, rng.Next(100), now);
                    db.Add(a);
                }
            }
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Moves a demo appointment to a status that fits its date: past ones mostly completed (some no-shows and
    /// cancellations); today's first appointment of each doctor is checked in or in consultation whatever the
    /// hour (<paramref name="todaySlot"/> 0 or 1), so the front desk always has someone waiting; future ones booked or confirmed.
    /// </summary>
    static void Walk(Appointment a, DateTimeOffset start, int offset, int todaySlot, int roll, DateTimeOffset now)
    {
        void Do(AppointmentAction action, DateTimeOffset at, string? reason = null) => a.Apply(action, null, at < now ? at : now, reason);
        if (offset == 0 && todaySlot >= 0)
        {
            Do(AppointmentAction.Confirm, start.AddDays(-1));
            Do(AppointmentAction.CheckIn, now.AddMinutes(-20));
            if (todaySlot == 1) Do(AppointmentAction.Start, now.AddMinutes(-5));
            return;
        }
        if (start < now)
        {
            if (roll < 10) { Do(AppointmentAction.NoShow, start.AddMinutes(30)); return; }
            if (roll < 18) { Do(AppointmentAction.Cancel, start.AddDays(-1), "Patient unwell, will rebook"); return; }
            Do(AppointmentAction.Confirm, start.AddDays(-1));
            Do(AppointmentAction.CheckIn, start.AddMinutes(-10));
            Do(AppointmentAction.Start, start);
            Do(AppointmentAction.Complete, start.AddMinutes(15));
            return;
        }
        if (roll < 8) Do(AppointmentAction.Cancel, now, "Rescheduled by phone");
        else if (roll < 50) Do(AppointmentAction.Confirm, now);
    }

    static DateTimeOffset Local(TimeZoneInfo zone, DateOnly date, int hour, int minute) =>
        SlotCalculator.Instant(zone, date.ToDateTime(new TimeOnly(hour, minute))).ToUniversalTime();
}
