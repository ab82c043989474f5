using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Platform.Audit;

/// <summary>
/// One row of an audit trail, numbered (<see cref="Seq"/>) and chained to the row before (<see cref="PrevHash"/>,
/// <see cref="Hash"/>) by the database: as it is inserted when that is the last statement of its transaction
/// (reads, sign-ins), else right after its transaction commits (see <see cref="AuditSeal"/>). The database refuses
/// UPDATE (other than the seal of a pending row) and DELETE.
/// </summary>
public abstract class AuditRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    /// <summary>Null only between the commit and the seal that follows it.</summary>
    public long? Seq { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public Guid? TenantId { get; init; }
    public Guid? UserId { get; init; }
    public string? UserEmail { get; init; }
    public string[] Roles { get; init; } = [];
    public string Action { get; init; } = "";
    public string ResourceType { get; init; } = "";
    public string? ResourceId { get; init; }
    /// <summary>JSON: changed fields (old/new) or other details; never secrets.</summary>
    public string? Changes { get; init; }
    public string Outcome { get; init; } = AuditOutcome.Success;
    public string? Ip { get; init; }
    public string? UserAgent { get; init; }
    public string? RequestId { get; init; }
    public byte[]? PrevHash { get; init; }
    public byte[]? Hash { get; init; }
}

/// <summary>A tenant's trail (audit_log in the tenant schema).</summary>
public sealed class AuditEntry : AuditRecord;

/// <summary>The platform's trail (platform.audit_log): super admin actions, unknown-account logins.</summary>
public sealed class PlatformAuditEntry : AuditRecord;

public static class AuditOutcome
{
    public const string Success = "SUCCESS";
    public const string Failure = "FAILURE";
    public const string Denied = "DENIED";
}

sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>, IEntityTypeConfiguration<PlatformAuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> e) => Map(e.ToTable("audit_log"));
    public void Configure(EntityTypeBuilder<PlatformAuditEntry> e) => Map(e.ToTable("audit_log", "platform"));

    static void Map<T>(EntityTypeBuilder<T> e) where T : AuditRecord
    {
        e.HasKey(a => a.Id);
        e.Property(a => a.Changes).HasColumnType("jsonb");
        // Filled in by the database when the row is chained (a pending insert leaves them null).
        e.Property(a => a.Seq).ValueGeneratedOnAdd();
        e.Property(a => a.PrevHash).ValueGeneratedOnAdd();
        e.Property(a => a.Hash).ValueGeneratedOnAdd();
    }
}
