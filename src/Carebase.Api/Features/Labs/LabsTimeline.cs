using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Labs;

/// <summary>Verified lab orders on the patient's timeline, when they were first verified: their tests and how many results are flagged.</summary>
public sealed class LabsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["LAB_RESULT"];

    public string Sql(string staff) => """
        SELECT o.patient_id, o.verified_at AS occurred_at, 'LAB_RESULT'::text AS type, o.id,
               'Lab results: ' || (SELECT string_agg(i.test_name, ', ' ORDER BY i.position) FROM lab_order_items i WHERE i.order_id = o.id) AS title,
               (SELECT count(*) FROM lab_results r WHERE r.order_id = o.id AND r.status = 'FINAL' AND r.verified_at IS NOT NULL
                   AND cardinality(r.flags) > 0) || ' flagged' AS detail,
               o.verified_at IS NULL AS hidden
        FROM lab_orders o
        """;
}
