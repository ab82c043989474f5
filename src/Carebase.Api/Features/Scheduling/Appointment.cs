using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Scheduling;

public static class AppointmentStatus
{
    public const string Scheduled = "SCHEDULED";
    public const string Confirmed = "CONFIRMED";
    public const string CheckedIn = "CHECKED_IN";
    public const string InConsultation = "IN_CONSULTATION";
    public const string Completed = "COMPLETED";
    public const string Cancelled = "CANCELLED";
    public const string NoShow = "NO_SHOW";

    public static readonly string[] All = [Scheduled, Confirmed, CheckedIn, InConsultation, Completed, Cancelled, NoShow];
    /// <summary>Statuses that hold their time slot (the exclusion constraints cover exactly these).</summary>
    public static readonly string[] Active = [Scheduled, Confirmed, CheckedIn, InConsultation];
}

public enum AppointmentAction { Confirm, CheckIn, Start, Complete, Cancel, NoShow }

/// <summary>
/// An appointment and its workflow: SCHEDULED → CONFIRMED → CHECKED_IN → IN_CONSULTATION → COMPLETED;
/// CANCELLED from SCHEDULED, CONFIRMED or CHECKED_IN; NO_SHOW from SCHEDULED or CONFIRMED. Every move goes
/// through <see cref="Apply"/>, which stamps its time; an illegal move is a 409 naming the current status.
/// Callers move it through <see cref="AppointmentWorkflow"/>, which audits the step and moves what follows it.
/// </summary>
public sealed class Appointment
{
    static readonly Dictionary<AppointmentAction, (string[] from, string to)> Moves = new()
    {
        [AppointmentAction.Confirm] = ([AppointmentStatus.Scheduled], AppointmentStatus.Confirmed),
        [AppointmentAction.CheckIn] = ([AppointmentStatus.Scheduled, AppointmentStatus.Confirmed], AppointmentStatus.CheckedIn),
        [AppointmentAction.Start] = ([AppointmentStatus.CheckedIn], AppointmentStatus.InConsultation),
        [AppointmentAction.Complete] = ([AppointmentStatus.InConsultation], AppointmentStatus.Completed),
        [AppointmentAction.Cancel] = ([AppointmentStatus.Scheduled, AppointmentStatus.Confirmed, AppointmentStatus.CheckedIn], AppointmentStatus.Cancelled),
        [AppointmentAction.NoShow] = ([AppointmentStatus.Scheduled, AppointmentStatus.Confirmed], AppointmentStatus.NoShow),
    };

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; set; }
    public Guid DoctorId { get; init; }
    public Guid? DepartmentId { get; init; }
    public DateTimeOffset StartsAt { get; private set; }
    public DateTimeOffset EndsAt { get; private set; }
    public DateOnly LocalDate { get; private set; }
    public string Status { get; private set; } = AppointmentStatus.Scheduled;
    public string? Reason { get; set; }
    public string? Notes { get; set; }
    public Guid? SeriesId { get; init; }
    public bool NeedsReschedule { get; set; }
    public string? CancelReason { get; private set; }
    public DateTimeOffset ScheduledAt { get; private set; }
    public DateTimeOffset? ConfirmedAt { get; private set; }
    public DateTimeOffset? CheckedInAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public DateTimeOffset? NoShowAt { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public bool IsActive => AppointmentStatus.Active.Contains(Status);
    public string ETag => Platform.Data.ETags.Of(Version);

    public static Appointment Book(Guid patientId, Guid doctorId, Guid? departmentId, DateTimeOffset startsAt, DateTimeOffset endsAt,
        DateOnly localDate, Guid? seriesId, Guid? by, DateTimeOffset now) => new()
    {
        PatientId = patientId, DoctorId = doctorId, DepartmentId = departmentId, StartsAt = startsAt, EndsAt = endsAt,
        LocalDate = localDate, SeriesId = seriesId, ScheduledAt = now, CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by,
    };

    /// <summary>Moves the appointment one step of the workflow, or throws 409 naming the current status.</summary>
    public void Apply(AppointmentAction action, Guid? by, DateTimeOffset now, string? reason = null)
    {
        EnsureCan(action);
        Status = Moves[action].to;
        switch (action)
        {
            case AppointmentAction.Confirm: ConfirmedAt = now; break;
            case AppointmentAction.CheckIn: CheckedInAt = now; break;
            case AppointmentAction.Start: StartedAt = now; break;
            case AppointmentAction.Complete: CompletedAt = now; break;
            case AppointmentAction.Cancel: CancelledAt = now; CancelReason = reason; break;
            case AppointmentAction.NoShow: NoShowAt = now; break;
        }
        Touch(by, now);
    }

    /// <summary>Throws the 409 that <see cref="Apply"/> would, without moving (for work that must precede the step).</summary>
    public void EnsureCan(AppointmentAction action)
    {
        if (!Moves[action].from.Contains(Status))
            throw new ConflictException("illegal_transition",
                $"Cannot {Verb(action)} an appointment that is {Status}.", new Dictionary<string, object?> { ["currentStatus"] = Status });
    }

    /// <summary>Moves a SCHEDULED or CONFIRMED appointment to another time (it is confirmed again only by a new confirm).</summary>
    public void Reschedule(DateTimeOffset startsAt, DateTimeOffset endsAt, DateOnly localDate, Guid? by, DateTimeOffset now)
    {
        if (Status is not (AppointmentStatus.Scheduled or AppointmentStatus.Confirmed))
            throw new ConflictException("illegal_transition", $"Cannot reschedule an appointment that is {Status}.",
                new Dictionary<string, object?> { ["currentStatus"] = Status });
        (StartsAt, EndsAt, LocalDate) = (startsAt, endsAt, localDate);
        Status = AppointmentStatus.Scheduled;
        ConfirmedAt = null;
        NeedsReschedule = false;
        Touch(by, now);
    }

    public void Touch(Guid? by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    static string Verb(AppointmentAction a) => a switch
    {
        AppointmentAction.CheckIn => "check in",
        AppointmentAction.NoShow => "mark as no-show",
        _ => a.ToString().ToLowerInvariant(),
    };
}

sealed class AppointmentConfiguration : IEntityTypeConfiguration<Appointment>
{
    public void Configure(EntityTypeBuilder<Appointment> e)
    {
        e.ToTable("appointments");
        e.Property(a => a.Version).IsConcurrencyToken();
    }
}
