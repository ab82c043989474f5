using Carebase.Api.Features.Scheduling;

namespace Carebase.Tests.Features.Scheduling;

public sealed class SlotCalculatorTests
{
    static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    static readonly DateTimeOffset LongAgo = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static DoctorCalendar Calendar(TimeZoneInfo zone, IReadOnlyList<WeeklyBlock> week, IReadOnlyList<Period>? extra = null,
        IReadOnlyList<Period>? off = null, IReadOnlyList<Period>? booked = null, int slot = 15) =>
        new(zone, slot, week, extra ?? [], off ?? [], booked ?? []);

    static DateTimeOffset T(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Slots_keep_their_wall_clock_time_and_take_the_new_offset_on_the_spring_forward_day()
    {
        // 2026-03-08 is a Sunday: clocks in New York jump from 02:00 EST to 03:00 EDT.
        var c = Calendar(NewYork, [new WeeklyBlock(7, new(9, 0), new(10, 0)), new WeeklyBlock(6, new(9, 0), new(9, 30))]);
        var slots = SlotCalculator.Slots(c, T("2026-03-07T00:00:00-05:00"), T("2026-03-09T00:00:00-04:00"), LongAgo);
        Assert.Equal(["2026-03-07T09:00:00-05:00", "2026-03-07T09:15:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-08T09:15:00-04:00",
            "2026-03-08T09:30:00-04:00", "2026-03-08T09:45:00-04:00"], slots.Select(s => s.Start.ToString("yyyy-MM-ddTHH:mm:sszzz")));
        Assert.All(slots, s => Assert.Equal(TimeSpan.FromMinutes(15), s.End - s.Start));
    }

    [Fact]
    public void A_local_time_that_does_not_exist_is_skipped()
    {
        var c = Calendar(NewYork, [new WeeklyBlock(7, new(1, 30), new(3, 30))]);
        var slots = SlotCalculator.Slots(c, T("2026-03-08T00:00:00-05:00"), T("2026-03-09T00:00:00-04:00"), LongAgo);
        Assert.Equal(["01:30-05:00", "01:45-05:00", "03:00-04:00", "03:15-04:00"], slots.Select(s => s.Start.ToString("HH:mmzzz")));
        // 01:45 EST + 15 minutes is 03:00 EDT: the slot ends at the jump.
        Assert.Equal(T("2026-03-08T03:00:00-04:00"), slots[1].End);
        Assert.Null(SlotCalculator.Problem(c, T("2026-03-08T03:00:00-04:00"), LongAgo));
    }

    [Fact]
    public void An_ambiguous_local_time_on_the_fall_back_day_is_taken_once_at_its_first_occurrence()
    {
        // 2026-11-01 is a Sunday: 01:00–02:00 happens twice (EDT, then EST).
        var c = Calendar(NewYork, [new WeeklyBlock(7, new(0, 30), new(2, 30))]);
        var slots = SlotCalculator.Slots(c, T("2026-11-01T00:00:00-04:00"), T("2026-11-02T00:00:00-05:00"), LongAgo);
        Assert.Equal(["00:30-04:00", "00:45-04:00", "01:00-04:00", "01:15-04:00", "01:30-04:00", "01:45-04:00", "02:00-05:00", "02:15-05:00"],
            slots.Select(s => s.Start.ToString("HH:mmzzz")));
        for (var i = 1; i < slots.Count; i++) Assert.True(slots[i].Start >= slots[i - 1].End, "slots never overlap");
    }

    [Fact]
    public void Kolkata_has_no_daylight_saving_and_a_half_hour_offset()
    {
        var c = Calendar(Kolkata, [new WeeklyBlock(1, new(9, 0), new(9, 30))], slot: 10);
        var slots = SlotCalculator.Slots(c, T("2026-03-09T00:00:00+05:30"), T("2026-03-10T00:00:00+05:30"), LongAgo);
        Assert.Equal(["2026-03-09T09:00:00+05:30", "2026-03-09T09:10:00+05:30", "2026-03-09T09:20:00+05:30"],
            slots.Select(s => s.Start.ToString("yyyy-MM-ddTHH:mm:sszzz")));
        Assert.Equal(T("2026-03-09T03:30:00Z"), slots[0].Start);
    }

    [Fact]
    public void Time_off_booked_appointments_and_the_past_are_removed_and_extra_sessions_added()
    {
        var c = Calendar(Kolkata, [new WeeklyBlock(1, new(9, 0), new(11, 0))],
            extra: [new Period(T("2026-03-09T18:00:00+05:30"), T("2026-03-09T18:30:00+05:30"))],
            off: [new Period(T("2026-03-09T10:00:00+05:30"), T("2026-03-09T10:40:00+05:30"))],
            booked: [new Period(T("2026-03-09T09:15:00+05:30"), T("2026-03-09T09:30:00+05:30"))]);
        var now = T("2026-03-09T09:05:00+05:30");
        var slots = SlotCalculator.Slots(c, T("2026-03-09T00:00:00+05:30"), T("2026-03-10T00:00:00+05:30"), now);
        Assert.Equal(["09:30", "09:45", "10:45", "18:00", "18:15"], slots.Select(s => s.Start.ToString("HH:mm")));
    }

    [Fact]
    public void Problems_name_why_a_time_cannot_be_booked()
    {
        var c = Calendar(Kolkata, [new WeeklyBlock(1, new(9, 0), new(11, 0))],
            off: [new Period(T("2026-03-09T10:00:00+05:30"), T("2026-03-09T11:00:00+05:30"))]);
        var now = T("2026-03-01T00:00:00Z");
        Assert.Null(SlotCalculator.Problem(c, T("2026-03-09T09:15:00+05:30"), now));
        Assert.Null(SlotCalculator.Problem(c, T("2026-03-09T03:45:00Z"), now)); // the same grid, written in UTC
        Assert.Contains("grid", SlotCalculator.Problem(c, T("2026-03-09T09:10:00+05:30"), now));
        Assert.Contains("time off", SlotCalculator.Problem(c, T("2026-03-09T10:15:00+05:30"), now));
        Assert.Contains("outside", SlotCalculator.Problem(c, T("2026-03-09T12:00:00+05:30"), now));
        Assert.Contains("past", SlotCalculator.Problem(c, T("2026-03-09T09:15:00+05:30"), T("2026-03-10T00:00:00Z")));
    }
}
