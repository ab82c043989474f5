using Carebase.Api.Features.Admissions;

namespace Carebase.Tests.Features.Admissions;

/// <summary>The bed-day rules, in the hospital's timezone (unit).</summary>
public sealed class BedDaysTests
{
    static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    [Theory]
    // Same day: one day by either rule.
    [InlineData("2026-06-01T09:00:00-04:00", "2026-06-01T17:00:00-04:00", 1, 1)]
    // Across the spring-forward night (23-hour day) and the fall-back night (25-hour day).
    [InlineData("2026-03-07T22:00:00-05:00", "2026-03-09T08:00:00-04:00", 2, 3)]
    [InlineData("2026-10-31T23:30:00-04:00", "2026-11-02T00:30:00-05:00", 2, 3)]
    // 47 hours but only one midnight.
    [InlineData("2026-06-01T00:30:00-04:00", "2026-06-02T23:30:00-04:00", 1, 2)]
    public void Days_are_counted_on_local_dates(string from, string to, int midnights, int calendarDays)
    {
        var (f, t) = (DateTimeOffset.Parse(from), DateTimeOffset.Parse(to));
        var stays = new[] { new BedDays.Stay(A, f, t) };
        Assert.Equal(midnights, BedDays.Count("MIDNIGHTS", f, t, stays, NewYork).GetValueOrDefault(A));
        Assert.Equal(calendarDays, BedDays.Count("CALENDAR_DAYS", f, t, stays, NewYork).GetValueOrDefault(A));
    }

    [Fact]
    public void Each_day_is_charged_to_the_bed_held_at_its_midnight_or_at_the_end_of_the_day()
    {
        var admitted = DateTimeOffset.Parse("2026-06-01T10:00:00-04:00");
        var moved = DateTimeOffset.Parse("2026-06-03T15:00:00-04:00");
        var left = DateTimeOffset.Parse("2026-06-05T11:00:00-04:00");
        var stays = new[] { new BedDays.Stay(A, admitted, moved), new BedDays.Stay(B, moved, left) };
        // Midnights of 2, 3 (in A) and 4, 5 June (in B).
        var midnights = BedDays.Count("MIDNIGHTS", admitted, left, stays, NewYork);
        Assert.Equal((2, 2), (midnights[A], midnights[B]));
        // Calendar days 1, 2 (A, at the end of the day) and 3, 4, 5 (B).
        var calendar = BedDays.Count("CALENDAR_DAYS", admitted, left, stays, NewYork);
        Assert.Equal((2, 3), (calendar[A], calendar[B]));
    }
}
