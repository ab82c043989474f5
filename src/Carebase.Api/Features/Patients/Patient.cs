using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Patients;

/// <summary>The closed value sets of a patient record (SCREAMING_CASE on the wire and in the database).</summary>
public static class PatientValues
{
    public static readonly string[] Genders = ["MALE", "FEMALE", "OTHER", "UNKNOWN"];
    public static readonly string[] BloodTypes = ["A_POSITIVE", "A_NEGATIVE", "B_POSITIVE", "B_NEGATIVE", "AB_POSITIVE", "AB_NEGATIVE", "O_POSITIVE", "O_NEGATIVE", "UNKNOWN"];
    public static readonly string[] InsuranceTypes = ["NONE", "PRIVATE", "PUBLIC", "EMPLOYER", "SELF_PAY", "OTHER"];
    public static readonly string[] MaritalStatuses = ["SINGLE", "MARRIED", "DIVORCED", "WIDOWED", "SEPARATED", "PARTNERED", "UNKNOWN"];
    public static readonly string[] PatientTypes = ["OPD", "IPD"];
}

/// <summary>
/// A patient record. Demographics are plain properties (validated by the request contracts);
/// the lifecycle (soft delete, restore, merge) goes through guarded methods.
/// </summary>
public sealed class Patient
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string PatientCode { get; init; } = "";
    public string FirstName { get; set; } = "";
    public string? MiddleName { get; set; }
    public string LastName { get; set; } = "";
    public DateOnly DateOfBirth { get; set; }
    public string Gender { get; set; } = "UNKNOWN";
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? AddressLine { get; set; }
    public string? City { get; set; }
    public string? State { get; set; }
    public string? PostalCode { get; set; }
    public string? Country { get; set; }
    public string? EmergencyContactName { get; set; }
    public string? EmergencyContactPhone { get; set; }
    public string? EmergencyContactRelation { get; set; }
    public string InsuranceType { get; set; } = "NONE";
    public string? InsuranceProvider { get; set; }
    public string? InsuranceNumber { get; set; }
    public string BloodType { get; set; } = "UNKNOWN";
    public string MaritalStatus { get; set; } = "UNKNOWN";
    public string? Occupation { get; set; }
    public string? NationalId { get; set; }
    public bool ConsentSms { get; set; }
    public bool ConsentEmail { get; set; }
    public bool ConsentDataSharing { get; set; }
    public string PatientType { get; set; } = "OPD";
    public Guid? DepartmentId { get; set; }
    /// <summary>Visible only to the care team; anyone else with clinical rights opens it through break-glass access.</summary>
    public bool Confidential { get; set; }
    /// <summary>False for a record a patient created through self-registration until staff confirm it.</summary>
    public bool IsVerified { get; set; } = true;
    public DateTimeOffset? LastVisitAt { get; set; }
    /// <summary>Why staff registered this record although it looked like a duplicate.</summary>
    public string? DuplicateReason { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public Guid? DeletedBy { get; private set; }
    public Guid? MergedIntoId { get; private set; }
    public int Version { get; private set; } = 1;
    /// <summary>Normalised name, computed by the database (unaccented, lower case).</summary>
    public string SearchName { get; private set; } = "";
    public string? PhoneDigits { get; private set; }
    public string[] SearchWords { get; private set; } = [];

    public bool IsDeleted => DeletedAt is not null;
    public string ETag => Platform.Data.ETags.Of(Version);

    public void Touch(Guid? by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    public void SoftDelete(Guid? by, DateTimeOffset now)
    {
        if (IsDeleted) throw new ConflictException("already_deleted", "The patient is already deleted.");
        DeletedAt = now;
        DeletedBy = by;
        Touch(by, now);
    }

    public void Restore(Guid? by, DateTimeOffset now)
    {
        if (!IsDeleted) throw new ConflictException("not_deleted", "The patient is not deleted.");
        if (MergedIntoId is not null)
            throw new ConflictException("merged", $"The patient was merged into {MergedIntoId}; restore is not possible.");
        DeletedAt = null;
        DeletedBy = null;
        Touch(by, now);
    }

    /// <summary>Marks this record as a duplicate folded into <paramref name="survivor"/>.</summary>
    public void MergeInto(Patient survivor, Guid? by, DateTimeOffset now)
    {
        if (survivor.Id == Id) throw new ConflictException("merge_into_self", "A patient cannot be merged into itself.");
        if (IsDeleted) throw new ConflictException("already_deleted", "The duplicate is already deleted or merged.");
        if (survivor.IsDeleted) throw new ConflictException("survivor_deleted", "The surviving patient is deleted; restore it first.");
        MergedIntoId = survivor.Id;
        SoftDelete(by, now);
        // The merged record stays as protected as the more protected of the two.
        if (Confidential) survivor.Confidential = true;
        if (LastVisitAt > survivor.LastVisitAt || survivor.LastVisitAt is null) survivor.LastVisitAt = LastVisitAt;
        survivor.Touch(by, now);
    }

    public static Patient Register(string code, Guid? by, DateTimeOffset now) =>
        new() { PatientCode = code, CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by };

    /// <summary>Age in whole years on <paramref name="today"/> (exact at birthdays, 29 February handled).</summary>
    public static int AgeOn(DateOnly dateOfBirth, DateOnly today)
    {
        var age = today.Year - dateOfBirth.Year;
        if (today < dateOfBirth.AddYears(age)) age--;
        return age;
    }
}

sealed class PatientConfiguration : IEntityTypeConfiguration<Patient>
{
    public void Configure(EntityTypeBuilder<Patient> e)
    {
        e.ToTable("patients");
        e.Property(p => p.Email).HasColumnType("citext");
        e.Property(p => p.Version).IsConcurrencyToken();
        // Generated by the database (see the migration); EF reads them and never writes them.
        e.Property(p => p.SearchName).HasComputedColumnSql("search_name", stored: true);
        e.Property(p => p.PhoneDigits).HasComputedColumnSql("phone_digits", stored: true);
        e.Property(p => p.SearchWords).HasComputedColumnSql("search_words", stored: true);
    }
}
