using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// Today's live queue of a demo hospital, seeded after scheduling's appointments: every appointment of today that was
/// checked in has its token, in step with it (checked in → waiting, in consultation → serving, completed → served),
/// and every demo doctor has walk-ins besides: two served, one being served when no appointment is, the rest waiting
/// (one an emergency, elderly patients raised automatically). One patient at most is being served per doctor.
/// </summary>
public static class QueueDemo
{
    const int WalkInsPerDoctor = 8;

    public static async Task SeedAsync(CarebaseDb db, string timezone, DateTimeOffset now, CancellationToken ct)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var found) ? found : TimeZoneInfo.Utc;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var doctors = await db.Set<Doctor>().OrderBy(d => d.LicenseNumber).Select(d => new { d.Id, d.UserId }).ToListAsync(ct);
        var appointments = await db.Set<Appointment>().AsNoTracking().Where(a => a.LocalDate == today).ToListAsync(ct);
        var patients = await db.Set<Patient>().Where(p => p.DeletedAt == null).OrderBy(p => p.PatientCode)
            .Select(p => new { p.Id, p.DateOfBirth }).ToListAsync(ct);
        var birthDates = patients.ToDictionary(p => p.Id, p => p.DateOfBirth);
        // Walk-ins are patients without an appointment today, so nobody stands in a doctor's line twice.
        var booked = appointments.Select(a => a.PatientId).ToHashSet();
        var walkIns = patients.Where(p => !booked.Contains(p.Id)).Select(p => p.Id).Take(doctors.Count * WalkInsPerDoctor).ToList();
        if (walkIns.Count < doctors.Count * WalkInsPerDoctor) return;

        (short, string?) PriorityOf(Guid patientId) => Patient.AgeOn(birthDates[patientId], today) >= QueuePriority.ElderlyAge
            ? ((short)2, QueuePriority.ElderlyReason) : ((short)3, null);

        foreach (var (doctor, d) in doctors.Select((doctor, d) => (doctor, d)))
        {
            var arrivals = new List<Arrival>();
            var inConsultation = false;
            foreach (var a in appointments.Where(a => a.DoctorId == doctor.Id && a.CheckedInAt is not null))
            {
                var (priority, reason) = PriorityOf(a.PatientId);
                arrivals.Add(new(a.CheckedInAt!.Value, a.PatientId, a, priority, reason, a.StartedAt, a.CompletedAt));
                inConsultation |= a.Status == AppointmentStatus.InConsultation;
            }
            for (var i = 0; i < WalkInsPerDoctor; i++)
            {
                var patientId = walkIns[d * WalkInsPerDoctor + i];
                var arrived = now.AddMinutes(-12 * (WalkInsPerDoctor - i) - 3 * d);
                var (priority, reason) = i == 5 ? ((short)1, "Severe chest pain") : PriorityOf(patientId);
                DateTimeOffset? called = i < 3 ? arrived.AddMinutes(10 + 4 * i) : null;
                DateTimeOffset? served = i < 2 || (i == 2 && inConsultation) ? arrived.AddMinutes(22 + 4 * i) : null;
                arrivals.Add(new(arrived, patientId, null, priority, reason, called, served));
            }
            var number = 0;
            foreach (var x in arrivals.OrderBy(x => x.At))
            {
                var token = QueueToken.Issue(doctor.Id, today, ++number, x.PatientId, x.Appointment?.Id, x.Appointment?.StartsAt, x.Priority, x.Reason, x.At);
                if (x.Called is { } calledAt) token.Apply(QueueAction.Call, doctor.UserId, calledAt);
                if (x.Served is { } servedAt) token.Apply(QueueAction.Serve, doctor.UserId, servedAt);
                db.Add(token);
            }
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO queue_counters (doctor_id, local_date, last_number) VALUES ({doctor.Id}, {today}, {number})", ct);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Someone in a doctor's line today: arrived (or checked in) at <see cref="At"/>, called and served if so.</summary>
    sealed record Arrival(DateTimeOffset At, Guid PatientId, Appointment? Appointment, short Priority, string? Reason,
        DateTimeOffset? Called, DateTimeOffset? Served);

    /// <summary>
    /// Freshening moves tokens and counters by the interval. Dates go far ahead first and then back, so rows
    /// moving onto a day that other rows are leaving never collide with the unique (doctor, day, number) keys.
    /// </summary>
    public static readonly string[] FreshenStatements =
    [
        """
        UPDATE queue_counters SET local_date = (local_date + $1 + interval '1000000 days')::date
        """,
        """
        UPDATE queue_counters SET local_date = local_date - 1000000 WHERE local_date > date '3000-01-01' AND $1::interval IS NOT NULL
        """,
        """
        UPDATE queue_tokens SET local_date = (local_date + $1 + interval '1000000 days')::date,
            appointment_starts_at = appointment_starts_at + $1, arrived_at = arrived_at + $1, called_at = called_at + $1,
            served_at = served_at + $1, left_at = left_at + $1, updated_at = updated_at + $1
        """,
        """
        UPDATE queue_tokens SET local_date = local_date - 1000000 WHERE local_date > date '3000-01-01' AND $1::interval IS NOT NULL
        """,
    ];
}
