using System.Text;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Files;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

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
    /// <summary>Room for the multipart framing and the text parts on top of the file.</summary>
    public const int Overhead = 64 * 1024;

    /// <summary>The largest body the route lets through before the hospital's own limit is known (the ceiling of the setting).</summary>
    public const long MaxBody = DocumentLimits.CeilingBytes + Overhead;

    const int MaxFieldBytes = 4 * DocumentValues.MaxNotes + 16;
    static readonly string[] TextParts = ["title", "category", "notes", "visitId"];

    sealed record StoredFile(string Key, string ContentType, long Size, string Sha256, string FileName);

    public async Task<Document> UploadAsync(Guid patientId, HttpRequest request, CancellationToken ct)
    {
        await access.EnsureActiveAsync(patientId, ct);
        var boundary = Boundary(request);
        var tenantId = caller.TenantId ?? throw new NotFoundException("The hospital");
        var limits = await db.Set<Tenant>().AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.DocumentMaxBytes, t.DocumentTypes }).SingleAsync(ct);
        if (request.ContentLength > limits.DocumentMaxBytes + Overhead) throw TooLarge(limits.DocumentMaxBytes);
        // Kestrel stops a body (chunked ones too) past the hospital's limit; the count below is exact for the file itself.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limits.DocumentMaxBytes + Overhead;

        var store = storage.Current;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        StoredFile? file = null;
        // The PostgreSQL store writes in the transaction the row commits in; the disk store needs none while the file streams.
        await using var tx = store.Transactional ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 8 * 1024 };
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).ToString() is not { Length: > 0 } name)
                    throw new BadRequestException("malformed_form", "Every part of the body needs a Content-Disposition: form-data header with a name.");
                if (name == "file")
                {
                    if (file is not null) throw new ValidationException("file", "Send one file per upload.");
                    file = await StoreAsync(section, disposition, store, limits.DocumentMaxBytes, limits.DocumentTypes, ct);
                }
                else if (TextParts.Contains(name))
                {
                    if (!fields.TryAdd(name, await ReadTextAsync(section, name, ct))) throw new ValidationException(name, "Send this field once.");
                }
                else throw new ValidationException(name.Length <= 64 ? name : name[..64], "Unknown field: an upload takes file, title, category, notes and visitId.");
            }

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
        catch (Exception e)
        {
            if (file is not null && !store.Transactional) await ForgetAsync(store, file.Key);
            if (e is BadHttpRequestException) throw;
            // A body that ends early or breaks the multipart framing.
            if (e is IOException or InvalidDataException)
                throw new BadRequestException("malformed_form", "The multipart body could not be read (cut short, or a malformed part).");
            throw;
        }
    }

    /// <summary>The boundary of a multipart/form-data body; 415 for any other body.</summary>
    static string Boundary(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            && HeaderUtilities.RemoveQuotes(type.Boundary).ToString() is { Length: > 0 and <= 70 } boundary)
            return boundary;
        throw new UnsupportedMediaTypeException("unsupported_media_type",
            "Send the document as multipart/form-data: a part named file, and title, category, notes and visitId.");
    }

    async Task<StoredFile> StoreAsync(MultipartSection section, ContentDispositionHeaderValue disposition, IDocumentStore store,
        int maxBytes, string[] allowed, CancellationToken ct)
    {
        var head = new byte[FileTypes.HeadLength];
        var n = await section.Body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (n == 0) throw new ValidationException("file", "The file is empty.");
        var (type, executable) = FileTypes.Sniff(head.AsSpan(0, n));
        if (executable || !allowed.Contains(type))
            throw new UnsupportedMediaTypeException("unsupported_file_type",
                executable ? "The file is an executable or a script: those are never accepted."
                    : $"The file's bytes are {type}, which this hospital does not accept.",
                new Dictionary<string, object?>
                {
                    ["errors"] = new Dictionary<string, string[]> { ["file"] = [$"Detected {type}; accepted: {string.Join(", ", allowed)}."] },
                    ["detectedType"] = type,
                });
        await using var content = new HashingStream(head.AsMemory(0, n), section.Body, maxBytes);
        var key = await store.PutAsync(content, ct);
        var declared = disposition.FileNameStar.HasValue ? disposition.FileNameStar : HeaderUtilities.RemoveQuotes(disposition.FileName);
        var name = FileTypes.SafeName(declared.ToString(), "document" + FileTypes.Extension(type));
        return new StoredFile(key, type, content.BytesRead, content.Sha256Hex(), name);
    }

    static async Task<string> ReadTextAsync(MultipartSection section, string name, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var n = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (n > MaxFieldBytes) throw new ValidationException(name, "Too long.");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, n);
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationException(name, "Must be UTF-8 text.");
        }
    }

    static ContentTooLargeException TooLarge(int maxBytes) => new("file_too_large",
        $"The file is larger than the {maxBytes} bytes this hospital accepts.", new Dictionary<string, object?> { ["maxBytes"] = maxBytes });

    /// <summary>Removes the bytes of an upload that did not commit (a file store has no transaction to roll back).</summary>
    static async Task ForgetAsync(IDocumentStore store, string key)
    {
        try { await store.DeleteAsync(key, CancellationToken.None); }
        catch (IOException) { /* an orphan file costs space only: no row names it */ }
    }
}
