using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Carebase.Api.Features.Labs.LabValues;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// Tests ordered for a patient (in a visit, or outside one) by a doctor. ORDERED → SAMPLE_COLLECTED (specimen id, who,
/// when) → RESULTED (every item has a result) → VERIFIED (by someone who entered none of the results verified), or
/// CANCELLED with a reason while no result exists. A correction of a verified result sends the order back to RESULTED
/// until the new value is verified; <see cref="VerifiedAt"/> keeps the first verification (the patient sees the order's
/// verified results from then on).
/// </summary>
public sealed class LabOrder
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid? VisitId { get; init; }
    public Guid? AdmissionId { get; init; }
    public Guid DoctorId { get; init; }
    public string Priority { get; init; } = "ROUTINE";
    public short PriorityRank { get; private set; }
    public string Status { get; private set; } = Ordered;
    public string? ClinicalNote { get; init; }
    public string? SpecimenId { get; private set; }
    public DateTimeOffset? CollectedAt { get; private set; }
    public Guid? CollectedBy { get; private set; }
    public DateTimeOffset? ResultedAt { get; private set; }
    public DateTimeOffset? VerifiedAt { get; private set; }
    public Guid? VerifiedBy { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public Guid? CancelledBy { get; private set; }
    public string? CancelReason { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public static LabOrder Place(Guid patientId, Guid? visitId, Guid doctorId, string priority, string? note, Guid by, DateTimeOffset now,
        Guid? admissionId = null) => new()
    {
        PatientId = patientId, VisitId = visitId, AdmissionId = admissionId, DoctorId = doctorId, Priority = priority, ClinicalNote = note,
        CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by,
    };

    void Touch(Guid by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    void Expect(string action, params string[] statuses)
    {
        if (!statuses.Contains(Status))
            throw new ConflictException("invalid_status", $"The order is {Status}: it cannot be {action} (only when {string.Join(" or ", statuses)}).");
    }

    public void Collect(string specimenId, DateTimeOffset at, Guid collector, Guid by, DateTimeOffset now)
    {
        Expect("collected", Ordered);
        (Status, SpecimenId, CollectedAt, CollectedBy) = (Collected, specimenId, at, collector);
        Touch(by, now);
    }

    /// <summary>Results may be entered once the sample is collected; the order is RESULTED when every item has one.</summary>
    public void EnsureResultsOpen() => Expect("resulted", Collected, LabValues.Resulted);

    public void RecordResults(bool complete, Guid by, DateTimeOffset now)
    {
        if (complete && Status == Collected) (Status, ResultedAt) = (LabValues.Resulted, now);
        Touch(by, now);
    }

    public void Verify(Guid by, DateTimeOffset now)
    {
        Expect("verified", LabValues.Resulted);
        Status = Verified;
        VerifiedAt ??= now;
        VerifiedBy ??= by;
        Touch(by, now);
    }

    /// <summary>A corrected result waits for its own verification: a verified order is RESULTED again.</summary>
    public void Corrected(Guid by, DateTimeOffset now)
    {
        Expect("corrected", LabValues.Resulted, Verified);
        Status = LabValues.Resulted;
        Touch(by, now);
    }

    public void Cancel(string reason, Guid by, DateTimeOffset now)
    {
        if (Status is LabValues.Resulted or Verified)
            throw new ConflictException("results_exist", "The order has results: it can no longer be cancelled (correct a result instead).");
        Expect("cancelled", Ordered, Collected);
        (Status, CancelReason, CancelledAt, CancelledBy) = (Cancelled, reason, now, by);
        Touch(by, now);
    }
}

/// <summary>One test of an order, with the panel it came from and its code, name and price as they were at order time.</summary>
public sealed class LabOrderItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid OrderId { get; init; }
    public Guid TestId { get; init; }
    public Guid? PanelId { get; init; }
    public int Position { get; init; }
    public string TestCode { get; init; } = "";
    public string TestName { get; init; } = "";
    public decimal Price { get; init; }
    public string Status { get; set; } = Ordered;
}

/// <summary>
/// A value for one item, with the unit, reference range and critical limits that applied when it was entered and the
/// flags computed from them. FINAL is the current one (one per item); a correction makes it CORRECTED (kept, visible,
/// pointing at its replacement) and adds a new FINAL one, which needs its own verification.
/// </summary>
public sealed class LabResult
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ItemId { get; init; }
    public Guid OrderId { get; init; }
    public Guid PatientId { get; init; }
    public decimal? ValueNumeric { get; init; }
    public string? ValueCode { get; init; }
    public string? ValueText { get; init; }
    public string? Unit { get; init; }
    public decimal? RangeLow { get; init; }
    public decimal? RangeHigh { get; init; }
    public string? RangeText { get; init; }
    public decimal? CriticalLow { get; init; }
    public decimal? CriticalHigh { get; init; }
    public string[] Flags { get; init; } = [];
    public string? Comment { get; init; }
    public string Status { get; private set; } = Final;
    public Guid? CorrectedByResultId { get; private set; }
    public string? CorrectionReason { get; private set; }
    public DateTimeOffset EnteredAt { get; init; }
    public Guid EnteredBy { get; init; }
    public DateTimeOffset? VerifiedAt { get; private set; }
    public Guid? VerifiedBy { get; private set; }

    public bool IsCritical => ReferenceRanges.IsCritical(Flags);

    /// <summary>409 same_person for the one who entered it: a result is verified by a second person.</summary>
    public void Verify(Guid by, DateTimeOffset now)
    {
        if (by == EnteredBy) throw SamePerson();
        (VerifiedAt, VerifiedBy) = (now, by);
    }

    public static ConflictException SamePerson() => new("same_person", "You entered this result: another person with labs:verify must verify it.");

    public void ReplaceWith(LabResult next, string reason)
    {
        if (Status != Final) throw new ConflictException("already_corrected", "This result was already corrected: correct the current one.");
        (Status, CorrectedByResultId, CorrectionReason) = (Corrected, next.Id, reason);
    }
}

/// <summary>A file of an order (a signed PDF report, an image), its bytes in the document store.</summary>
public sealed class LabAttachment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid OrderId { get; init; }
    public Guid PatientId { get; init; }
    public string FileName { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    public string Sha256 { get; init; } = "";
    public string Storage { get; init; } = "";
    public string StorageKey { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
}

sealed class LabOrderConfiguration : IEntityTypeConfiguration<LabOrder>, IEntityTypeConfiguration<LabOrderItem>,
    IEntityTypeConfiguration<LabResult>, IEntityTypeConfiguration<LabAttachment>
{
    public void Configure(EntityTypeBuilder<LabOrder> e)
    {
        e.ToTable("lab_orders");
        e.Property(o => o.Version).IsConcurrencyToken();
        e.Property(o => o.PriorityRank).HasComputedColumnSql("CASE priority WHEN 'STAT' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END", stored: true);
    }

    public void Configure(EntityTypeBuilder<LabOrderItem> e)
    {
        e.ToTable("lab_order_items");
        // So a unit of work inserts the order, test and panel first.
        e.HasOne<LabOrder>().WithMany().HasForeignKey(i => i.OrderId);
        e.HasOne<LabTest>().WithMany().HasForeignKey(i => i.TestId);
        e.HasOne<LabPanel>().WithMany().HasForeignKey(i => i.PanelId);
    }

    public void Configure(EntityTypeBuilder<LabResult> e)
    {
        e.ToTable("lab_results");
        e.HasOne<LabOrderItem>().WithMany().HasForeignKey(r => r.ItemId);
        e.HasOne<LabOrder>().WithMany().HasForeignKey(r => r.OrderId);
        e.Ignore(r => r.IsCritical);
    }

    public void Configure(EntityTypeBuilder<LabAttachment> e)
    {
        e.ToTable("lab_result_attachments");
        e.Property(a => a.Sha256).HasColumnName("sha256");
    }
}
