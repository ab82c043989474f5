using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Visits;

public static class VisitValues
{
    public const string InProgress = "IN_PROGRESS";
    public const string Completed = "COMPLETED";
    public static readonly string[] Statuses = [InProgress, Completed];
    public static readonly string[] Types = ["OPD", "IPD"];
    public static readonly string[] DiagnosisKinds = ["PRIMARY", "SECONDARY"];
    public static readonly string[] DiagnosisStatuses = ["PROVISIONAL", "CONFIRMED", "DIFFERENTIAL", "RULED_OUT"];
    /// <summary>ICD-10 code shape, the same as the conditions'.</summary>
    public const string IcdPattern = History.Condition.IcdPattern;
}

/// <summary>
/// An encounter. Documented while IN_PROGRESS; <see cref="Complete"/> signs and locks it, after which every change is
/// 409 <c>visit_locked</c> (<see cref="EnsureOpen"/>) and only addenda are added.
/// </summary>
public sealed class Visit
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid DoctorId { get; init; }
    public Guid? DepartmentId { get; set; }
    public Guid? AppointmentId { get; init; }
    public Guid? QueueTokenId { get; init; }
    public string Type { get; init; } = "OPD";
    public string Status { get; private set; } = VisitValues.InProgress;
    public string? ChiefComplaint { get; set; }
    public string? Subjective { get; set; }
    public string? Objective { get; set; }
    public string? Assessment { get; set; }
    public string? Plan { get; set; }
    public DateTimeOffset StartedAt { get; init; }
    public Guid? StartedBy { get; init; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public Guid? CompletedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public bool IsLocked => Status == VisitValues.Completed;

    public static Visit Start(Guid patientId, Guid doctorId, Guid? departmentId, Guid? appointmentId, Guid? queueTokenId, string type,
        string? chiefComplaint, Guid? by, DateTimeOffset now) => new()
    {
        PatientId = patientId, DoctorId = doctorId, DepartmentId = departmentId, AppointmentId = appointmentId, QueueTokenId = queueTokenId,
        Type = type, ChiefComplaint = chiefComplaint, StartedAt = now, StartedBy = by, CreatedAt = now, UpdatedAt = now, UpdatedBy = by,
    };

    /// <summary>409 visit_locked once the visit is signed: the record stays as it was signed.</summary>
    public void EnsureOpen()
    {
        if (IsLocked)
            throw new ConflictException("visit_locked", "The visit is completed and locked; add an addendum (POST /visits/{id}/addenda) instead.");
    }

    public void Touch(Guid? by, DateTimeOffset now)
    {
        EnsureOpen();
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    public void Complete(Guid? by, DateTimeOffset now)
    {
        Touch(by, now);
        Status = VisitValues.Completed;
        CompletedAt = now;
        CompletedBy = by;
    }
}

/// <summary>A diagnosis made in a visit (ICD-10 code when known, and its text).</summary>
public sealed class VisitDiagnosis
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid VisitId { get; init; }
    public Guid PatientId { get; init; }
    public string? Code { get; set; }
    public string Text { get; set; } = "";
    public string Kind { get; set; } = "SECONDARY";
    public string Status { get; set; } = "PROVISIONAL";
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public Guid? DeletedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public void Touch(Guid? by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    public void SoftDelete(Guid? by, DateTimeOffset now)
    {
        DeletedAt = now;
        DeletedBy = by;
        Touch(by, now);
    }
}

/// <summary>Words added to a signed visit, with their author and time; the visit itself stays as signed.</summary>
public sealed class VisitAddendum
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid VisitId { get; init; }
    public string Text { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
}

/// <summary>The ICD-10 list: the common codes shipped with the service and the hospital's own.</summary>
public sealed class DiagnosisCode
{
    public string Code { get; init; } = "";
    public string Text { get; init; } = "";
    public bool IsCustom { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Code and text in lower case, generated by the database for the trigram search.</summary>
    public string Search { get; private set; } = "";
}

sealed class VisitConfiguration : IEntityTypeConfiguration<Visit>, IEntityTypeConfiguration<VisitDiagnosis>,
    IEntityTypeConfiguration<VisitAddendum>, IEntityTypeConfiguration<DiagnosisCode>
{
    public void Configure(EntityTypeBuilder<Visit> e)
    {
        e.ToTable("visits");
        e.Property(v => v.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<VisitDiagnosis> e)
    {
        e.ToTable("visit_diagnoses");
        e.Property(d => d.Version).IsConcurrencyToken();
        e.HasOne<Visit>().WithMany().HasForeignKey(d => d.VisitId); // so a unit of work inserts the visit first
    }

    public void Configure(EntityTypeBuilder<VisitAddendum> e)
    {
        e.ToTable("visit_addenda");
        e.HasOne<Visit>().WithMany().HasForeignKey(a => a.VisitId);
    }

    public void Configure(EntityTypeBuilder<DiagnosisCode> e)
    {
        e.ToTable("diagnosis_codes");
        e.HasKey(c => c.Code);
        e.Property(c => c.Search).HasComputedColumnSql("lower(code || ' ' || text)", stored: true);
    }
}
