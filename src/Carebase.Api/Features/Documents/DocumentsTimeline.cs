using Carebase.Api.Features.Patients;

namespace Carebase.Api.Features.Documents;

/// <summary>Medical documents on the patient's timeline.</summary>
public sealed class DocumentsTimeline : ITimelineSource
{
    public IReadOnlyList<string> Types { get; } = ["DOCUMENT"];

    public string Sql(string staff) => """
        SELECT d.patient_id, d.created_at AS occurred_at, 'DOCUMENT'::text AS type, d.id, d.title, d.category AS detail,
               d.deleted_at IS NOT NULL AS hidden
        FROM documents d
        """;
}
