using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Labs;

/// <summary>The closed value sets of the laboratory.</summary>
public static class LabValues
{
    public static readonly string[] Specimens = ["WHOLE_BLOOD", "SERUM", "PLASMA", "URINE", "STOOL", "CSF", "SWAB", "SPUTUM", "OTHER"];
    public static readonly string[] ResultKinds = ["NUMERIC", "CODED", "TEXT"];
    public static readonly string[] Sexes = ["MALE", "FEMALE"];
    public static readonly string[] Priorities = ["ROUTINE", "URGENT", "STAT"];
    public const string Ordered = "ORDERED";
    public const string Collected = "SAMPLE_COLLECTED";
    public const string Resulted = "RESULTED";
    public const string Verified = "VERIFIED";
    public const string Cancelled = "CANCELLED";
    public static readonly string[] Statuses = [Ordered, Collected, Resulted, Verified, Cancelled];
    public static readonly string[] ItemStatuses = [Ordered, Resulted, Verified, Cancelled];
    public const string Final = "FINAL";
    public const string Corrected = "CORRECTED";
    public static readonly string[] ResultStatuses = [Final, Corrected];
    public static readonly string[] Flags = ["LOW", "HIGH", "CRITICAL_LOW", "CRITICAL_HIGH", "ABNORMAL"];
    public static readonly string[] Sorts = ["WORKLIST", "NEWEST"];
    public const string CodePattern = @"^[A-Z0-9][A-Z0-9_\-]{0,19}$";
    public const string LoincPattern = @"^[0-9]{1,7}-[0-9]$";
}

/// <summary>
/// A test of the catalog: what is measured (code, LOINC, name), in what specimen, how a result is given (a number with
/// its unit, one of a set of codes, or text), what it costs and how long it takes, its reference ranges and, for numbers,
/// the critical (panic) limits that alert the ordering doctor.
/// </summary>
public sealed class LabTest
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Code { get; set; } = "";
    public string? Loinc { get; set; }
    public string Name { get; set; } = "";
    public string Specimen { get; set; } = "WHOLE_BLOOD";
    public string ResultKind { get; set; } = "NUMERIC";
    public string? Unit { get; set; }
    public string[] CodedValues { get; set; } = [];
    public string[] NormalValues { get; set; } = [];
    public decimal Price { get; set; }
    public int TurnaroundHours { get; set; }
    public decimal? CriticalLow { get; set; }
    public decimal? CriticalHigh { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Version { get; private set; } = 1;

    public List<LabTestRange> Ranges { get; init; } = [];

    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    public static LabTest Create(DateTimeOffset now) => new() { CreatedAt = now, UpdatedAt = now };
}

/// <summary>A reference range for one sex (or either) and an age band in days, [from, to) (to: none above).</summary>
public sealed class LabTestRange
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TestId { get; init; }
    public string? Sex { get; init; }
    public int AgeFromDays { get; init; }
    public int? AgeToDays { get; init; }
    public decimal? Low { get; init; }
    public decimal? High { get; init; }
    public string? Text { get; init; }
}

/// <summary>A set of tests ordered together (a CBC, a lipid panel); ordering it orders each of its tests.</summary>
public sealed class LabPanel
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Code { get; set; } = "";
    public string? Loinc { get; set; }
    public string Name { get; set; } = "";
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Version { get; private set; } = 1;

    public List<LabPanelTest> Tests { get; init; } = [];

    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    public static LabPanel Create(DateTimeOffset now) => new() { CreatedAt = now, UpdatedAt = now };
}

public sealed class LabPanelTest
{
    public Guid PanelId { get; init; }
    public Guid TestId { get; init; }
    public int Position { get; set; }
}

sealed class LabCatalogConfiguration : IEntityTypeConfiguration<LabTest>, IEntityTypeConfiguration<LabTestRange>,
    IEntityTypeConfiguration<LabPanel>, IEntityTypeConfiguration<LabPanelTest>
{
    public void Configure(EntityTypeBuilder<LabTest> e)
    {
        e.ToTable("lab_tests");
        e.Property(t => t.Version).IsConcurrencyToken();
        e.HasMany(t => t.Ranges).WithOne().HasForeignKey(r => r.TestId);
    }

    public void Configure(EntityTypeBuilder<LabTestRange> e) => e.ToTable("lab_test_ranges");

    public void Configure(EntityTypeBuilder<LabPanel> e)
    {
        e.ToTable("lab_panels");
        e.Property(p => p.Version).IsConcurrencyToken();
        e.HasMany(p => p.Tests).WithOne().HasForeignKey(t => t.PanelId);
    }

    public void Configure(EntityTypeBuilder<LabPanelTest> e)
    {
        e.ToTable("lab_panel_tests");
        e.HasKey(t => new { t.PanelId, t.TestId });
        e.HasOne<LabTest>().WithMany().HasForeignKey(t => t.TestId);
    }
}
