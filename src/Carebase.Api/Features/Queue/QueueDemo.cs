using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// Today's live queue of a demo hospital: walk-in tokens for every demo doctor, two served, one being served,
/// the rest waiting (one an emergency, elderly patients raised automatically). Walk-ins only, so it never
/// touches the appointments that scheduling seeds.
/// </summary>
public static class QueueDemo
{
    const int PerDoctor = 8;

    public static async Task SeedAsync(CarebaseDb db, string timezone, DateTimeOffset now, CancellationToken ct)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var found) ? found : TimeZoneInfo.Utc;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var doctors = await db.Set<Doctor>().OrderBy(d => d.LicenseNumber).Select(d => new { d.Id, d.UserId }).ToListAsync(ct);
        var patients = await db.Set<Patient>().Where(p => p.DeletedAt == null).OrderBy(p => p.PatientCode)
            .Select(p => new { p.Id, p.DateOfBirth }).Take(doctors.Count * PerDoctor).ToListAsync(ct);
        if (patients.Count < doctors.Count * PerDoctor) return;

        foreach (var (doctor, d) in doctors.Select((doctor, d) => (doctor, d)))
        {
            for (var i = 0; i < PerDoctor; i++)
            {
                var patient = patients[d * PerDoctor + i];
                var arrived = now.AddMinutes(-12 * (PerDoctor - i) - 3 * d);
                var (priority, reason) = i == 5 ? ((short)1, "Severe chest pain")
                    : Patient.AgeOn(patient.DateOfBirth, today) >= QueuePriority.ElderlyAge ? ((short)2, QueuePriority.ElderlyReason)
                    : ((short)3, (string?)null);
                var token = QueueToken.Issue(doctor.Id, today, i + 1, patient.Id, null, null, priority, reason, arrived);
                if (i < 3) token.Apply(QueueAction.Call, doctor.UserId, arrived.AddMinutes(10 + 4 * i));
                if (i < 2) token.Apply(QueueAction.Serve, doctor.UserId, arrived.AddMinutes(22 + 4 * i));
                db.Add(token);
            }
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO queue_counters (doctor_id, local_date, last_number) VALUES ({doctor.Id}, {today}, {PerDoctor})", ct);
        }
        await db.SaveChangesAsync(ct);
    }

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
