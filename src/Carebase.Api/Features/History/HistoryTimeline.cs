using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.History;

/// <summary>The medical history on the patient's timeline (staff-only notes for staff only).</summary>
public sealed class HistoryTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["ALLERGY", "CONDITION", "MEDICATION", "IMMUNIZATION", "PROCEDURE", "NOTE"];

    public string Sql(string staff) => $"""
        SELECT a.patient_id, a.created_at AS occurred_at, 'ALLERGY' AS type, a.id, 'Allergy: ' || a.substance AS title,
               concat_ws(', ', a.category, a.severity, a.status) AS detail
        FROM allergies a WHERE a.deleted_at IS NULL
        UNION ALL
        SELECT c.patient_id, c.created_at, 'CONDITION', c.id, coalesce(c.code || ' ', '') || c.text, c.status FROM conditions c WHERE c.deleted_at IS NULL
        UNION ALL
        SELECT m.patient_id, m.created_at, 'MEDICATION', m.id, m.name, concat_ws(', ', m.dose, m.route, m.frequency, m.status)
        FROM medications m WHERE m.deleted_at IS NULL
        UNION ALL
        SELECT i.patient_id, i.date_given::timestamptz, 'IMMUNIZATION', i.id, i.vaccine, 'dose ' || i.dose_number
        FROM immunizations i WHERE i.deleted_at IS NULL
        UNION ALL
        SELECT p.patient_id, coalesce(p.performed_on::timestamptz, p.created_at), 'PROCEDURE', p.id, p.name, p.status
        FROM procedures p WHERE p.deleted_at IS NULL
        UNION ALL
        SELECT n.patient_id, n.created_at, 'NOTE', n.id, coalesce(n.title, 'Clinical note'), left(n.text, 200)
        FROM clinical_notes n WHERE n.deleted_at IS NULL AND (NOT n.staff_only OR {staff})
        """;
}
