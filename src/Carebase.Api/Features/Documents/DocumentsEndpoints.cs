using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Files;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Documents;

/// <summary>
/// A patient's medical documents: upload (multipart, streamed), list, metadata, download (checked against the stored
/// SHA-256 first), describe, soft-delete. Under the patient gate: other hospitals' and invisible patients are 404,
/// confidential ones 403 break_glass_required outside the care team.
/// </summary>
public static class DocumentsEndpoints
{
    public static IServiceCollection AddDocuments(this IServiceCollection services) =>
        TimelineSources.Add<DocumentsTimeline>(DocumentStorage.AddDocumentStorage(services).AddScoped<DocumentUpload>());

    public static RouteGroupBuilder MapDocuments(this RouteGroupBuilder api)
    {
        var g = PatientAccess.MapPatientRoutes(api, "Documents").AddEndpointFilter<ValidationFilter>();
        // The body is read by the handler as a stream: no form binding (so no antiforgery, which a bearer-token API does not
        // need) and no Accepts metadata (routing would answer 415 before authentication); the document shows the body.
        g.MapPost("/documents", Upload).RequirePermission(HistoryWrite)
            .AddOpenApiOperationTransformer(UploadDocumentForm.DescribeAsync)
            .WithMetadata(new RequestSizeLimitAttribute(DocumentUpload.MaxBody))
            .ProducesProblem(400).ProducesProblem(413).ProducesProblem(415)
            .WithSummary("Upload a document (multipart/form-data: file, title, category, notes, visitId); its type is sniffed from the bytes, its size and SHA-256 kept");
        g.MapGet("/documents", List).RequirePermission(HistoryRead)
            .WithSummary("The patient's documents, newest first (filters: category, visitId; includeDeleted needs patients:delete)");
        g.MapGet("/documents/{docId:guid}", Get).RequirePermission(HistoryRead).WithSummary("A document's metadata (ETag for optimistic concurrency)");
        g.MapGet("/documents/{docId:guid}/content", Download).RequirePermission(HistoryRead).ProducesProblem(409)
            .Produces(200, contentType: "application/octet-stream", additionalContentTypes: FileTypes.Storable)
            .WithSummary("The document's bytes, as an attachment with its sniffed content type; checked against the stored SHA-256 first (409 document_corrupted when they differ)");
        g.MapPatch("/documents/{docId:guid}", Update).RequirePermission(HistoryWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a document's title, category or notes (If-Match → 412 when stale); the file itself never changes");
        g.MapDelete("/documents/{docId:guid}", Delete).RequirePermission(HistoryWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Soft-delete a document (kept with who and when; listed again with includeDeleted)");
        return api;
    }

    static async Task<Created<DocumentResponse>> Upload(Guid id, HttpRequest request, DocumentUpload upload, HttpContext http, CancellationToken ct)
    {
        var document = await upload.UploadAsync(id, request, ct);
        ETags.Send(http, document.Version);
        return TypedResults.Created($"/api/v1/patients/{id}/documents/{document.Id}", DocumentResponse.From(document));
    }

    static async Task<Ok<Paged<DocumentResponse>>> List(Guid id, [AsParameters] DocumentQuery query, CarebaseDb db, Caller caller, AuditLog audit,
        CancellationToken ct)
    {
        var includeDeleted = query.IncludeDeleted == true;
        if (includeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted documents needs the permission '{PatientsDelete}'.");
        var documents = db.Set<Document>().AsNoTracking().Where(d => d.PatientId == id);
        if (!includeDeleted) documents = documents.Where(d => d.DeletedAt == null);
        if (query.Category is { } category) documents = documents.Where(d => d.Category == category);
        if (query.VisitId is { } visit) documents = documents.Where(d => d.VisitId == visit);
        var page = await documents.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).ToPagedAsync(query, DocumentResponse.From, ct);
        await audit.WriteAsync("DOCUMENT_LISTED", "PATIENT", id, new { filter = query, returned = page.Items.Select(d => d.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Ok<DocumentResponse>> Get(Guid id, Guid docId, CarebaseDb db, Caller caller, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var document = await FindAsync(db, caller, id, docId, track: false, ct);
        await audit.WriteAsync("DOCUMENT_READ", "DOCUMENT", docId, new { patientId = id }, ct: ct);
        ETags.Send(http, document.Version);
        return TypedResults.Ok(DocumentResponse.From(document));
    }

    /// <summary>
    /// Two passes over the stored bytes: the first hashes them (nothing sent yet, so a mismatch can still be a clear 409
    /// problem, audited), the second streams them. Memory stays at a chunk whatever the file's size.
    /// </summary>
    static async Task<EmptyHttpResult> Download(Guid id, Guid docId, CarebaseDb db, Caller caller, DocumentStorage storage, AuditLog audit,
        ILogger<Document> log, HttpContext http, CancellationToken ct)
    {
        var document = await FindAsync(db, caller, id, docId, track: false, ct);
        var store = storage.For(document.Storage);
        var problem = await MultipartUpload.IntegrityProblemAsync(store, document.StorageKey, document.SizeBytes, document.Sha256, ct);
        if (problem is not null)
        {
            log.LogError("Document {DocumentId} failed its integrity check: {Problem}", document.Id, problem);
            await audit.WriteAsync("DOCUMENT_CORRUPTED", "DOCUMENT", docId, new { patientId = id, problem, expectedSha256 = document.Sha256 },
                outcome: AuditOutcome.Failure, ct: ct);
            throw new ConflictException("document_corrupted",
                "The stored bytes of this document do not match the SHA-256 recorded at upload, so they are not sent. The incident is audited; restore the file from a backup or upload it again.");
        }
        await audit.WriteAsync("DOCUMENT_DOWNLOADED", "DOCUMENT", docId, new { patientId = id, document.SizeBytes, document.Sha256 }, ct: ct);

        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(document.FileName);
        http.Response.ContentType = document.ContentType;
        http.Response.ContentLength = document.SizeBytes;
        http.Response.Headers.ContentDisposition = disposition.ToString();
        http.Response.Headers.ETag = $"\"sha256-{document.Sha256}\"";
        await using var content = await store.OpenAsync(document.StorageKey, ct);
        await content.CopyToAsync(http.Response.Body, 81920, ct);
        return TypedResults.Empty;
    }

    static async Task<Ok<DocumentResponse>> Update(Guid id, Guid docId, UpdateDocumentRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var document = await FindAsync(db, caller, id, docId, track: true, ct);
        ETags.Check(http, document.Version);
        document.EnsureNotDeleted();
        if (request.Has(nameof(request.Title))) document.Title = request.Title!.Trim();
        if (request.Has(nameof(request.Category))) document.Category = request.Category!;
        if (request.Has(nameof(request.Notes))) document.Notes = Input.Clean(request.Notes);
        var changes = AuditLog.ChangesOf(db.Entry(document));
        if (changes.Count > 0)
        {
            document.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("DOCUMENT_UPDATED", "DOCUMENT", docId, changes);
            await db.SaveChangesAsync(ct);
        }
        ETags.Send(http, document.Version);
        return TypedResults.Ok(DocumentResponse.From(document));
    }

    static async Task<NoContent> Delete(Guid id, Guid docId, CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var document = await FindAsync(db, caller, id, docId, track: true, ct);
        ETags.Check(http, document.Version);
        document.SoftDelete(caller.UserId, time.GetUtcNow());
        audit.Record("DOCUMENT_DELETED", "DOCUMENT", docId, new { patientId = id, document.Title, document.FileName });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>The patient's document (the gate already checked the patient); a deleted one only for holders of patients:delete.</summary>
    static async Task<Document> FindAsync(CarebaseDb db, Caller caller, Guid patientId, Guid docId, bool track, CancellationToken ct)
    {
        var documents = track ? db.Set<Document>() : db.Set<Document>().AsNoTracking();
        var document = await documents.SingleOrDefaultAsync(d => d.Id == docId && d.PatientId == patientId, ct);
        if (document is null || (document.IsDeleted && !caller.Has(PatientsDelete))) throw new NotFoundException("The document");
        return document;
    }
}
