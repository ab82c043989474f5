using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Staff;

/// <summary>A named set of permission codes in one tenant. System roles are kept in step with the code and cannot be deleted.</summary>
public sealed class Role
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool IsSystem { get; init; }
    public string[] Permissions { get; set; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class UserRole
{
    public Guid UserId { get; init; }
    public Guid RoleId { get; init; }
}

public sealed class UserDepartment
{
    public Guid UserId { get; init; }
    public Guid DepartmentId { get; init; }
}

sealed class StaffConfiguration : IEntityTypeConfiguration<Role>, IEntityTypeConfiguration<UserRole>, IEntityTypeConfiguration<UserDepartment>
{
    public void Configure(EntityTypeBuilder<Role> e)
    {
        e.ToTable("roles");
        e.Property(r => r.Name).HasColumnType("citext");
    }

    public void Configure(EntityTypeBuilder<UserRole> e)
    {
        e.ToTable("user_roles");
        e.HasKey(x => new { x.UserId, x.RoleId });
    }

    public void Configure(EntityTypeBuilder<UserDepartment> e)
    {
        e.ToTable("user_departments");
        e.HasKey(x => new { x.UserId, x.DepartmentId });
    }
}
