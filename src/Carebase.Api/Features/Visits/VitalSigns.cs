using System.Text.Json;
using Carebase.Api.Features.History;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Visits;

/// <summary>
/// One set of vital signs, in a visit or on its own. Units are in the names (cm, kg, mmHg, /min, °C, %). BMI is the
/// service's (kg / m², one decimal), never the client's. <see cref="Flags"/> names, per measurement, what lies outside
/// the adult normal range (LOW / HIGH); values outside physiological limits never get this far (422).
/// </summary>
public sealed class Vitals : HistoryItem
{
    public Guid? VisitId { get; init; }
    public DateTimeOffset RecordedAt { get; set; }
    public decimal? HeightCm { get; set; }
    public decimal? WeightKg { get; set; }
    public decimal? Bmi { get; private set; }
    public short? SystolicMmHg { get; set; }
    public short? DiastolicMmHg { get; set; }
    public short? PulsePerMin { get; set; }
    public decimal? TemperatureC { get; set; }
    public short? RespiratoryRatePerMin { get; set; }
    public short? Spo2Percent { get; set; }
    public short? PainScore { get; set; }
    public string Flags { get; private set; } = "{}";

    /// <summary>Computes BMI and the flags from the measurements (call after every change of them).</summary>
    public void Derive()
    {
        Bmi = HeightCm is { } h && WeightKg is { } w && h > 0 ? Math.Round(w / (h / 100m * (h / 100m)), 1, MidpointRounding.AwayFromZero) : null;
        Flags = JsonSerializer.Serialize(VitalRanges.FlagsOf(this));
    }

    public IReadOnlyDictionary<string, string[]> FlagMap => JsonSerializer.Deserialize<Dictionary<string, string[]>>(Flags) ?? [];
}

sealed class VitalsConfiguration : IEntityTypeConfiguration<Vitals>
{
    public void Configure(EntityTypeBuilder<Vitals> e)
    {
        e.ToTable("vitals");
        e.Property(v => v.Version).IsConcurrencyToken();
        e.Property(v => v.Flags).HasColumnType("jsonb");
        e.Property(v => v.SystolicMmHg).HasColumnName("systolic_mmhg");
        e.Property(v => v.DiastolicMmHg).HasColumnName("diastolic_mmhg");
        e.Property(v => v.Spo2Percent).HasColumnName("spo2_percent");
        e.Ignore(v => v.FlagMap);
        e.HasOne<Visit>().WithMany().HasForeignKey(v => v.VisitId); // so a unit of work inserts the visit first
    }
}

/// <summary>
/// The limits of each measurement: physiological (beyond them the value is an error: 422 naming the field, and a CHECK in
/// the database) and normal for an adult at rest (beyond them the value is kept and flagged).
/// </summary>
public static class VitalRanges
{
    public sealed record Range(string Field, string Unit, decimal Min, decimal Max, decimal? NormalLow, decimal? NormalHigh);

    public static readonly Range HeightCm = new("heightCm", "cm", 20, 272, null, null);
    public static readonly Range WeightKg = new("weightKg", "kg", 0.2m, 650, null, null);
    public static readonly Range Bmi = new("bmi", "kg/m²", 0, 999, 18.5m, 24.9m);
    public static readonly Range Systolic = new("systolicMmHg", "mmHg", 40, 300, 90, 139);
    public static readonly Range Diastolic = new("diastolicMmHg", "mmHg", 20, 200, 60, 89);
    public static readonly Range Pulse = new("pulsePerMin", "/min", 20, 300, 60, 100);
    public static readonly Range Temperature = new("temperatureC", "°C", 25, 45, 36.1m, 37.8m);
    public static readonly Range RespiratoryRate = new("respiratoryRatePerMin", "/min", 2, 80, 12, 20);
    public static readonly Range Spo2 = new("spo2Percent", "%", 30, 100, 95, null);
    public static readonly Range Pain = new("painScore", "0-10", 0, 10, null, 3);

    /// <summary>422 field errors for values outside physiological limits, and a systolic not above the diastolic.</summary>
    public static void Check(FieldErrors errors, decimal? height, decimal? weight, short? systolic, short? diastolic, short? pulse,
        decimal? temperature, short? respiratoryRate, short? spo2, short? pain)
    {
        void One(Range r, decimal? value)
        {
            if (value is { } v && (v < r.Min || v > r.Max)) errors.Add(r.Field, $"Must be between {r.Min} and {r.Max} {r.Unit}.");
        }
        One(HeightCm, height);
        One(WeightKg, weight);
        One(Systolic, systolic);
        One(Diastolic, diastolic);
        One(Pulse, pulse);
        One(Temperature, temperature);
        One(RespiratoryRate, respiratoryRate);
        One(Spo2, spo2);
        One(Pain, pain);
        if (systolic is { } s && diastolic is { } d && s <= d) errors.Add(Systolic.Field, "Must be greater than diastolicMmHg.");
        if (new object?[] { height, weight, systolic, diastolic, pulse, temperature, respiratoryRate, spo2, pain }.All(v => v is null))
            errors.Add("vitals", "Give at least one measurement.");
    }

    public static Dictionary<string, string[]> FlagsOf(Vitals v)
    {
        var flags = new Dictionary<string, string[]>();
        void One(Range r, decimal? value)
        {
            if (value is not { } x) return;
            if (r.NormalLow is { } low && x < low) flags[r.Field] = ["LOW"];
            else if (r.NormalHigh is { } high && x > high) flags[r.Field] = ["HIGH"];
        }
        One(Bmi, v.Bmi);
        One(Systolic, v.SystolicMmHg);
        One(Diastolic, v.DiastolicMmHg);
        One(Pulse, v.PulsePerMin);
        One(Temperature, v.TemperatureC);
        One(RespiratoryRate, v.RespiratoryRatePerMin);
        One(Spo2, v.Spo2Percent);
        One(Pain, v.PainScore);
        return flags;
    }
}
