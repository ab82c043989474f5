using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>Prescriptions on the patient's timeline once issued (drafts are not part of the record), with their medicines and status.</summary>
public sealed class PrescriptionsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["PRESCRIPTION"];

    public string Sql(string staff) => """
        SELECT p.patient_id, p.issued_at AS occurred_at, 'PRESCRIPTION'::text AS type, p.id, 'Prescription ' || p.code AS title,
               concat_ws(': ', p.status, (SELECT string_agg(i.medicine, ', ' ORDER BY i.position) FROM prescription_items i WHERE i.prescription_id = p.id)) AS detail,
               p.issued_at IS NULL AS hidden
        FROM prescriptions p
        """;
}
