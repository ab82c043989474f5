namespace Carebase.Api.Features.Scheduling;

/// <summary>A weekly working block in the tenant's local time (ISO weekday: 1 = Monday … 7 = Sunday).</summary>
public sealed record WeeklyBlock(int Weekday, TimeOnly Start, TimeOnly End);

/// <summary>A half-open span of time [Start, End).</summary>
public readonly record struct Period(DateTimeOffset Start, DateTimeOffset End)
{
    public bool Overlaps(DateTimeOffset start, DateTimeOffset end) => Start < end && start < End;
}

/// <summary>What a doctor's calendar holds around the requested range: the inputs of <see cref="SlotCalculator"/>.</summary>
public sealed record DoctorCalendar(
    TimeZoneInfo Zone, int SlotMinutes, IReadOnlyList<WeeklyBlock> Week, IReadOnlyList<Period> ExtraSessions,
    IReadOnlyList<Period> TimeOff, IReadOnlyList<Period> Booked);

/// <summary>
/// Bookable slots, computed without I/O. Working hours are wall-clock times in the tenant's zone: each
/// local slot start is converted to an instant for its own date, so a 09:00 block stays 09:00 across a
/// daylight-saving change. A local time that does not exist (spring forward) is skipped; one that occurs
/// twice (fall back) is taken once, at its first occurrence (the daylight offset), so no two slots overlap.
/// Extra sessions are instants and are cut into slots from their start. Slots are removed when they
/// overlap time off or a booked appointment, or start before now.
/// </summary>
public static class SlotCalculator
{
    public static IReadOnlyList<Period> Slots(DoctorCalendar c, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now) =>
        Candidates(c, from, to)
            .Where(s => s.Start >= now && !c.TimeOff.Any(t => t.Overlaps(s.Start, s.End)) && !c.Booked.Any(b => b.Overlaps(s.Start, s.End)))
            .ToList();

    /// <summary>Why <paramref name="startsAt"/> cannot be booked (ignoring other appointments), or null when it is a slot.</summary>
    public static string? Problem(DoctorCalendar c, DateTimeOffset startsAt, DateTimeOffset now)
    {
        if (startsAt < now) return "The time is in the past.";
        var local = TimeZoneInfo.ConvertTime(startsAt, c.Zone);
        var dayStart = Instant(c.Zone, local.Date.AddDays(-1));
        var dayEnd = Instant(c.Zone, local.Date.AddDays(2));
        var candidates = Candidates(c, dayStart, dayEnd).ToList();
        var slot = candidates.FirstOrDefault(s => s.Start == startsAt);
        if (slot.End != default)
            return c.TimeOff.Any(t => t.Overlaps(slot.Start, slot.End)) ? "The doctor is away (time off) at this time." : null;
        var inHours = candidates.Any(s => s.Start <= startsAt && startsAt < s.End);
        return inHours
            ? $"The time is not on the {c.SlotMinutes}-minute slot grid; pick a slot start from GET /doctors/{{id}}/available-slots."
            : "The time is outside the doctor's working hours and extra sessions.";
    }

    /// <summary>Every slot of the working hours and extra sessions that starts in [from, to), ordered, without duplicates.</summary>
    static IEnumerable<Period> Candidates(DoctorCalendar c, DateTimeOffset from, DateTimeOffset to)
    {
        var length = TimeSpan.FromMinutes(c.SlotMinutes);
        var seen = new SortedDictionary<DateTimeOffset, Period>();
        void Add(DateTimeOffset start)
        {
            if (start < from || start >= to) return;
            var local = TimeZoneInfo.ConvertTime(start, c.Zone);
            seen.TryAdd(start.ToUniversalTime(), new Period(local, TimeZoneInfo.ConvertTime(start + length, c.Zone)));
        }

        var first = TimeZoneInfo.ConvertTime(from, c.Zone).Date.AddDays(-1);
        var last = TimeZoneInfo.ConvertTime(to, c.Zone).Date.AddDays(1);
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            var weekday = day.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)day.DayOfWeek;
            foreach (var block in c.Week.Where(b => b.Weekday == weekday))
            {
                for (var t = block.Start.ToTimeSpan(); t + length <= block.End.ToTimeSpan(); t += length)
                {
                    var local = day + t;
                    if (c.Zone.IsInvalidTime(local)) continue;
                    Add(Instant(c.Zone, local));
                }
            }
        }
        foreach (var session in c.ExtraSessions)
            for (var s = session.Start; s + length <= session.End; s += length)
                Add(s);
        return seen.Values;
    }

    /// <summary>The instant of a local wall-clock time; an ambiguous one is its first occurrence (the larger offset).</summary>
    public static DateTimeOffset Instant(TimeZoneInfo zone, DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    /// <summary>The ISO weekday (1 = Monday … 7 = Sunday).</summary>
    public static int IsoWeekday(DateOnly date) => date.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)date.DayOfWeek;
}
