namespace Carebase.Api.Features.Patients;

/// <summary>
/// Where a patient's clinical events come from. An area with dated clinical rows registers one with
/// <see cref="TimelineSources.Add{T}"/>: a SELECT of <c>patient_id, occurred_at, type, id, title, detail</c> over every
/// patient (deleted rows left out), with the staff placeholder a boolean parameter that is false for a portal patient
/// (leave out what is staff-only). The timeline filters it by patient, type and time (PostgreSQL pushes those filters into
/// each branch: index <c>(patient_id, &lt;time&gt;)</c>) and merges the branches in time order.
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
