using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Queue;

public static class QueueStatus
{
    public const string Waiting = "WAITING";
    public const string Serving = "SERVING";
    public const string Served = "SERVED";
    public const string Skipped = "SKIPPED";
    public const string Left = "LEFT";
}

/// <summary>Priorities as the API names them; the column keeps the rank (1 is called first).</summary>
public static class QueuePriority
{
    public const string Emergency = "EMERGENCY";
    /// <summary>Elderly (given automatically from 65) or another flag the desk gives with a reason.</summary>
    public const string High = "HIGH";
    public const string Normal = "NORMAL";
    public const int ElderlyAge = 65;
    public const string ElderlyReason = "Aged 65 or over";

    public static readonly string[] All = [Emergency, High, Normal];

    public static short Rank(string name) => name switch { Emergency => 1, High => 2, _ => 3 };
    public static string Name(short rank) => rank switch { 1 => Emergency, 2 => High, _ => Normal };
}

public enum QueueAction { Call, Skip, Recall, Serve, Leave }

/// <summary>
/// A numbered place in one doctor's queue for one tenant-local day. Moves: WAITING → SERVING (call: POST /queue/next,
/// or starting its appointment) → SERVED; WAITING or SERVING → SKIPPED (not there when called); SKIPPED → WAITING
/// (recall: back in line at the place its priority, appointment time and arrival give it); WAITING, SERVING
/// or SKIPPED → LEFT. SERVED and LEFT are final. An illegal move is a 409 naming the current status. A doctor has
/// at most one token SERVING a day (the database's <c>queue_tokens_one_serving</c> index).
/// </summary>
public sealed class QueueToken
{
    static readonly Dictionary<QueueAction, (string[] from, string to)> Moves = new()
    {
        [QueueAction.Call] = ([QueueStatus.Waiting], QueueStatus.Serving),
        [QueueAction.Skip] = ([QueueStatus.Waiting, QueueStatus.Serving], QueueStatus.Skipped),
        [QueueAction.Recall] = ([QueueStatus.Skipped], QueueStatus.Waiting),
        [QueueAction.Serve] = ([QueueStatus.Serving], QueueStatus.Served),
        [QueueAction.Leave] = ([QueueStatus.Waiting, QueueStatus.Serving, QueueStatus.Skipped], QueueStatus.Left),
    };

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DoctorId { get; init; }
    public DateOnly LocalDate { get; init; }
    public int Number { get; init; }
    public Guid PatientId { get; init; }
    public Guid? AppointmentId { get; init; }
    public short Priority { get; init; } = 3;
    public string? PriorityReason { get; init; }
    public string Status { get; private set; } = QueueStatus.Waiting;
    public DateTimeOffset? AppointmentStartsAt { get; init; }
    public DateTimeOffset ArrivedAt { get; init; }
    public DateTimeOffset? CalledAt { get; private set; }
    public DateTimeOffset? ServedAt { get; private set; }
    public DateTimeOffset? LeftAt { get; private set; }
    public Guid? CalledBy { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public static QueueToken Issue(Guid doctorId, DateOnly localDate, int number, Guid patientId, Guid? appointmentId,
        DateTimeOffset? appointmentStartsAt, short priority, string? priorityReason, DateTimeOffset now) => new()
    {
        DoctorId = doctorId, LocalDate = localDate, Number = number, PatientId = patientId, AppointmentId = appointmentId,
        AppointmentStartsAt = appointmentStartsAt, Priority = priority, PriorityReason = priorityReason, ArrivedAt = now, UpdatedAt = now,
    };

    /// <summary>Moves the token, or throws 409 naming the current status.</summary>
    public void Apply(QueueAction action, Guid? by, DateTimeOffset now)
    {
        var (from, to) = Moves[action];
        if (!from.Contains(Status))
            throw new ConflictException("illegal_transition", $"Cannot {action.ToString().ToLowerInvariant()} a token that is {Status}.",
                new Dictionary<string, object?> { ["currentStatus"] = Status });
        Status = to;
        switch (action)
        {
            case QueueAction.Call: CalledAt = now; CalledBy = by; break;
            case QueueAction.Serve: ServedAt = now; break;
            case QueueAction.Leave: LeftAt = now; break;
        }
        UpdatedAt = now;
    }

    /// <summary>
    /// The order in which WAITING tokens are called (kept in step with <c>queue_tokens_waiting_idx</c>): priority;
    /// then booked appointments by their time, walk-ins (no time) after the appointments of the same priority;
    /// then arrival; then the number.
    /// </summary>
    public const string CallOrderSql = "priority, appointment_starts_at NULLS LAST, arrived_at, number";

    public static IEnumerable<QueueToken> InCallOrder(IEnumerable<QueueToken> tokens) => tokens
        .OrderBy(t => t.Priority).ThenBy(t => t.AppointmentStartsAt is null).ThenBy(t => t.AppointmentStartsAt)
        .ThenBy(t => t.ArrivedAt).ThenBy(t => t.Number);
}

sealed class QueueTokenConfiguration : IEntityTypeConfiguration<QueueToken>
{
    /// <summary>
    /// A move is saved as <c>UPDATE … WHERE status = &lt;the status it moved from&gt;</c>: a token that someone else moved
    /// in the meantime fails the save (the queue reads it again) instead of being overwritten. No token row stays locked
    /// between round trips.
    /// </summary>
    public void Configure(EntityTypeBuilder<QueueToken> e)
    {
        e.ToTable("queue_tokens");
        e.Property(t => t.Status).IsConcurrencyToken();
    }
}
