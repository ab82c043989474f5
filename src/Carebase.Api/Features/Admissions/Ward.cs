using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Admissions;

public static class WardValues
{
    public static readonly string[] Types = ["GENERAL", "ICU", "HDU", "MATERNITY", "PEDIATRIC", "PRIVATE", "ISOLATION"];
}

public static class BedStatus
{
    public const string Available = "AVAILABLE", Occupied = "OCCUPIED", Cleaning = "CLEANING", OutOfService = "OUT_OF_SERVICE", Reserved = "RESERVED";
    public static readonly string[] All = [Available, Occupied, Cleaning, OutOfService, Reserved];
    /// <summary>What staff may set by hand; OCCUPIED comes and goes only with an admission's bed assignment.</summary>
    public static readonly string[] Settable = [Available, Cleaning, OutOfService, Reserved];
    /// <summary>A patient may be put in a bed that is free or reserved for them.</summary>
    public static readonly string[] Takeable = [Available, Reserved];
}

/// <summary>A ward: its beds, department, type and the bed-day charge (exact money in the hospital's currency).</summary>
public sealed class Ward
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public Guid? DepartmentId { get; set; }
    public string Type { get; set; } = "GENERAL";
    public decimal DailyCharge { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Version { get; private set; } = 1;

    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}

/// <summary>
/// A bed of a ward, its code unique in the ward. Its status follows its occupant: <see cref="Occupy"/> and
/// <see cref="Leave"/> are called only with a bed assignment in the same transaction (the database keeps one occupant
/// per bed at any instant); staff set the other statuses by hand, never on a bed in use.
/// </summary>
public sealed class Bed
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid WardId { get; init; }
    public string Code { get; set; } = "";
    public string Status { get; private set; } = BedStatus.Available;
    public string? Notes { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Version { get; private set; } = 1;

    public static Bed Create(Guid wardId, string code, string status, string? notes, DateTimeOffset now)
    {
        var bed = new Bed { WardId = wardId, Code = code, Notes = notes, CreatedAt = now, UpdatedAt = now };
        bed.SetStatus(status, now);
        bed.Version = 1;
        return bed;
    }

    /// <summary>A status set by staff: 409 bed_in_use for an occupied bed (discharge or transfer the patient first).</summary>
    public void SetStatus(string status, DateTimeOffset now)
    {
        if (Status == BedStatus.Occupied && status != BedStatus.Occupied)
            throw new ConflictException("bed_in_use", "The bed is occupied: discharge or transfer its patient first.");
        if (!BedStatus.Settable.Contains(status)) throw new ValidationException("status", $"Must be one of {string.Join(", ", BedStatus.Settable)}.");
        Status = status;
        Touch(now);
    }

    /// <summary>Takes the bed for a patient: 409 bed_occupied / bed_not_available unless it is AVAILABLE or RESERVED.</summary>
    public void Occupy(DateTimeOffset now)
    {
        if (Status == BedStatus.Occupied) throw Admissions.BedOccupied();
        if (!BedStatus.Takeable.Contains(Status))
            throw new ConflictException("bed_not_available", $"The bed is {Status}; choose an available bed.",
                new Dictionary<string, object?> { ["bedStatus"] = Status });
        Status = BedStatus.Occupied;
        Touch(now);
    }

    /// <summary>The patient left: the bed waits for cleaning.</summary>
    public void Leave(DateTimeOffset now)
    {
        Status = BedStatus.Cleaning;
        Touch(now);
    }

    /// <summary>A cleaned bed back in service: 409 bed_not_cleaning unless it is CLEANING.</summary>
    public void Ready(DateTimeOffset now)
    {
        if (Status != BedStatus.Cleaning)
            throw new ConflictException("bed_not_cleaning", $"The bed is {Status}, not CLEANING.", new Dictionary<string, object?> { ["bedStatus"] = Status });
        Status = BedStatus.Available;
        Touch(now);
    }

    void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    public void Edited(DateTimeOffset now) => Touch(now);
}

sealed class WardConfiguration : IEntityTypeConfiguration<Ward>, IEntityTypeConfiguration<Bed>
{
    public void Configure(EntityTypeBuilder<Ward> e)
    {
        e.ToTable("wards");
        e.Property(w => w.Name).HasColumnType("citext");
        e.Property(w => w.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<Bed> e)
    {
        e.ToTable("beds");
        e.HasOne<Ward>().WithMany().HasForeignKey(b => b.WardId); // so a unit of work inserts the ward first
        e.Property(b => b.Code).HasColumnType("citext");
        e.Property(b => b.Version).IsConcurrencyToken();
    }
}
