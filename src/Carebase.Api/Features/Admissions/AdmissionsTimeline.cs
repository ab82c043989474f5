using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Admissions;

/// <summary>Admissions (when admitted: where and why) and discharges (when: disposition and condition) on the patient's timeline.</summary>
public sealed class AdmissionsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["ADMISSION", "DISCHARGE"];

    public string Sql(string staff) => """
        SELECT a.patient_id, a.admitted_at AS occurred_at, 'ADMISSION'::text AS type, a.id,
               'Admitted: ' || a.admitting_diagnosis AS title, a.source || ', ' || a.status AS detail, false AS hidden
        FROM admissions a
        UNION ALL
        SELECT a.patient_id, a.discharged_at, 'DISCHARGE'::text, a.id,
               'Discharged: ' || coalesce((SELECT string_agg(coalesce(d->>'code' || ' ', '') || (d->>'text'), '; ')
                                            FROM jsonb_array_elements(a.final_diagnoses) d), a.admitting_diagnosis),
               a.disposition || ', ' || a.condition_at_discharge, a.discharged_at IS NULL
        FROM admissions a
        """;
}

/// <summary>The primary doctor of an ACTIVE admission is on the patient's care team while it lasts.</summary>
public sealed class AdmissionCareTeam : ICareTeamSource
{
    public string Sql(string now) => """
        SELECT a.patient_id, d.user_id, 'PRIMARY_DOCTOR' AS role, 'ADMISSION' AS source, a.admitted_at AS since
        FROM admissions a JOIN doctors d ON d.id = a.primary_doctor_id
        WHERE a.status = 'ACTIVE'
        """;
}
