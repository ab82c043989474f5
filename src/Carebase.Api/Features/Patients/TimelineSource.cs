namespace Carebase.Api.Features.Patients;

/// <summary>
/// Where a patient's clinical events come from. An area with dated clinical rows registers one with
/// <see cref="TimelineSources.Add{T}"/>: a SELECT of <c>patient_id, occurred_at, type, id, title, detail, hidden</c> over
/// every patient, with no WHERE: <c>hidden</c> is true for a row the caller must not see (deleted, or staff-only when the
/// staff placeholder — a boolean parameter, false for a portal patient — is false), and literals are cast
/// (<c>'VISIT'::text</c>). So PostgreSQL flattens every source into one append, pushes the timeline's filters (patient,
/// type, time, cursor) into each branch and merges the branches in order from an index
/// <c>(patient_id, &lt;occurred_at&gt; DESC, id DESC)</c>, reading one page instead of the patient's whole history
/// (a branch with a WHERE of its own is planned apart and read whole).
/// </summary>
public interface ITimelineSource
{
    /// <summary>The event types this source yields (SCREAMING_CASE), for the type filter and its documentation.</summary>
    IReadOnlyList<string> Types { get; }
    string Sql(string staff);
}

public static class TimelineSources
{
    /// <summary>The one way an area adds its events to every patient's timeline (and its counts to the summary).</summary>
    public static IServiceCollection Add<T>(IServiceCollection services) where T : class, ITimelineSource =>
        services.AddSingleton<ITimelineSource, T>();
}
