using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Files;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Documents;

/// <summary>
/// An upload, read straight off the request in one pass: the parts of the multipart body in any order, the file's first
/// bytes sniffed for its type (refused before anything is stored), then the rest streamed into the store while it is
/// counted (413 past the hospital's limit) and hashed. The metadata row, the bytes (in the PostgreSQL store) and the
/// audit entry commit together; a failed upload leaves nothing behind in either store. With the PostgreSQL store the
/// transaction stays open while the file streams in (a slow client holds a connection that long).
/// </summary>
public sealed class DocumentUpload(CarebaseDb db, Caller caller, PatientAccess access, DocumentStorage storage, AuditLog audit, TimeProvider time)
{
    /// <summary>The largest body the route lets through before the hospital's own limit is known (the ceiling of the setting).</summary>
    public const long MaxBody = DocumentLimits.CeilingBytes + MultipartUpload.Overhead;

    const int MaxFieldBytes = 4 * DocumentValues.MaxNotes + 16;
    static readonly string[] TextParts = ["title", "category", "notes", "visitId"];
    const string Parts = "file, title, category, notes and visitId";

    public async Task<Document> UploadAsync(Guid patientId, HttpRequest request, CancellationToken ct)
    {
        await access.EnsureActiveAsync(patientId, ct);
        var tenantId = caller.TenantId ?? throw new NotFoundException("The hospital");
        var limits = await db.Set<Tenant>().AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.DocumentMaxBytes, t.DocumentTypes }).SingleAsync(ct);
        MultipartUpload.LimitBody(request, limits.DocumentMaxBytes);

        var store = storage.Current;
        StoredFile? file = null;
        // The PostgreSQL store writes in the transaction the row commits in; the disk store needs none while the file streams.
        await using var tx = store.Transactional ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            var (_, fields) = await MultipartUpload.ReadAsync(request, Parts, TextParts, MaxFieldBytes,
                (section, disposition) => MultipartUpload.StoreAsync(section, disposition, store, limits.DocumentMaxBytes, limits.DocumentTypes, "document", ct),
                stored => file = stored, ct);

            var errors = new FieldErrors();
            var form = new DocumentFields(Input.Clean(fields.GetValueOrDefault("title")), Input.Clean(fields.GetValueOrDefault("category")),
                Input.Clean(fields.GetValueOrDefault("notes")));
            FieldRules.Validate(form, errors);
            Guid? visitId = null;
            if (Input.Clean(fields.GetValueOrDefault("visitId")) is { } rawVisit)
            {
                if (Guid.TryParse(rawVisit, out var v)) visitId = v;
                else errors.Add("visitId", "Must be a UUID.");
            }
            if (file is null) errors.Add("file", "Attach the file (a part named file).");
            errors.ThrowIfAny();

            var document = Document.Create(patientId, visitId, form.Title!, form.Category!, form.Notes, file!.FileName, file.ContentType,
                file.Size, file.Sha256, store.Name, file.Key, caller.UserId, time.GetUtcNow());
            db.Add(document);
            audit.Record("DOCUMENT_UPLOADED", "DOCUMENT", document.Id, new
            {
                patientId, document.VisitId, document.Title, document.Category, document.FileName, document.ContentType,
                document.SizeBytes, document.Sha256, document.Storage,
            });
            await db.SaveChangesAsync(ct);
            if (tx is not null) await tx.CommitAsync(ct);
            return document;
        }
        catch when (file is not null && !store.Transactional)
        {
            await MultipartUpload.ForgetAsync(store, file.Key);
            throw;
        }
    }
}
