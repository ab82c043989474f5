using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Platform.Auth;

/// <summary>A named set of permission codes in one tenant (managed through the Staff routes). System roles are kept in step with the code and cannot be deleted.</summary>
public sealed class Role
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool IsSystem { get; init; }
    public string[] Permissions { get; set; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Version { get; private set; } = 1;

    public static Role Custom(string name, string? description, string[] permissions, DateTimeOffset now) =>
        new() { Name = name, Description = description, Permissions = permissions, CreatedAt = now, UpdatedAt = now };

    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}

public sealed class UserRole
{
    public Guid UserId { get; init; }
    public Guid RoleId { get; init; }
}

sealed class RoleConfiguration : IEntityTypeConfiguration<Role>, IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<Role> e)
    {
        e.ToTable("roles");
        e.Property(r => r.Name).HasColumnType("citext");
        e.Property(r => r.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<UserRole> e)
    {
        e.ToTable("user_roles");
        e.HasKey(x => new { x.UserId, x.RoleId });
    }
}
