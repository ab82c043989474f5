using System.Globalization;
using Carebase.Api.Features.Labs;

namespace Carebase.Tests.Features.Labs;

/// <summary>The range choice and the flags, exactly at their boundaries.</summary>
public sealed class ReferenceRangesTests
{
    static readonly Guid Test = Guid.NewGuid();
    const int Adult = 18 * 365;

    static readonly LabTestRange[] Hemoglobin =
    [
        new() { TestId = Test, AgeFromDays = 0, AgeToDays = Adult, Low = 11.0m, High = 14.5m },
        new() { TestId = Test, Sex = "MALE", AgeFromDays = Adult, Low = 13.5m, High = 17.5m },
        new() { TestId = Test, Sex = "FEMALE", AgeFromDays = Adult, Low = 12.0m, High = 15.5m },
        new() { TestId = Test, AgeFromDays = 0, Low = 12.0m, High = 16.0m },
        new() { TestId = Test, AgeFromDays = 0, AgeToDays = 30, Low = 14.0m, High = 22.0m },
    ];

    [Theory]
    [InlineData("MALE", 40 * 365, "13.5")]       // the male adult band
    [InlineData("FEMALE", 40 * 365, "12.0")]     // the female adult band
    [InlineData("FEMALE", Adult, "12.0")]        // the band starts on its first day
    [InlineData("FEMALE", Adult - 1, "11.0")]    // and the child band stops the day before
    [InlineData("OTHER", 40 * 365, "12.0")]      // no band for the sex: the one for either
    [InlineData("MALE", 5 * 365, "11.0")]        // a child: the narrower child band over the open-ended one
    [InlineData("FEMALE", 10, "14.0")]           // a newborn: the narrowest band
    [InlineData("UNKNOWN", 29, "14.0")]
    [InlineData("UNKNOWN", 30, "11.0")]
    public void The_most_specific_matching_band_is_chosen(string sex, int ageDays, string low) =>
        Assert.Equal(decimal.Parse(low, CultureInfo.InvariantCulture), ReferenceRanges.Choose(Hemoglobin, sex, ageDays)!.Low);

    [Fact]
    public void No_matching_band_means_no_range() =>
        Assert.Null(ReferenceRanges.Choose([new LabTestRange { Sex = "MALE", AgeFromDays = 0, Low = 1 }], "FEMALE", 100));

    [Theory]
    [InlineData("12.0", "")]              // on the low bound: normal
    [InlineData("11.99", "LOW")]
    [InlineData("15.5", "")]              // on the high bound: normal
    [InlineData("15.51", "HIGH")]
    [InlineData("7.01", "LOW")]
    [InlineData("7.0", "CRITICAL_LOW")]   // on the critical limit: critical
    [InlineData("3.0", "CRITICAL_LOW")]
    [InlineData("19.99", "HIGH")]
    [InlineData("20.0", "CRITICAL_HIGH")]
    public void Numbers_are_flagged_exactly_at_their_boundaries(string value, string flag) =>
        Assert.Equal(flag, string.Join(",", ReferenceRanges.Flags(decimal.Parse(value, CultureInfo.InvariantCulture), 12.0m, 15.5m, 7.0m, 20.0m)));

    [Fact]
    public void Missing_bounds_flag_nothing_and_codes_outside_the_normal_set_are_abnormal()
    {
        Assert.Empty(ReferenceRanges.Flags(1000m, null, null, null, null));
        Assert.Equal(["HIGH"], ReferenceRanges.Flags(201m, null, 200m, null, null));
        Assert.Empty(ReferenceRanges.Flags("NEGATIVE", ["NEGATIVE"]));
        Assert.Equal(["ABNORMAL"], ReferenceRanges.Flags("POSITIVE", ["NEGATIVE"]));
        Assert.Equal(365, ReferenceRanges.AgeDays(new DateOnly(2025, 3, 1), new DateOnly(2026, 3, 1)));
    }
}
