using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Visits;

/// <summary>Visits, vital signs and diagnoses on the patient's timeline.</summary>
public sealed class VisitsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["VISIT", "VITALS", "DIAGNOSIS"];

    public string Sql(string staff) => """
        SELECT v.patient_id, v.started_at AS occurred_at, 'VISIT'::text AS type, v.id,
               'Visit' || coalesce(': ' || v.chief_complaint, '') AS title, v.status AS detail, false AS hidden
        FROM visits v
        UNION ALL
        SELECT x.patient_id, x.recorded_at, 'VITALS'::text, x.id, 'Vital signs'::text,
               concat_ws(', ', 'BP ' || x.systolic_mmhg || '/' || x.diastolic_mmhg || ' mmHg', 'pulse ' || x.pulse_per_min || '/min',
                   'temp ' || x.temperature_c || ' °C', 'SpO2 ' || x.spo2_percent || '%', 'BMI ' || x.bmi),
               x.deleted_at IS NOT NULL
        FROM vitals x
        UNION ALL
        SELECT d.patient_id, d.created_at, 'DIAGNOSIS'::text, d.id, coalesce(d.code || ' ', '') || d.text, d.kind || ', ' || d.status,
               d.deleted_at IS NOT NULL
        FROM visit_diagnoses d
        """;
}
