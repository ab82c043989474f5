namespace Carebase.Api.Features.Labs;

/// <summary>
/// Which reference range applies to a patient, and the flags of a value. The rules, exactly:
/// <list type="bullet">
/// <item>A range matches when its sex is the patient's (or it has none) and the patient's age in days on the collection
/// date is in [ageFromDays, ageToDays). Of the matching ranges the most specific wins: one for the patient's sex over
/// one for either, then the narrowest age band (no upper bound counts as the widest), then the latest lower bound.</item>
/// <item>A number at or beyond a critical limit is CRITICAL_LOW (value ≤ criticalLow) or CRITICAL_HIGH
/// (value ≥ criticalHigh), and nothing else; otherwise below the range's low is LOW (value &lt; low), above its high is
/// HIGH (value &gt; high): a value equal to a bound of the range is normal.</item>
/// <item>A code outside the test's normal values is ABNORMAL. Text is never flagged.</item>
/// </list>
/// </summary>
public static class ReferenceRanges
{
    public static LabTestRange? Choose(IEnumerable<LabTestRange> ranges, string? sex, int ageDays) =>
        ranges.Where(r => (r.Sex is null || r.Sex == sex) && r.AgeFromDays <= ageDays && (r.AgeToDays is null || ageDays < r.AgeToDays))
            .OrderByDescending(r => r.Sex is not null)
            .ThenBy(r => r.AgeToDays is { } to ? (long)to - r.AgeFromDays : long.MaxValue)
            .ThenByDescending(r => r.AgeFromDays)
            .FirstOrDefault();

    public static string[] Flags(decimal value, decimal? low, decimal? high, decimal? criticalLow, decimal? criticalHigh)
    {
        if (value <= criticalLow) return ["CRITICAL_LOW"];
        if (value >= criticalHigh) return ["CRITICAL_HIGH"];
        if (value < low) return ["LOW"];
        if (value > high) return ["HIGH"];
        return [];
    }

    public static string[] Flags(string code, IReadOnlyCollection<string> normal) => normal.Count == 0 || normal.Contains(code) ? [] : ["ABNORMAL"];

    public static bool IsCritical(IEnumerable<string> flags) => flags.Any(f => f.StartsWith("CRITICAL_", StringComparison.Ordinal));

    /// <summary>Age in whole days on a date (the collection date, in the hospital's zone).</summary>
    public static int AgeDays(DateOnly dateOfBirth, DateOnly on) => Math.Max(0, on.DayNumber - dateOfBirth.DayNumber);
}
