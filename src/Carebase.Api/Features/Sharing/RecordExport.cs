using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Carebase.Api.Features.Documents;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Records;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Files;
using Carebase.Api.Platform.Pdf;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Carebase.Api.Features.Sharing;

/// <summary>A document in record.json: its metadata as its route answers it, and where its bytes are in the zip.</summary>
public sealed record ExportedDocument(DocumentResponse Document, string File);

/// <summary>
/// The whole record of one patient as a zip streamed to the response: <c>record.json</c> (the patient, then every
/// <see cref="IRecordSection"/> in order, then the documents), <c>summary.pdf</c> (the one-page summary, readable
/// without software) and <c>documents/…</c> (each file copied from its store a chunk at a time). Nothing is held whole
/// in memory: JSON goes out an item at a time, files a buffer at a time. The disclosure and the audit entry commit
/// before the first byte leaves, so an export that fails half-way is still accounted for.
/// </summary>
public sealed class RecordExport(CarebaseDb db, IEnumerable<IRecordSection> sections, DocumentStorage storage, PatientSummary summary,
    TenantClock clock, Disclosures disclosures, AuditLog audit, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time)
{
    public const string Format = "carebase.patient-record/1";

    public async Task WriteAsync(Patient patient, string purpose, string recipient, string paper, HttpContext http, CancellationToken ct)
    {
        var names = sections.Select(s => s.Name).Append("documents").ToList();
        var documents = await db.Set<Document>().AsNoTracking().Where(d => d.PatientId == patient.Id && d.DeletedAt == null)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).ToListAsync(ct);
        disclosures.Record(patient.Id, DisclosureKinds.RecordExported, recipient, purpose,
            $"Full record export (zip): demographics, {string.Join(", ", names)}, {documents.Count} document file(s) and a summary PDF");
        audit.Record("RECORD_EXPORTED", "PATIENT", patient.Id, new { purpose, recipient, sections = names, documents = documents.Count });
        await db.SaveChangesAsync(ct);

        var tenant = await db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == db.Tenant.TenantId, ct);
        var now = time.GetUtcNow();
        var today = await clock.TodayAsync(ct);
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"record-{patient.PatientCode}-{today:yyyy-MM-dd}.zip");
        http.Response.ContentType = "application/zip";
        http.Response.Headers.ContentDisposition = disposition.ToString();

        var body = new AsyncOnlyBody(http.Response.Body);
        await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
            await WriteEntriesAsync(zip, body, patient, documents, tenant.Name, purpose, recipient, paper, now, today, ct);
        await body.DrainAsync(ct);
    }

    async Task WriteEntriesAsync(ZipArchive zip, AsyncOnlyBody body, Patient patient, List<Document> documents, string hospital, string purpose,
        string recipient, string paper, DateTimeOffset now, DateOnly today, CancellationToken ct)
    {
        var files = documents.Select(d => new ExportedDocument(DocumentResponse.From(d), $"documents/{d.Id}/{SafeName(d.FileName)}")).ToList();
        await using (var entry = await zip.CreateEntry("record.json", CompressionLevel.Fastest).OpenAsync(ct))
        {
            var writer = new JsonEntry(entry, json.Value.SerializerOptions);
            writer.Json.WriteStartObject();
            writer.Json.WriteString("format", Format);
            writer.Json.WritePropertyName("exportedAt");
            writer.Value(now);
            writer.Json.WriteString("hospital", hospital);
            writer.Json.WriteString("purpose", purpose);
            writer.Json.WriteString("recipient", recipient);
            writer.Json.WritePropertyName("patient");
            writer.Value(PatientResponse.From(patient, today));
            foreach (var section in sections)
            {
                writer.Json.WriteStartArray(section.Name);
                await foreach (var item in section.ReadAsync(patient.Id, ct))
                {
                    writer.Value(item);
                    await writer.FlushAsync(ct);
                }
                writer.Json.WriteEndArray();
            }
            writer.Json.WriteStartArray("documents");
            foreach (var file in files) writer.Value(file);
            writer.Json.WriteEndArray();
            writer.Json.WriteEndObject();
            await writer.FlushAsync(ct);
        }
        await body.DrainAsync(ct);

        var pdf = SummaryPdf(await summary.ReadAsync(patient, ct), hospital, purpose, recipient, now, await clock.ZoneAsync(ct), paper);
        await using (var entry = await zip.CreateEntry("summary.pdf", CompressionLevel.Fastest).OpenAsync(ct))
            await entry.WriteAsync(pdf, ct);
        await body.DrainAsync(ct);

        foreach (var (document, file) in documents.Zip(files))
        {
            await using (var entry = await zip.CreateEntry(file.File, CompressionLevel.Fastest).OpenAsync(ct))
            await using (var content = await storage.For(document.Storage).OpenAsync(document.StorageKey, ct))
                await content.CopyToAsync(entry, 81920, ct);
            await body.DrainAsync(ct);
        }
    }

    /// <summary>A file name safe in any unzip tool: no folders, no control or reserved characters.</summary>
    static string SafeName(string name)
    {
        var clean = new string(Path.GetFileName(name).Select(c => char.IsControl(c) || "\\/:*?\"<>|".Contains(c) ? '_' : c).ToArray()).Trim('.', ' ');
        return clean.Length == 0 ? "file" : clean.Length > 120 ? clean[^120..] : clean;
    }

    /// <summary>The human-readable page of the export: the summary a clinician reads first, and what the export was for.</summary>
    static byte[] SummaryPdf(PatientSummaryResponse s, string hospital, string purpose, string recipient, DateTimeOffset now, TimeZoneInfo zone, string paper)
    {
        static string D(DateOnly? d) => d?.ToString("d MMM yyyy", CultureInfo.InvariantCulture) ?? "";
        string At(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture);
        var p = s.Patient;
        using var pdf = new PdfPageWriter($"Patient record {p.PatientCode}", paper, created: now);
        pdf.Heading(hospital, 18);
        pdf.Paragraph("Patient record summary");
        pdf.Rule();
        pdf.Field("Patient", string.Join(' ', new[] { p.FirstName, p.MiddleName, p.LastName }.Where(n => !string.IsNullOrWhiteSpace(n))));
        pdf.Field("Patient code", p.PatientCode);
        pdf.Field("Born", $"{D(p.DateOfBirth)} ({p.Age} years)");
        pdf.Field("Gender", p.Gender);
        pdf.Field("Blood type", p.BloodType);
        pdf.Field("Phone", p.Phone);
        pdf.Field("Address", string.Join(", ", new[] { p.AddressLine, p.City, p.State, p.PostalCode, p.Country }.Where(x => !string.IsNullOrWhiteSpace(x))));
        pdf.Space(6);
        pdf.Heading("Allergies", 13);
        if (s.ActiveAllergies.Count == 0) pdf.Paragraph(s.AllergyStatus == "NO_KNOWN_ALLERGIES" ? "No known allergies." : "Not recorded.");
        foreach (var a in s.ActiveAllergies) pdf.Paragraph($"• {a.Substance} ({a.Category}){(a.Severity is null ? "" : $", {a.Severity}")}{(a.Reaction is null ? "" : $": {a.Reaction}")}");
        pdf.Heading("Active conditions", 13);
        if (s.ActiveConditions.Count == 0) pdf.Paragraph("None recorded.");
        foreach (var c in s.ActiveConditions) pdf.Paragraph($"• {(c.Code is null ? "" : c.Code + " ")}{c.Text} ({c.Status}{(c.OnsetDate is null ? "" : ", since " + D(c.OnsetDate))})");
        pdf.Heading("Current medications", 13);
        if (s.CurrentMedications.Count == 0) pdf.Paragraph("None recorded.");
        foreach (var m in s.CurrentMedications) pdf.Paragraph($"• {m.Name} {m.Dose} {m.Route} {m.Frequency}".TrimEnd());
        pdf.Heading("Latest vital signs", 13);
        if (s.LatestVitals.Count == 0) pdf.Paragraph("None recorded.");
        foreach (var (name, v) in s.LatestVitals) pdf.Field(name, $"{v.Value.ToString(CultureInfo.InvariantCulture)} ({At(v.RecordedAt)})", 160);
        pdf.Heading("Immunizations due", 13);
        if (s.ImmunizationsDue.Count == 0) pdf.Paragraph("None due.");
        foreach (var i in s.ImmunizationsDue) pdf.Paragraph($"• {i.Vaccine}: due {D(i.NextDueDate)}{(i.Overdue ? " (overdue)" : "")}");
        pdf.Heading("Recent visits", 13);
        if (s.RecentVisits.Count == 0) pdf.Paragraph("None recorded.");
        foreach (var v in s.RecentVisits)
            pdf.Paragraph($"• {At(v.StartedAt)}, Dr {v.DoctorName}: {v.ChiefComplaint}{(v.Diagnoses.Count == 0 ? "" : " — " + string.Join("; ", v.Diagnoses.Select(d => d.Text)))}");
        pdf.Space(6);
        pdf.Field("Record holds", $"{s.Counts.Visits} visits, {s.Counts.Vitals} vital-sign readings, {s.Counts.Allergies} allergies, {s.Counts.Conditions} conditions, " +
            $"{s.Counts.Medications} medications, {s.Counts.Immunizations} immunizations, {s.Counts.Procedures} procedures, {s.Counts.Notes} notes, {s.Counts.Documents} documents");
        pdf.Rule();
        pdf.Small($"Exported {At(now)} for {recipient}: {purpose}. The complete record is in record.json of the same archive. Confidential medical information.");
        return pdf.ToArray();
    }

    /// <summary>
    /// The response body as the zip sees it. The zip writes asynchronously except when an entry closes (its last
    /// compressed block and data descriptor, a few bytes, go out in a synchronous Dispose) and the server refuses
    /// synchronous writes; those few bytes wait here until the export's next await sends them. Async writes pass
    /// through once 64 KiB are pending, so memory stays small whatever the size of the files.
    /// </summary>
    sealed class AsyncOnlyBody(Stream body) : Stream
    {
        const int PassThrough = 64 * 1024;
        readonly MemoryStream _pending = new();
        long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            _written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            if (_pending.Length >= PassThrough) await DrainAsync(ct);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public async Task DrainAsync(CancellationToken ct)
        {
            if (_pending.Length == 0) return;
            await body.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), ct);
            _pending.SetLength(0);
        }

        public override void Flush() { }
        public override Task FlushAsync(CancellationToken ct) => DrainAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>
    /// JSON written into a zip entry an item at a time: the writer fills a buffer, which goes to the entry asynchronously
    /// and is reused, so memory holds one item (the response body takes no synchronous writes).
    /// </summary>
    sealed class JsonEntry(Stream entry, JsonSerializerOptions options)
    {
        readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        Utf8JsonWriter? _json;
        public Utf8JsonWriter Json => _json ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = options.Encoder, Indented = true });

        public void Value(object? value) => JsonSerializer.Serialize(Json, value, value?.GetType() ?? typeof(object), options);

        public async Task FlushAsync(CancellationToken ct)
        {
            Json.Flush();
            if (_buffer.WrittenCount == 0) return;
            await entry.WriteAsync(_buffer.WrittenMemory, ct);
            _buffer.ResetWrittenCount();
        }
    }
}
