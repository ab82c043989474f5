using System.Text.Json;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Admissions;

public static class AdmissionValues
{
    public const string Active = "ACTIVE", Discharged = "DISCHARGED";
    public static readonly string[] Statuses = [Active, Discharged];
    public static readonly string[] Sources = ["VISIT", "EMERGENCY", "PLANNED"];
    public static readonly string[] Dispositions = ["HOME", "TRANSFERRED", "AGAINST_MEDICAL_ADVICE", "DECEASED"];
    public static readonly string[] Conditions = ["RECOVERED", "IMPROVED", "STABLE", "UNCHANGED", "DETERIORATED", "DECEASED"];
    public static readonly string[] AssignmentReasons = ["ADMISSION", "TRANSFER"];
}

/// <summary>The 409s the database's invariants answer, named once.</summary>
public static class Admissions
{
    public static ConflictException BedOccupied() =>
        new("bed_occupied", "The bed is occupied by another patient; choose another bed.");

    public static ConflictException AlreadyAdmitted() =>
        new("patient_already_admitted", "The patient already has an active admission: transfer or discharge it first.");

    /// <summary>The constraints behind those answers, for <c>SaveOrConflictAsync</c>.</summary>
    public static readonly (string, Func<ProblemException>)[] Constraints =
    [
        ("bed_assignments_bed_no_overlap", BedOccupied),
        ("admissions_one_active_per_patient", AlreadyAdmitted),
    ];
}

/// <summary>A final diagnosis of the discharge summary (ICD-10 code and/or text).</summary>
public sealed record FinalDiagnosis(string? Code, string Text);

/// <summary>
/// A patient's stay: ACTIVE from admission (to a department, under a primary doctor, with an admitting diagnosis) until
/// <see cref="Discharge"/> records the summary, disposition and time (DISCHARGED). Beds are held through
/// <see cref="BedAssignment"/>s.
/// </summary>
public sealed class Admission
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; set; }
    public string Source { get; init; } = "PLANNED";
    public Guid? VisitId { get; init; }
    public Guid DepartmentId { get; set; }
    public Guid PrimaryDoctorId { get; set; }
    public string? AdmittingDiagnosisCode { get; init; }
    public string AdmittingDiagnosis { get; init; } = "";
    public string? Notes { get; init; }
    public string Status { get; private set; } = AdmissionValues.Active;
    public DateTimeOffset AdmittedAt { get; init; }
    public Guid? AdmittedBy { get; init; }
    public DateTimeOffset? DischargedAt { get; private set; }
    public Guid? DischargedBy { get; private set; }
    public string? Disposition { get; private set; }
    public List<FinalDiagnosis>? FinalDiagnoses { get; private set; }
    public string[]? Procedures { get; private set; }
    public string? HospitalCourse { get; private set; }
    public string[]? DischargeMedications { get; private set; }
    public string? FollowUp { get; private set; }
    public string? ConditionAtDischarge { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public bool IsActive => Status == AdmissionValues.Active;

    public static Admission Admit(Guid patientId, string source, Guid? visitId, Guid departmentId, Guid doctorId, string? code, string diagnosis,
        string? notes, DateTimeOffset admittedAt, Guid? by, DateTimeOffset now) => new()
    {
        PatientId = patientId, Source = source, VisitId = visitId, DepartmentId = departmentId, PrimaryDoctorId = doctorId,
        AdmittingDiagnosisCode = code, AdmittingDiagnosis = diagnosis, Notes = notes, AdmittedAt = admittedAt, AdmittedBy = by,
        CreatedAt = now, UpdatedAt = now, UpdatedBy = by,
    };

    /// <summary>409 admission_not_active for a discharged admission (it is closed: nothing moves any more).</summary>
    public void EnsureActive()
    {
        if (!IsActive) throw new ConflictException("admission_not_active", "The admission is discharged; nothing about it moves any more.",
            new Dictionary<string, object?> { ["currentStatus"] = Status });
    }

    public void Discharge(DateTimeOffset at, string disposition, string condition, List<FinalDiagnosis> diagnoses, string[] procedures,
        string? course, string[] medications, string? followUp, Guid? by, DateTimeOffset now)
    {
        EnsureActive();
        Status = AdmissionValues.Discharged;
        (DischargedAt, DischargedBy, Disposition, ConditionAtDischarge) = (at, by, disposition, condition);
        (FinalDiagnoses, Procedures, HospitalCourse, DischargeMedications, FollowUp) = (diagnoses, procedures, course, medications, followUp);
        Touch(by, now);
    }

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }
}

/// <summary>A bed an admission held from <see cref="StartedAt"/> until <see cref="EndedAt"/> (null: it holds it now).</summary>
public sealed class BedAssignment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid AdmissionId { get; init; }
    public Guid PatientId { get; set; }
    public Guid BedId { get; init; }
    public Guid WardId { get; init; }
    public decimal DailyCharge { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; private set; }
    public string Reason { get; init; } = "ADMISSION";
    public Guid? CreatedBy { get; init; }

    public void End(DateTimeOffset at) => EndedAt = at;
}

sealed class AdmissionConfiguration : IEntityTypeConfiguration<Admission>, IEntityTypeConfiguration<BedAssignment>
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Admission> e)
    {
        e.ToTable("admissions");
        e.Property(a => a.Version).IsConcurrencyToken();
        e.Ignore(a => a.IsActive);
        e.Property(a => a.FinalDiagnoses).HasColumnType("jsonb").HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, Json),
            v => v == null ? null : JsonSerializer.Deserialize<List<FinalDiagnosis>>(v, Json),
            new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<FinalDiagnosis>?>(
                (a, b) => a == null ? b == null : b != null && a.SequenceEqual(b), v => v == null ? 0 : v.Count, v => v == null ? null : v.ToList()));
    }

    public void Configure(EntityTypeBuilder<BedAssignment> e)
    {
        e.ToTable("bed_assignments");
        // Admission first in a unit of work that adds both.
        e.HasOne<Admission>().WithMany().HasForeignKey(b => b.AdmissionId);
    }
}
