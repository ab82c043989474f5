using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Scheduling;

/// <summary>A weekly block: ISO <c>weekday</c> (1 = Monday … 7 = Sunday), <c>startTime</c> and <c>endTime</c> as HH:mm, tenant-local.</summary>
public sealed record WorkingBlock(
    [property: Required, Range(1, 7, ErrorMessage = "Must be 1 (Monday) to 7 (Sunday).")] int? Weekday,
    [property: Required, MaxLength(8)] string? StartTime,
    [property: Required, MaxLength(8)] string? EndTime);

/// <summary>The doctor's whole week; PUT replaces every block.</summary>
public sealed record WorkingHoursBody(
    [property: Required(ErrorMessage = "This field is required (an empty list clears the week)."), MaxLength(70)] IReadOnlyList<WorkingBlock>? Blocks)
    : IValidatable
{
    /// <summary>Times that parse, blocks that start before they end and overlap no other (the attributes check each field).</summary>
    public void Validate(FieldErrors errors)
    {
        if (Blocks is null) return;
        var parsed = new List<(int i, WeeklyBlock b)>();
        for (var i = 0; i < Blocks.Count; i++)
        {
            var b = Blocks[i];
            var field = $"blocks[{i}]";
            if (b is null) { errors.Add(field, "A block is required."); continue; }
            var ok = b.Weekday is >= 1 and <= 7;
            var start = string.IsNullOrWhiteSpace(b.StartTime) ? null : ParseTime(b.StartTime, $"{field}.startTime", errors);
            var end = string.IsNullOrWhiteSpace(b.EndTime) ? null : ParseTime(b.EndTime, $"{field}.endTime", errors);
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
public sealed record CreateTimeOffRequest([property: Required] DateTimeOffset? StartsAt, [property: Required] DateTimeOffset? EndsAt,
    [property: FreeText, MaxLength(500)] string? Reason, bool? Proceed) : IValidatable
{
    public void Validate(FieldErrors errors) => SchedulingFields.Span(StartsAt, EndsAt, errors, TimeSpan.FromDays(366));
}

/// <summary>Time off as the API shows it; the reason and who entered it are for staff (patients see when the doctor is away).</summary>
public sealed record TimeOffResponse(Guid Id, Guid DoctorId, DateTimeOffset StartsAt, DateTimeOffset EndsAt, [property: StaffOnly] string? Reason,
    [property: StaffOnly] DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, [property: StaffOnly] IReadOnlyList<Guid> FlaggedAppointmentIds)
{
    internal static TimeOffResponse From(TimeOff t, IReadOnlyList<Guid> flagged) =>
        new(t.Id, t.DoctorId, t.StartsAt, t.EndsAt, t.Reason, t.CreatedAt, t.CreatedBy, flagged);
}

public sealed record CreateExtraSessionRequest([property: Required] DateTimeOffset? StartsAt, [property: Required] DateTimeOffset? EndsAt,
    [property: FreeText, MaxLength(500)] string? Note) : IValidatable
{
    public void Validate(FieldErrors errors) => SchedulingFields.Span(StartsAt, EndsAt, errors, TimeSpan.FromHours(24));
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
public sealed record PeriodQuery([property: Description(PeriodQuery.FromRule)] string? From, [property: Description(PeriodQuery.ToRule)] string? To,
    int? Page, int? PageSize) : IPageQuery
{
    public const string FromRule = "Start of the period: a date (the hospital's day, included) or a date and time with its offset (included).";
    public const string ToRule = "End of the period: a date (the hospital's day, included) or a date and time with its offset (excluded).";
}

/// <summary>The period of the analytics (as for every period; by default the coming 30 days).</summary>
public sealed record AnalyticsQuery([property: Description(PeriodQuery.FromRule)] string? From, [property: Description(PeriodQuery.ToRule)] string? To);

/// <summary>A bookable slot, in the tenant's local time with its offset.</summary>
public sealed record SlotResponse(DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>The answer of POST /appointments with a recurrence: every appointment of the series.</summary>
public sealed record SeriesResponse(Guid SeriesId, IReadOnlyList<AppointmentResponse> Appointments);

/// <summary>Repeat every <c>everyWeeks</c> weeks (1–4), <c>count</c> appointments in all (2–52), at the same local time.</summary>
public sealed record Recurrence([property: Required, Range(1, 4)] int? EveryWeeks, [property: Required, Range(2, 52)] int? Count);

/// <summary>A booking: <c>patientId</c> may be left out by a portal patient (their own record); <c>recurrence</c> books a weekly series.</summary>
public sealed record BookAppointmentRequest(Guid? PatientId, [property: Required] Guid? DoctorId, [property: Required] DateTimeOffset? StartsAt,
    [property: FreeText, MaxLength(500)] string? Reason, [property: FreeText, MaxLength(4000)] string? Notes, Recurrence? Recurrence) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (PatientId == Guid.Empty) errors.Add("patientId", "Must be a patient's id (a portal patient may leave it out).");
    }
}

public sealed record RescheduleRequest([property: Required] DateTimeOffset? StartsAt);

public sealed record CancelRequest([property: FreeText, Required, MaxLength(500)] string? Reason);

/// <summary>Changes to reason and notes; a field left out stays, null clears it.</summary>
public sealed record UpdateAppointmentRequest : PatchRequest
{
    [FreeText, MaxLength(500)] public string? Reason { get; init => field = Sent(value); }
    [FreeText, MaxLength(4000)] public string? Notes { get; init => field = Sent(value); }
}

/// <summary>Filters of the appointment list; <c>from</c>/<c>to</c> as for every period (see <see cref="PeriodQuery"/>).</summary>
public sealed record AppointmentListQuery([property: MaxLength(36), Description(Doctors.DoctorRef.Rule)] string? DoctorId, Guid? PatientId, Guid? DepartmentId,
    [property: OneOf(typeof(AppointmentStatus), nameof(AppointmentStatus.All)), Description("Only appointments with this status.")] string? Status,
    [property: Description(PeriodQuery.FromRule)] string? From, [property: Description(PeriodQuery.ToRule)] string? To,
    [property: Description("TODAY, UPCOMING or PAST (the hospital's day; any case).")] string? When, int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public static readonly string[] Whens = ["TODAY", "UPCOMING", "PAST"];

    public void Validate(FieldErrors errors)
    {
        errors.OneOf(When?.ToUpperInvariant(), Whens, "when", required: false);
        Doctors.DoctorRef.Validate(DoctorId, "doctorId", errors);
    }
}

/// <summary>
/// An appointment with the patient's and doctor's names. Staff notes and who changed it are for staff only. For a
/// confidential patient the caller may not open, <c>restricted</c> is true and the clinical detail (reason, notes,
/// cancellation reason) is left out.
/// </summary>
public sealed record AppointmentResponse(
    Guid Id, Guid PatientId, string PatientName, Guid DoctorId, string DoctorName, Guid? DepartmentId, DateTimeOffset StartsAt,
    DateTimeOffset EndsAt, DateOnly LocalDate, [property: OneOf(typeof(AppointmentStatus), nameof(AppointmentStatus.All))] string Status, string? Reason, [property: StaffOnly] string? Notes, Guid? SeriesId, bool NeedsReschedule,
    string? CancelReason, DateTimeOffset ScheduledAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? CheckedInAt, DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt, DateTimeOffset? CancelledAt, DateTimeOffset? NoShowAt, DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy,
    DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, int Version, bool Restricted)
{
    internal static AppointmentResponse From(AppointmentRow r, bool restricted)
    {
        var a = r.Appointment;
        return new(a.Id, a.PatientId, $"{r.PatientFirst} {r.PatientLast}".Trim(), a.DoctorId, $"{r.DoctorFirst} {r.DoctorLast}".Trim(),
            a.DepartmentId, a.StartsAt, a.EndsAt, a.LocalDate, a.Status, restricted ? null : a.Reason, restricted ? null : a.Notes, a.SeriesId, a.NeedsReschedule,
            restricted ? null : a.CancelReason, a.ScheduledAt, a.ConfirmedAt, a.CheckedInAt, a.StartedAt, a.CompletedAt, a.CancelledAt,
            a.NoShowAt, a.CreatedAt, a.CreatedBy, a.UpdatedAt, a.UpdatedBy, a.Version, restricted);
    }
}

sealed class AppointmentRow
{
    public required Appointment Appointment { get; init; }
    public string PatientFirst { get; init; } = "";
    public string PatientLast { get; init; } = "";
    public bool PatientConfidential { get; init; }
    public string DoctorFirst { get; init; } = "";
    public string DoctorLast { get; init; } = "";
}

/// <summary>An active appointment in the way of a change (time off over it, a taken series date).</summary>
public sealed record AppointmentConflict(Guid Id, Guid PatientId, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    [property: OneOf(typeof(AppointmentStatus), nameof(AppointmentStatus.All))] string Status);

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

    /// <summary>endsAt after startsAt, at most <paramref name="max"/> later (both are [Required] where this is used).</summary>
    public static void Span(DateTimeOffset? start, DateTimeOffset? end, FieldErrors errors, TimeSpan max)
    {
        if (start is { } s && end is { } e)
        {
            if (s >= e) errors.Add("endsAt", "Must be after startsAt.");
            else if (e - s > max) errors.Add("endsAt", $"The span may be at most {max.TotalHours:0} hours.");
        }
    }

}
