using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// Check-in of a booked appointment of today. <c>priority</c> is EMERGENCY, HIGH or NORMAL (default); EMERGENCY
/// and HIGH need a <c>priorityReason</c>. Patients aged 65 or over get HIGH automatically unless EMERGENCY is given.
/// </summary>
public sealed record CheckInRequest([property: Required] Guid? AppointmentId,
    [property: OneOf(typeof(QueuePriority), nameof(QueuePriority.All))] string? Priority,
    [property: MaxLength(QueueFields.MaxReason)] string? PriorityReason) : IValidatable
{
    public void Validate(FieldErrors errors) => QueueFields.Priority(Priority, PriorityReason, errors);
}

/// <summary>A patient without an appointment joins a doctor's queue of today; priority as for check-in.</summary>
public sealed record WalkInRequest([property: Required] Guid? PatientId, [property: Required] Guid? DoctorId,
    [property: OneOf(typeof(QueuePriority), nameof(QueuePriority.All))] string? Priority,
    [property: MaxLength(QueueFields.MaxReason)] string? PriorityReason) : IValidatable
{
    public void Validate(FieldErrors errors) => QueueFields.Priority(Priority, PriorityReason, errors);
}

/// <summary>Whose queue to call the next patient from (today's, in the tenant's time).</summary>
public sealed record NextRequest([property: Required] Guid? DoctorId);

/// <summary>The board of one doctor's queue on one tenant-local day (today when <c>date</c> is left out).</summary>
public sealed record QueueBoardQuery([property: Required, MaxLength(36), Description("The doctor whose queue to show: an id, or me for your own.")] string? DoctorId, DateOnly? Date) : IValidatable
{
    public void Validate(FieldErrors errors) => Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
}

/// <summary>
/// A token. <c>waitMinutes</c> is the time from arrival until called (or until now while waiting);
/// <c>position</c> is the place in the call order (1 is next), for waiting tokens only.
/// </summary>
public sealed record QueueTokenResponse(
    Guid Id, int Number, Guid DoctorId, DateOnly Date, Guid PatientId, string PatientName, Guid? AppointmentId,
    DateTimeOffset? AppointmentStartsAt, [property: OneOf(typeof(QueuePriority), nameof(QueuePriority.All))] string Priority, string? PriorityReason,
    [property: OneOf(typeof(QueueFields), nameof(QueueFields.Statuses))] string Status, DateTimeOffset ArrivedAt,
    DateTimeOffset? CalledAt, Guid? CalledBy, DateTimeOffset? ServedAt, DateTimeOffset? LeftAt, int WaitMinutes, int? Position,
    bool Restricted = false)
{
    /// <summary>The answer; <paramref name="restricted"/> (a confidential patient the caller may not open) leaves out the priority reason.</summary>
    internal static QueueTokenResponse From(QueueToken t, string patientName, DateTimeOffset now, int? position = null, bool restricted = false) => new(
        t.Id, t.Number, t.DoctorId, t.LocalDate, t.PatientId, patientName, t.AppointmentId, t.AppointmentStartsAt,
        QueuePriority.Name(t.Priority), restricted ? null : t.PriorityReason, t.Status, t.ArrivedAt, t.CalledAt, t.CalledBy, t.ServedAt, t.LeftAt,
        WaitOf(t, now), position, restricted);

    static int WaitOf(QueueToken t, DateTimeOffset now)
    {
        var until = t.CalledAt ?? (t.Status == QueueStatus.Waiting ? now : t.LeftAt ?? t.UpdatedAt);
        return Math.Max(0, (int)(until - t.ArrivedAt).TotalMinutes);
    }
}

public sealed record QueueCounts(int Waiting, int Serving, int Served, int Skipped, int Left, int Total);

/// <summary>
/// One doctor's queue on one day: waiting tokens in call order, those being served, and the finished ones
/// (served, skipped, left) most recent first; counts; the average wait of the tokens called so far.
/// </summary>
public sealed record QueueBoard(
    Guid DoctorId, DateOnly Date, DateTimeOffset AsOf, IReadOnlyList<QueueTokenResponse> Waiting, IReadOnlyList<QueueTokenResponse> Serving,
    IReadOnlyList<QueueTokenResponse> Served, IReadOnlyList<QueueTokenResponse> Skipped, IReadOnlyList<QueueTokenResponse> Left,
    QueueCounts Counts, int? AverageWaitMinutes);

/// <summary>
/// A message of GET /queue/stream. Event types: <c>snapshot</c> (the first message), <c>change</c> (one per change of
/// the queue: <c>event</c> is checked_in, walked_in, called, skipped, recalled, served, left or resync, with the board
/// after it) and <c>ping</c> (every 20 seconds of quiet, no board).
/// </summary>
public sealed record QueueStreamMessage(string Event, Guid? TokenId, QueueBoard? Board);

static class QueueFields
{
    public const int MaxReason = 200;
    public static readonly string[] Statuses = [QueueStatus.Waiting, QueueStatus.Serving, QueueStatus.Served, QueueStatus.Skipped, QueueStatus.Left];

    /// <summary>EMERGENCY and HIGH need a reason.</summary>
    public static void Priority(string? priority, string? reason, FieldErrors errors)
    {
        if (priority is QueuePriority.Emergency or QueuePriority.High && string.IsNullOrWhiteSpace(reason))
            errors.Add("priorityReason", $"Say why the patient is {priority}.");
    }
}
