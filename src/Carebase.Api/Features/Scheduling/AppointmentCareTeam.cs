using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// The doctor of an appointment is on the patient's care team while it is open, and for 30 days after it (upcoming
/// ones included); a cancelled appointment makes nobody a member.
/// </summary>
public sealed class AppointmentCareTeam : ICareTeamSource
{
    public string Sql(string now) => $"""
        SELECT a.patient_id, d.user_id, 'DOCTOR' AS role, 'APPOINTMENT' AS source, a.starts_at AS since
        FROM appointments a JOIN doctors d ON d.id = a.doctor_id
        WHERE a.status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION')
           OR (a.status <> 'CANCELLED' AND a.starts_at >= {now} - interval '30 days')
        """;
}
