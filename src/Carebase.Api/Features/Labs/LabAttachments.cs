using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Files;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// Files of a lab order (a PDF report, a PNG or JPEG image), uploaded like documents (multipart, streamed, sniffed, the
/// hospital's size limit, SHA-256) into the same store, and sent back after an integrity check. Attached once the sample
/// is collected and until the order is cancelled; a portal patient downloads them once the order is verified.
/// </summary>
public sealed class LabAttachments(CarebaseDb db, Caller caller, LabDesk desk, DocumentStorage storage, AuditLog audit, TimeProvider time)
{
    public static readonly string[] Types = [FileTypes.Pdf, FileTypes.Png, FileTypes.Jpeg];

    public async Task<LabAttachment> UploadAsync(Guid orderId, HttpRequest request, CancellationToken ct)
    {
        var order = await desk.FindAsync(orderId, ct);
        if (order.Status is LabValues.Ordered or LabValues.Cancelled)
            throw new ConflictException("invalid_status", $"The order is {order.Status}: files are attached once the sample is collected.");
        var maxBytes = await db.Set<Tenant>().AsNoTracking().Where(t => t.Id == caller.Tenant).Select(t => t.DocumentMaxBytes).SingleAsync(ct);
        MultipartUpload.LimitBody(request, maxBytes);
        var store = storage.Current;
        StoredFile? file = null;
        await using var tx = store.Transactional ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await MultipartUpload.ReadAsync(request, "a part named file (PDF, PNG or JPEG)", [], 0,
                (section, disposition) => MultipartUpload.StoreAsync(section, disposition, store, maxBytes, Types, "lab-result", ct),
                stored => file = stored, ct);
            if (file is null) throw new Platform.Errors.ValidationException("file", "Attach the file (a part named file).");
            var attachment = new LabAttachment
            {
                OrderId = orderId, PatientId = order.PatientId, FileName = file.FileName, ContentType = file.ContentType, SizeBytes = file.Size,
                Sha256 = file.Sha256, Storage = store.Name, StorageKey = file.Key, CreatedAt = time.GetUtcNow(), CreatedBy = caller.UserId,
            };
            db.Add(attachment);
            audit.Record("LAB_ATTACHMENT_UPLOADED", "LAB_ORDER", orderId, new { attachmentId = attachment.Id, attachment.FileName, attachment.ContentType,
                attachment.SizeBytes, attachment.Sha256, attachment.Storage });
            await db.SaveChangesAsync(ct);
            if (tx is not null) await tx.CommitAsync(ct);
            return attachment;
        }
        catch when (file is not null && !store.Transactional)
        {
            await MultipartUpload.ForgetAsync(store, file.Key);
            throw;
        }
    }

    /// <summary>The bytes, checked against the stored SHA-256 first (409 document_corrupted when they differ), as an attachment.</summary>
    public async Task DownloadAsync(Guid orderId, Guid attachmentId, HttpContext http, CancellationToken ct)
    {
        await desk.FindAsync(orderId, ct);
        var a = await db.Set<LabAttachment>().AsNoTracking().SingleOrDefaultAsync(x => x.Id == attachmentId && x.OrderId == orderId, ct)
            ?? throw new NotFoundException("The attachment");
        var store = storage.For(a.Storage);
        if (await MultipartUpload.IntegrityProblemAsync(store, a.StorageKey, a.SizeBytes, a.Sha256, ct) is { } problem)
        {
            await audit.WriteAsync("DOCUMENT_CORRUPTED", "LAB_ORDER", orderId, new { attachmentId, problem }, outcome: AuditOutcome.Failure, ct: ct);
            throw new ConflictException("document_corrupted", "The stored bytes of this file do not match the SHA-256 recorded at upload, so they are not sent.");
        }
        await audit.WriteAsync("LAB_ATTACHMENT_DOWNLOADED", "LAB_ORDER", orderId, new { attachmentId, a.SizeBytes, a.Sha256 }, ct: ct);
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(a.FileName);
        http.Response.ContentType = a.ContentType;
        http.Response.ContentLength = a.SizeBytes;
        http.Response.Headers.ContentDisposition = disposition.ToString();
        http.Response.Headers.ETag = $"\"sha256-{a.Sha256}\"";
        await using var content = await store.OpenAsync(a.StorageKey, ct);
        await content.CopyToAsync(http.Response.Body, 81920, ct);
    }
}
