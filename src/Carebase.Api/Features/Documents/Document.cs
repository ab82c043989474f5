using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Documents;

/// <summary>The closed value sets of a medical document.</summary>
public static class DocumentValues
{
    public static readonly string[] Categories = ["LAB_REPORT", "IMAGING", "REFERRAL", "DISCHARGE_SUMMARY", "CONSENT", "PRESCRIPTION", "OTHER"];
    public const int MaxTitle = 200;
    public const int MaxNotes = 2000;
}

/// <summary>
/// A medical document of a patient: what it is (title, category, notes, the visit it belongs to) and what was uploaded
/// (the sanitised file name, the content type sniffed from the bytes, size and SHA-256), with where its bytes are kept.
/// The file itself never changes; deleting is soft and keeps who and when.
/// </summary>
public sealed class Document
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid? VisitId { get; init; }
    public string Title { get; set; } = "";
    public string Category { get; set; } = "OTHER";
    public string? Notes { get; set; }
    public string FileName { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    /// <summary>Lower-case hex SHA-256 of the bytes, checked on every download.</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>The store holding the bytes (POSTGRES or DISK) and its key there.</summary>
    public string Storage { get; init; } = "";
    public string StorageKey { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public Guid? DeletedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public bool IsDeleted => DeletedAt is not null;

    public static Document Create(Guid patientId, Guid? visitId, string title, string category, string? notes, string fileName,
        string contentType, long size, string sha256, string storage, string key, Guid? by, DateTimeOffset now) => new()
    {
        PatientId = patientId, VisitId = visitId, Title = title, Category = category, Notes = notes, FileName = fileName,
        ContentType = contentType, SizeBytes = size, Sha256 = sha256, Storage = storage, StorageKey = key,
        CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by,
    };

    public void Touch(Guid? by, DateTimeOffset now)
    {
        UpdatedAt = now;
        UpdatedBy = by;
        Version++;
    }

    /// <summary>Changes of a deleted document are refused (409): restore is not offered, upload it again instead.</summary>
    public void EnsureNotDeleted()
    {
        if (IsDeleted) throw new ConflictException("deleted", "The document is deleted.");
    }

    public void SoftDelete(Guid? by, DateTimeOffset now)
    {
        if (IsDeleted) throw new ConflictException("already_deleted", "The document is already deleted.");
        DeletedAt = now;
        DeletedBy = by;
        Touch(by, now);
    }
}

sealed class DocumentConfiguration : IEntityTypeConfiguration<Document>
{
    public void Configure(EntityTypeBuilder<Document> e)
    {
        e.ToTable("documents");
        e.Property(d => d.Sha256).HasColumnName("sha256");
        e.Property(d => d.Version).IsConcurrencyToken();
        e.Ignore(d => d.IsDeleted);
    }
}
