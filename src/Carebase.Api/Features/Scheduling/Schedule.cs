using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Scheduling;

/// <summary>One weekly block of a doctor's working hours, in the tenant's local time.</summary>
public sealed class WorkingHours
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DoctorId { get; init; }
    /// <summary>ISO weekday: 1 = Monday … 7 = Sunday.</summary>
    public short Weekday { get; init; }
    public TimeOnly StartTime { get; init; }
    public TimeOnly EndTime { get; init; }
}

/// <summary>An absence of a doctor (whole or part days), as instants.</summary>
public sealed class TimeOff
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DoctorId { get; init; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string? Reason { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
}

/// <summary>A one-off session outside the weekly hours, as instants.</summary>
public sealed class ExtraSession
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DoctorId { get; init; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string? Note { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
}

sealed class WorkingHoursConfiguration : IEntityTypeConfiguration<WorkingHours>
{
    public void Configure(EntityTypeBuilder<WorkingHours> e) => e.ToTable("working_hours");
}

sealed class TimeOffConfiguration : IEntityTypeConfiguration<TimeOff>
{
    public void Configure(EntityTypeBuilder<TimeOff> e) => e.ToTable("time_off");
}

sealed class ExtraSessionConfiguration : IEntityTypeConfiguration<ExtraSession>
{
    public void Configure(EntityTypeBuilder<ExtraSession> e) => e.ToTable("extra_sessions");
}
