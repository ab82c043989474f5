using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Doctors;

/// <summary>
/// The professional profile of a staff account that holds the DOCTOR role (one profile per account).
/// Name, email, phone and whether the doctor is active belong to the account; profiles are never deleted.
/// </summary>
public sealed class Doctor
{
    /// <summary>numeric(12,2): ten digits before the point, two after.</summary>
    public const decimal MaxFee = 9_999_999_999.99m;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid UserId { get; init; }
    public string Specialization { get; set; } = "";
    public string LicenseNumber { get; set; } = "";
    public int YearsOfExperience { get; set; }
    public decimal ConsultationFee { get; set; }
    public string? Bio { get; set; }
    public Guid? DepartmentId { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    /// <summary>The concurrency token behind the ETag.</summary>
    public int Version { get; private set; } = 1;

    public static Doctor Create(Guid userId, Guid? by, DateTimeOffset now) =>
        new() { UserId = userId, CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by };

    public void Touch(Guid? by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    /// <summary>Exact money as the column keeps it: zero or more, at most two decimal places, within numeric(12,2).</summary>
    public static string? FeeProblem(decimal fee) =>
        fee < 0 ? "Must be zero or more."
        : fee > MaxFee ? $"Must be at most {MaxFee}."
        : decimal.Round(fee, 2) != fee ? "At most 2 decimal places."
        : null;

    /// <summary>The amount with exactly two decimal places, as the database returns it (100 → 100.00).</summary>
    public static decimal Money(decimal amount) => decimal.Round(amount, 2) + 0.00m;
}

sealed class DoctorConfiguration : IEntityTypeConfiguration<Doctor>
{
    public void Configure(EntityTypeBuilder<Doctor> e)
    {
        e.ToTable("doctors");
        e.Property(d => d.LicenseNumber).HasColumnType("citext");
        e.Property(d => d.ConsultationFee).HasColumnType("numeric(12,2)");
        e.Property(d => d.Version).IsConcurrencyToken();
    }
}
