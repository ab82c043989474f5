using System.Globalization;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Scheduling;

/// <summary>A weekly block: ISO <c>weekday</c> (1 = Monday … 7 = Sunday), <c>startTime</c> and <c>endTime</c> as HH:mm, tenant-local.</summary>
public sealed record WorkingBlock(int? Weekday, string? StartTime, string? EndTime);

/// <summary>The doctor's whole week; PUT replaces every block.</summary>
public sealed record WorkingHoursBody(IReadOnlyList<WorkingBlock>? Blocks) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Blocks is null) { errors.Add("blocks", "This field is required (an empty list clears the week)."); return; }
        if (Blocks.Count > 70) errors.Add("blocks", "At most 70 blocks.");
        var parsed = new List<(int i, WeeklyBlock b)>();
        for (var i = 0; i < Blocks.Count; i++)
        {
            var b = Blocks[i];
            var field = $"blocks[{i}]";
            if (b is null) { errors.Add(field, "A block is required."); continue; }
            var ok = true;
            if (b.Weekday is not (>= 1 and <= 7)) { errors.Add($"{field}.weekday", "Must be 1 (Monday) to 7 (Sunday)."); ok = false; }
            var start = ParseTime(b.StartTime, $"{field}.startTime", errors);
            var end = ParseTime(b.EndTime, $"{field}.endTime", errors);
            if (start is null || end is null || !ok) continue;
            if (start >= end) { errors.Add(field, $"Block {Describe(b.Weekday!.Value, start.Value, end.Value)} must start before it ends."); continue; }
            var block = new WeeklyBlock(b.Weekday!.Value, start.Value, end.Value);
            foreach (var (j, other) in parsed)
                if (other.Weekday == block.Weekday && other.Start < block.End && block.Start < other.End)
                    errors.Add(field, $"Block {Describe(block)} overlaps blocks[{j}] ({Describe(other)}).");
            parsed.Add((i, block));
        }
    }

    public IReadOnlyList<WeeklyBlock> ToBlocks() =>
        Blocks!.Select(b => new WeeklyBlock(b.Weekday!.Value, ParseTime(b.StartTime)!.Value, ParseTime(b.EndTime)!.Value)).ToList();

    static readonly string[] Formats = ["HH:mm", "HH:mm:ss", "H:mm"];

    static TimeOnly? ParseTime(string? value, string? field = null, FieldErrors? errors = null)
    {
        if (TimeOnly.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) return t;
        errors?.Add(field!, "Must be a time as HH:mm (00:00 to 23:59).");
        return null;
    }

    static string Describe(WeeklyBlock b) => Describe(b.Weekday, b.Start, b.End);
    static string Describe(int weekday, TimeOnly start, TimeOnly end) =>
        $"{(DayOfWeek)(weekday % 7)} {start:HH\\:mm}–{end:HH\\:mm}";
}

public sealed record WorkingBlockResponse(Guid Id, int Weekday, string WeekdayName, string StartTime, string EndTime)
{
    internal static WorkingBlockResponse From(WorkingHours h) =>
        new(h.Id, h.Weekday, ((DayOfWeek)(h.Weekday % 7)).ToString().ToUpperInvariant(), h.StartTime.ToString("HH:mm", CultureInfo.InvariantCulture),
            h.EndTime.ToString("HH:mm", CultureInfo.InvariantCulture));
}

public sealed record WorkingHoursResponse(Guid DoctorId, string Timezone, int SlotMinutes, IReadOnlyList<WorkingBlockResponse> Blocks);

/// <summary>
/// An absence (whole or part days). When active appointments fall inside it the answer is 409 listing
/// them, unless <c>proceed</c> is true: then they are flagged <c>needsReschedule</c>.
/// </summary>
public sealed record CreateTimeOffRequest(DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, [property: FreeText] string? Reason, bool? Proceed) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        SchedulingFields.Span(StartsAt, EndsAt, errors, TimeSpan.FromDays(366));
        errors.MaxLength(Reason, 500, "reason");
    }
}

/// <summary>Time off as the API shows it; the reason and who entered it are for staff (patients see when the doctor is away).</summary>
public sealed record TimeOffResponse(Guid Id, Guid DoctorId, DateTimeOffset StartsAt, DateTimeOffset EndsAt, [property: StaffOnly] string? Reason,
    [property: StaffOnly] DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, [property: StaffOnly] IReadOnlyList<Guid> FlaggedAppointmentIds)
{
    internal static TimeOffResponse From(TimeOff t, IReadOnlyList<Guid> flagged) =>
        new(t.Id, t.DoctorId, t.StartsAt, t.EndsAt, t.Reason, t.CreatedAt, t.CreatedBy, flagged);
}

public sealed record CreateExtraSessionRequest(DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, [property: FreeText] string? Note) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        SchedulingFields.Span(StartsAt, EndsAt, errors, TimeSpan.FromHours(24));
        errors.MaxLength(Note, 500, "note");
    }
}

/// <summary>An extra session as the API shows it; the note and who entered it are for staff.</summary>
public sealed record ExtraSessionResponse(Guid Id, Guid DoctorId, DateTimeOffset StartsAt, DateTimeOffset EndsAt, [property: StaffOnly] string? Note,
    [property: StaffOnly] DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy)
{
    internal static ExtraSessionResponse From(ExtraSession s) => new(s.Id, s.DoctorId, s.StartsAt, s.EndsAt, s.Note, s.CreatedAt, s.CreatedBy);
}

/// <summary>
/// A period of a schedule list, and paging. <c>from</c>/<c>to</c>: a date (the hospital's local day; both dates included)
/// or a date and time with its offset (<c>from</c> included, <c>to</c> excluded); by default the coming week.
/// </summary>
public sealed record PeriodQuery(string? From, string? To, int? Page, int? PageSize) : IPageQuery;

/// <summary>The period of the analytics (as for every period; by default the coming 30 days).</summary>
public sealed record AnalyticsQuery(string? From, string? To);

/// <summary>A bookable slot, in the tenant's local time with its offset.</summary>
public sealed record SlotResponse(DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>The answer of POST /appointments with a recurrence: every appointment of the series.</summary>
public sealed record SeriesResponse(Guid SeriesId, IReadOnlyList<AppointmentResponse> Appointments);

/// <summary>Repeat every <c>everyWeeks</c> weeks (1–4), <c>count</c> appointments in all (2–52), at the same local time.</summary>
public sealed record Recurrence(int? EveryWeeks, int? Count);

public sealed record BookAppointmentRequest(Guid? PatientId, Guid? DoctorId, DateTimeOffset? StartsAt, [property: FreeText] string? Reason,
    [property: FreeText] string? Notes, Recurrence? Recurrence) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (PatientId == Guid.Empty) errors.Add("patientId", "Must be a patient's id (a portal patient may leave it out).");
        if (DoctorId is null || DoctorId == Guid.Empty) errors.Add("doctorId", "This field is required.");
        if (StartsAt is null) errors.Add("startsAt", "This field is required.");
        errors.MaxLength(Reason, 500, "reason");
        errors.MaxLength(Notes, 4000, "notes");
        if (Recurrence is { } r)
        {
            if (r.EveryWeeks is not (>= 1 and <= 4)) errors.Add("recurrence.everyWeeks", "Must be between 1 and 4.");
            if (r.Count is not (>= 2 and <= 52)) errors.Add("recurrence.count", "Must be between 2 and 52.");
        }
    }
}

public sealed record RescheduleRequest(DateTimeOffset? StartsAt) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (StartsAt is null) errors.Add("startsAt", "This field is required.");
    }
}

public sealed record CancelRequest([property: FreeText] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (errors.Required(Reason, "reason")) errors.MaxLength(Reason, 500, "reason");
    }
}

/// <summary>Changes to reason and notes; a field left out stays, null clears it.</summary>
public sealed record UpdateAppointmentRequest : PatchRequest
{
    [FreeText] public string? Reason { get; init => field = Sent(value); }
    [FreeText] public string? Notes { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        errors.MaxLength(Reason, 500, "reason");
        errors.MaxLength(Notes, 4000, "notes");
    }
}

/// <summary>Filters of the appointment list; <c>from</c>/<c>to</c> as for every period (see <see cref="PeriodQuery"/>).</summary>
public sealed record AppointmentListQuery(Guid? DoctorId, Guid? PatientId, Guid? DepartmentId, string? Status, string? From, string? To,
    string? When, int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public static readonly string[] Whens = ["TODAY", "UPCOMING", "PAST"];

    public void Validate(FieldErrors errors)
    {
        errors.OneOf(Status, AppointmentStatus.All, "status", required: false);
        errors.OneOf(When?.ToUpperInvariant(), Whens, "when", required: false);
    }
}

/// <summary>An appointment with the patient's and doctor's names. Staff notes and who changed it are for staff only.</summary>
public sealed record AppointmentResponse(
    Guid Id, Guid PatientId, string PatientName, Guid DoctorId, string DoctorName, Guid? DepartmentId, DateTimeOffset StartsAt,
    DateTimeOffset EndsAt, DateOnly LocalDate, string Status, string? Reason, [property: StaffOnly] string? Notes, Guid? SeriesId, bool NeedsReschedule,
    string? CancelReason, DateTimeOffset ScheduledAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? CheckedInAt, DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt, DateTimeOffset? CancelledAt, DateTimeOffset? NoShowAt, DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy,
    DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, int Version)
{
    internal static AppointmentResponse From(AppointmentRow r)
    {
        var a = r.Appointment;
        return new(a.Id, a.PatientId, $"{r.PatientFirst} {r.PatientLast}".Trim(), a.DoctorId, $"{r.DoctorFirst} {r.DoctorLast}".Trim(),
            a.DepartmentId, a.StartsAt, a.EndsAt, a.LocalDate, a.Status, a.Reason, a.Notes, a.SeriesId, a.NeedsReschedule,
            a.CancelReason, a.ScheduledAt, a.ConfirmedAt, a.CheckedInAt, a.StartedAt, a.CompletedAt, a.CancelledAt,
            a.NoShowAt, a.CreatedAt, a.CreatedBy, a.UpdatedAt, a.UpdatedBy, a.Version);
    }
}

sealed class AppointmentRow
{
    public required Appointment Appointment { get; init; }
    public string PatientFirst { get; init; } = "";
    public string PatientLast { get; init; } = "";
    public string DoctorFirst { get; init; } = "";
    public string DoctorLast { get; init; } = "";
}

/// <summary>An active appointment in the way of a change (time off over it, a taken series date).</summary>
public sealed record AppointmentConflict(Guid Id, Guid PatientId, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Status);

/// <summary>A date of a series that cannot be booked, and why (slot_taken, patient_busy, already_booked_that_day).</summary>
public sealed record SeriesConflict(DateOnly Date, DateTimeOffset StartsAt, string Reason);

public sealed record AnalyticsResponse(DateTimeOffset From, DateTimeOffset To, int Total, IReadOnlyDictionary<string, int> ByStatus,
    double NoShowRate, IReadOnlyList<DoctorAnalytics> PerDoctor);

/// <summary>Figures of one doctor; <c>noShowRate</c> = NO_SHOW / (COMPLETED + NO_SHOW), 0 when neither happened.</summary>
public sealed record DoctorAnalytics(Guid DoctorId, string DoctorName, int Total, int Completed, int Cancelled, int NoShow, double NoShowRate);

static class SchedulingFields
{
    /// <summary>422 unless [start, end) lies between <paramref name="earliest"/> and <paramref name="latest"/>.</summary>
    public static void Within(DateTimeOffset start, DateTimeOffset end, DateTimeOffset earliest, DateTimeOffset latest, string what)
    {
        var errors = new FieldErrors();
        if (start < earliest) errors.Add("startsAt", $"{what} may start no earlier than {earliest.UtcDateTime:yyyy-MM-dd HH:mm} UTC.");
        if (end > latest) errors.Add("endsAt", $"{what} may end no later than {latest.UtcDateTime:yyyy-MM-dd HH:mm} UTC.");
        errors.ThrowIfAny();
    }

    public static void Span(DateTimeOffset? start, DateTimeOffset? end, FieldErrors errors, TimeSpan max)
    {
        if (start is null) errors.Add("startsAt", "This field is required.");
        if (end is null) errors.Add("endsAt", "This field is required.");
        if (start is { } s && end is { } e)
        {
            if (s >= e) errors.Add("endsAt", "Must be after startsAt.");
            else if (e - s > max) errors.Add("endsAt", $"The span may be at most {max.TotalHours:0} hours.");
        }
    }

}
