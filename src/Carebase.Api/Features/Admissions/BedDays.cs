namespace Carebase.Api.Features.Admissions;

/// <summary>The hospital's bed-day rules (<c>billing_settings.bed_day_rule</c>, listed in <see cref="Billing.InvoiceValues.BedDayRules"/>).</summary>
public static class BedDayRules
{
    public const string CalendarDays = "CALENDAR_DAYS", Midnights = "MIDNIGHTS";
}

/// <summary>
/// Counts bed-days in the hospital's timezone, by its rule, and charges each to the bed the patient held then:
/// <list type="bullet">
/// <item>MIDNIGHTS: every local midnight spent in hospital (admitted before it, discharged after it) is one day, charged to
/// the bed held just before it; a stay without a midnight still counts one day (the last bed's).</item>
/// <item>CALENDAR_DAYS: every local calendar day of the stay, admission and discharge days included, charged to the bed
/// held at the end of that day (or at discharge, on the last day).</item>
/// </list>
/// Days are counted on local dates, so a day of 23 or 25 hours (a daylight-saving change) is still one day. Time in hospital
/// without a bed is not charged.
/// </summary>
public static class BedDays
{
    public sealed record Stay(Guid Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

    /// <summary>Midnights between two instants' local dates (the length of stay in days).</summary>
    public static int Midnights(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone) =>
        Math.Max(0, LocalDate(to, zone).DayNumber - LocalDate(from, zone).DayNumber);

    public static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>The days charged to each bed stay of an admission from <paramref name="admittedAt"/> to <paramref name="dischargedAt"/>.</summary>
    public static Dictionary<Guid, int> Count(string rule, DateTimeOffset admittedAt, DateTimeOffset dischargedAt, IReadOnlyList<Stay> stays, TimeZoneInfo zone)
    {
        var first = LocalDate(admittedAt, zone);
        var last = LocalDate(dischargedAt, zone);
        var instants = new List<DateTimeOffset>();
        if (rule == BedDayRules.CalendarDays)
            for (var d = first; d <= last; d = d.AddDays(1))
            {
                var endOfDay = StartOf(d.AddDays(1), zone);
                instants.Add(endOfDay < dischargedAt ? endOfDay : dischargedAt);
            }
        else
        {
            for (var d = first.AddDays(1); d <= last; d = d.AddDays(1)) instants.Add(StartOf(d, zone));
            if (instants.Count == 0) instants.Add(dischargedAt);
        }
        var days = new Dictionary<Guid, int>();
        foreach (var t in instants)
        {
            // The bed held just before t: started before it, not ended before it.
            var stay = stays.LastOrDefault(s => s.StartedAt < t && (s.EndedAt ?? dischargedAt) >= t)
                ?? (t == admittedAt ? stays.FirstOrDefault(s => s.StartedAt == t) : null);
            if (stay is not null) days[stay.Id] = days.GetValueOrDefault(stay.Id) + 1;
        }
        return days;
    }

    /// <summary>The instant a local day starts (the first valid local time when midnight is skipped by a clock change).</summary>
    public static DateTimeOffset StartOf(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
