using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.History;

/// <summary>The medical history on the patient's timeline (staff-only notes for staff only).</summary>
public sealed class HistoryTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["ALLERGY", "CONDITION", "MEDICATION", "IMMUNIZATION", "PROCEDURE", "NOTE"];

    public string Sql(string staff) => $"""
        SELECT a.patient_id, a.created_at AS occurred_at, 'ALLERGY'::text AS type, a.id, 'Allergy: ' || a.substance AS title,
               concat_ws(', ', a.category, a.severity, a.status) AS detail, a.deleted_at IS NOT NULL AS hidden
        FROM allergies a
        UNION ALL
        SELECT c.patient_id, c.created_at, 'CONDITION'::text, c.id, coalesce(c.code || ' ', '') || c.text, c.status, c.deleted_at IS NOT NULL
        FROM conditions c
        UNION ALL
        SELECT m.patient_id, m.created_at, 'MEDICATION'::text, m.id, m.name, concat_ws(', ', m.dose, m.route, m.frequency, m.status),
               m.deleted_at IS NOT NULL
        FROM medications m
        UNION ALL
        SELECT i.patient_id, {GivenAt("i")}, 'IMMUNIZATION'::text, i.id, i.vaccine, 'dose ' || i.dose_number, i.deleted_at IS NOT NULL
        FROM immunizations i
        UNION ALL
        SELECT p.patient_id, coalesce({PerformedAt("p")}, p.created_at), 'PROCEDURE'::text, p.id, p.name, p.status, p.deleted_at IS NOT NULL
        FROM procedures p
        UNION ALL
        SELECT n.patient_id, n.created_at, 'NOTE'::text, n.id, coalesce(n.title, 'Clinical note'), left(n.text, 200),
               n.deleted_at IS NOT NULL OR (n.staff_only AND NOT {staff})
        FROM clinical_notes n
        """;

    /// <summary>
    /// A date on the timeline: noon UTC of that day, so it falls on the same calendar day in every hospital's zone; the
    /// expression is immutable, which lets the indexes <c>immunizations_timeline_idx</c> and <c>procedures_timeline_idx</c> hold it.
    /// </summary>
    static string GivenAt(string i) => $"({i}.date_given + time '12:00') AT TIME ZONE 'UTC'";
    static string PerformedAt(string p) => $"({p}.performed_on + time '12:00') AT TIME ZONE 'UTC'";
}
