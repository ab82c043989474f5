using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Platform.Auth;

/// <summary>
/// An account: staff of one tenant, a patient of one tenant, or a platform super admin
/// (no tenant). Emails are unique across the platform, so signing in needs only email and password.
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public Guid? TenantId { get; set; }
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public bool IsActive { get; set; } = true;
    public bool IsSuperAdmin { get; set; }
    /// <summary>Set for staff created by an admin (and after an admin reset) until they choose their own password.</summary>
    public bool MustChangePassword { get; set; }
    /// <summary>For PATIENT accounts: the patient record the account may see.</summary>
    public Guid? PatientId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
    public DateTimeOffset? PasswordChangedAt { get; set; }
    /// <summary>The ETag of a staff account; bumped by changes made through the staff routes.</summary>
    public int Version { get; private set; } = 1;

    /// <summary>Records an administrative change: a new version and update time.</summary>
    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    public string FullName => $"{FirstName} {LastName}".Trim();
}

public sealed class PasswordHistoryEntry
{
    public long Id { get; set; }
    public Guid UserId { get; set; }
    public string PasswordHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

sealed class PasswordHistoryConfiguration : IEntityTypeConfiguration<PasswordHistoryEntry>
{
    public void Configure(EntityTypeBuilder<PasswordHistoryEntry> e)
    {
        e.ToTable("password_history", "platform");
        e.Property(p => p.Id).UseIdentityAlwaysColumn();
    }
}
