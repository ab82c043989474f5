using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// Rows of another feature that follow an appointment's status (the queue token of a checked-in appointment).
/// Features depend on Scheduling and never the reverse, so a feature registers a follower and
/// <see cref="AppointmentWorkflow"/> calls it after every step, in the same unit of work: what the follower changes
/// is saved by the same SaveChanges and commits, or not, with the appointment.
/// </summary>
/// <remarks>
/// A seam in code rather than a database trigger: the follower's moves are guarded by its entity's rules and
/// audited as the caller, like any other change.
/// </remarks>
public interface IAppointmentFollower
{
    /// <summary>
    /// Called after <paramref name="appointment"/> took <paramref name="action"/>, before anything is saved. A step that
    /// began at the follower's own row (the queue serving a token completes its appointment) finds that row already
    /// moved and leaves it alone.
    /// </summary>
    Task FollowAsync(Appointment appointment, AppointmentAction action, CancellationToken ct);
}

/// <summary>
/// The one way an appointment moves through its workflow, whoever asks (its routes, the queue, a visit being
/// completed): the step, its audit entry and the followers' moves, all in the caller's unit of work. The caller
/// loads the appointment (locked, or tracked so that its version is checked when saved) and saves.
/// </summary>
public sealed class AppointmentWorkflow(Caller caller, AuditLog audit, TimeProvider time, IEnumerable<IAppointmentFollower> followers)
{
    public async Task MoveAsync(Appointment appointment, AppointmentAction action, string? reason, CancellationToken ct)
    {
        var from = appointment.Status;
        appointment.Apply(action, caller.UserId, time.GetUtcNow(), reason);
        audit.Record($"appointment.{appointment.Status.ToLowerInvariant()}", "appointment", appointment.Id,
            new { from, to = appointment.Status, reason });
        foreach (var follower in followers) await follower.FollowAsync(appointment, action, ct);
    }
}
