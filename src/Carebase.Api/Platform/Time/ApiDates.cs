using System.Globalization;

namespace Carebase.Api.Platform.Time;

/// <summary>
/// The dates and instants the API accepts, in bodies and query strings alike: 1900-01-01 to 2200-12-31, and an
/// instant always with its offset. Bounding them once keeps date arithmetic (a day added to 9999-12-31) from
/// ever overflowing; routes add their own rules (not in the past, at most 31 days) on top.
/// </summary>
public static class ApiDates
{
    public static readonly DateOnly Min = new(1900, 1, 1);
    public static readonly DateOnly Max = new(2200, 12, 31);
    public const string DateRule = "a date as YYYY-MM-DD between 1900-01-01 and 2200-12-31";
    public const string InstantRule = "a date and time with its offset, such as 2026-03-08T09:00:00-05:00 or 2026-03-08T14:00:00Z, between 1900 and 2200";
    public const string DateOrInstantRule = "a date (YYYY-MM-DD, the hospital's local day) or a date and time with its offset (2026-03-08T09:00:00-05:00), between 1900 and 2200";

    public static bool InRange(DateOnly date) => date >= Min && date <= Max;

    public static bool InRange(DateTimeOffset instant) => InRange(DateOnly.FromDateTime(instant.UtcDateTime));

    public static bool TryParseDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) && InRange(date);

    /// <summary>An ISO-8601 date and time with an explicit offset (<c>Z</c> or <c>±hh:mm</c>) within the bounds.</summary>
    public static bool TryParseInstant(string? value, out DateTimeOffset instant)
    {
        instant = default;
        if (value is null || !HasOffset(value)) return false;
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant) && InRange(instant);
    }

    static bool HasOffset(string value)
    {
        var t = value.IndexOfAny(['T', 't']);
        if (t < 10) return false;
        if (value[^1] is 'Z' or 'z') return true;
        var sign = value.LastIndexOfAny(['+', '-']);
        return sign > t && value.Length - sign is 6 or 5 or 3;
    }
}
