using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Tenants;

public static class TenantStatus
{
    public const string Pending = "PENDING";
    public const string Verified = "VERIFIED";
    public const string Active = "ACTIVE";
    public const string Suspended = "SUSPENDED";
    public const string Inactive = "INACTIVE";
}

/// <summary>
/// A hospital. Its lifecycle is PENDING → VERIFIED → ACTIVE → SUSPENDED / INACTIVE; the guarded
/// methods below are the only way to move it, and an illegal move is a 409 naming the current state.
/// </summary>
public sealed class Tenant
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Slug { get; init; } = "";
    public string Name { get; set; } = "";
    public string SchemaName { get; init; } = "";
    public string Status { get; private set; } = TenantStatus.Pending;
    public string? StatusReason { get; private set; }
    public string Timezone { get; set; } = "UTC";
    public string Currency { get; set; } = "USD";
    public int SlotMinutes { get; set; } = 15;
    public int IdleTimeoutMinutes { get; set; } = 30;
    /// <summary>How long a break-glass grant opens a confidential record to the user who asked.</summary>
    public int BreakGlassMinutes { get; set; } = 60;
    /// <summary>The largest medical document this hospital accepts, in bytes.</summary>
    public int DocumentMaxBytes { get; set; } = DocumentLimits.DefaultMaxBytes;
    /// <summary>The document types (sniffed from the bytes) this hospital accepts.</summary>
    public string[] DocumentTypes { get; set; } = [.. Platform.Files.FileTypes.Storable];
    public string? ContactEmail { get; set; }
    public string? ContactPhone { get; set; }
    public string? Address { get; set; }
    public int? MaxUsers { get; set; }
    public int? MaxPatients { get; set; }
    public bool AllowPatientSelfRegistration { get; set; }
    public bool IsDemo { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? VerifiedAt { get; private set; }
    public DateTimeOffset? ActivatedAt { get; private set; }
    public DateTimeOffset? SuspendedAt { get; private set; }
    public int Version { get; set; } = 1;

    /// <summary>The first admin confirmed their email.</summary>
    public void Verify(DateTimeOffset now)
    {
        if (Status != TenantStatus.Pending) return; // confirming twice is harmless
        Status = TenantStatus.Verified;
        VerifiedAt = now;
        UpdatedAt = now;
    }

    public void Activate(DateTimeOffset now)
    {
        if (Status is TenantStatus.Pending)
            throw new ConflictException("illegal_status_change", "The hospital's admin has not verified their email yet (status PENDING).");
        if (Status is TenantStatus.Active)
            throw new ConflictException("illegal_status_change", "The hospital is already ACTIVE.");
        Status = TenantStatus.Active;
        StatusReason = null;
        ActivatedAt ??= now;
        SuspendedAt = null;
        UpdatedAt = now;
    }

    public void Suspend(string? reason, DateTimeOffset now)
    {
        if (Status is not TenantStatus.Active and not TenantStatus.Verified)
            throw new ConflictException("illegal_status_change", $"Only an ACTIVE or VERIFIED hospital can be suspended; this one is {Status}.");
        Status = TenantStatus.Suspended;
        StatusReason = reason;
        SuspendedAt = now;
        UpdatedAt = now;
    }

    public void Deactivate(string? reason, DateTimeOffset now)
    {
        if (Status is TenantStatus.Inactive)
            throw new ConflictException("illegal_status_change", "The hospital is already INACTIVE.");
        Status = TenantStatus.Inactive;
        StatusReason = reason;
        UpdatedAt = now;
    }

    /// <summary>Demo and single-clinic installs start out active.</summary>
    public static Tenant CreateActive(string slug, string name, string timezone, string currency, bool demo, DateTimeOffset now)
    {
        var t = new Tenant
        {
            Slug = slug, Name = name, SchemaName = Platform.Tenancy.TenantScope.SchemaFor(slug), Timezone = timezone,
            Currency = currency, IsDemo = demo, CreatedAt = now, UpdatedAt = now,
        };
        t.Verify(now);
        t.Activate(now);
        return t;
    }
}

/// <summary>Bounds of the per-hospital document settings (the migration's CHECKs say the same).</summary>
public static class DocumentLimits
{
    public const int DefaultMaxBytes = 20 * 1024 * 1024;
    public const int MinBytes = 1024;
    public const int CeilingBytes = 100 * 1024 * 1024;
    public static readonly string[] Types = Platform.Files.FileTypes.Storable;
}

sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> e)
    {
        e.ToTable("tenants", "platform");
        e.Property(t => t.Currency).HasColumnType("char(3)");
        e.Property(t => t.Version).IsConcurrencyToken();
    }
}
