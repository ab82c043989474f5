using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Departments;

/// <summary>A department of the hospital; patient-facing ones appear in booking, staff-only ones do not.</summary>
public sealed class Department
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string? Code { get; set; }
    public string? Description { get; set; }
    public bool IsPatientFacing { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The concurrency token behind the ETag; a writer that read an older version fails with 412.</summary>
    public int Version { get; private set; } = 1;

    /// <summary>Records a change: a new version and update time.</summary>
    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}

/// <summary>A staff member's membership of a department.</summary>
public sealed class UserDepartment
{
    public Guid UserId { get; init; }
    public Guid DepartmentId { get; init; }
}

sealed class DepartmentConfiguration : IEntityTypeConfiguration<Department>, IEntityTypeConfiguration<UserDepartment>
{
    public void Configure(EntityTypeBuilder<UserDepartment> e)
    {
        e.ToTable("user_departments");
        e.HasKey(x => new { x.UserId, x.DepartmentId });
    }

    public void Configure(EntityTypeBuilder<Department> e)
    {
        e.ToTable("departments");
        e.Property(d => d.Name).HasColumnType("citext");
        e.Property(d => d.Version).IsConcurrencyToken();
    }
}
