using System.Net.Http.Headers;
using System.Text;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using static Carebase.Tests.Features.Documents.DocumentsKit;

namespace Carebase.Tests.Features.Documents;

/// <summary>Medical documents through the real pipeline, with the default (PostgreSQL) store.</summary>
public sealed class DocumentsTests
{
    /// <summary>A hospital with its admin, a nurse (history:read/write, no patients:delete) and one patient.</summary>
    sealed record Clinic(CarebaseApp App, TestTenant Tenant, HttpClient Admin, HttpClient Nurse, Guid Patient)
    {
        public static async Task<Clinic> CreateAsync()
        {
            var app = await CarebaseApp.Shared();
            var tenant = await app.NewTenantAsync();
            var admin = await tenant.AdminAsync();
            var patient = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
            return new Clinic(app, tenant, admin, await tenant.ClientAsync(SystemRoles.Nurse), patient);
        }

        public string Documents => $"/api/v1/patients/{Patient}/documents";
    }

    [Fact]
    public async Task Upload_list_read_and_download_round_trip_with_the_sniffed_type_and_a_safe_file_name()
    {
        var c = await Clinic.CreateAsync();
        // Declared as something else: the bytes decide.
        var response = await UploadAsync(c.Nurse, c.Patient, Form(Pdf, "résumé report?.pdf", "application/octet-stream",
            title: "Full blood count", notes: "Fasting sample.\nRepeat in 3 months."));
        var created = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"{c.Documents}/{created.DocId()}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.Tag);
        Assert.Equal("application/pdf", created["contentType"]!.GetValue<string>());
        Assert.Equal(Pdf.Length, created["sizeBytes"]!.GetValue<long>());
        Assert.Equal(Sha256(Pdf), created["sha256"]!.GetValue<string>());
        Assert.Equal("résumé report_.pdf", created["fileName"]!.GetValue<string>());
        Assert.Equal("LAB_REPORT", created["category"]!.GetValue<string>());
        Assert.Equal("Fasting sample.\nRepeat in 3 months.", created["notes"]!.GetValue<string>());

        var png = await (await UploadAsync(c.Nurse, c.Patient, Form(Png, "scan.pdf", "application/pdf", title: "Scan", category: "IMAGING")))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal("image/png", png["contentType"]!.GetValue<string>());

        var list = await (await c.Nurse.GetAsync(c.Documents)).JsonAsync();
        Assert.Equal(2, list["total"]!.GetValue<long>());
        Assert.Equal(png.DocId(), list["items"]![0]!.AsObject().DocId()); // newest first
        Assert.Equal(1, (await (await c.Nurse.GetAsync($"{c.Documents}?category=IMAGING")).JsonAsync())["total"]!.GetValue<long>());

        var read = await c.Nurse.GetAsync($"{c.Documents}/{created.DocId()}");
        Assert.Equal("Full blood count", (await read.JsonAsync())["title"]!.GetValue<string>());

        using var content = await c.Nurse.GetAsync(created["contentUrl"]!.GetValue<string>());
        await content.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal(Pdf, await content.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", content.Content.Headers.ContentType!.MediaType);
        var disposition = content.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("résumé report_.pdf", disposition.FileNameStar);
        Assert.Contains("filename*=UTF-8''r%C3%A9sum%C3%A9%20report_.pdf", content.Content.Headers.GetValues("Content-Disposition").Single());

        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_UPLOADED", created.DocId()));
        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_READ", created.DocId()));
        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_DOWNLOADED", created.DocId()));
        Assert.Equal(2, await AuditCountAsync(c.Tenant, "DOCUMENT_LISTED", c.Patient));
    }

    [Fact]
    public async Task Describing_a_document_takes_if_match_and_leaves_the_file_alone()
    {
        var c = await Clinic.CreateAsync();
        var doc = await UploadedAsync(c.Nurse, c.Patient, Pdf);
        var url = $"{c.Documents}/{doc.DocId()}";

        using var stale = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { title = "Old" }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\""));
        await (await c.Nurse.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");

        using var fresh = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { title = "CBC, March", category = "OTHER", notes = (string?)null }) };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var response = await c.Nurse.SendAsync(fresh);
        var changed = await response.JsonAsync();
        Assert.Equal("\"2\"", response.Headers.ETag!.Tag);
        Assert.Equal(("CBC, March", "OTHER"), (changed["title"]!.GetValue<string>(), changed["category"]!.GetValue<string>()));
        Assert.Equal(Sha256(Pdf), changed["sha256"]!.GetValue<string>());
        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_UPDATED", doc.DocId()));

        await (await c.Nurse.PatchAsJsonAsync(url, new { title = (string?)null })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await c.Nurse.PatchAsJsonAsync(url, new { category = "SELFIE" })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("windows executable", new byte[] { (byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0, 4, 0 })]
    [InlineData("linux executable", new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 })]
    [InlineData("shell script", new byte[] { (byte)'#', (byte)'!', (byte)'/', (byte)'b', (byte)'i', (byte)'n', (byte)'/', (byte)'s', (byte)'h', (byte)'\n', (byte)'r', (byte)'m' })]
    [InlineData("html page", new byte[] { (byte)'<', (byte)'h', (byte)'t', (byte)'m', (byte)'l', (byte)'>', (byte)'<', (byte)'s', (byte)'c', (byte)'r' })]
    public async Task A_renamed_executable_or_script_is_refused_and_nothing_is_stored(string what, byte[] bytes)
    {
        var c = await Clinic.CreateAsync();
        var problem = await (await UploadAsync(c.Nurse, c.Patient, Form(bytes, "lab-report.pdf", "application/pdf")))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_file_type");
        Assert.True(problem["errors"]?["file"] is not null, what);
        Assert.Equal(0, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{c.Tenant.Schema}".documents"""));
        Assert.Equal(0, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{c.Tenant.Schema}".document_contents"""));
    }

    [Fact]
    public async Task Bad_uploads_are_refused_with_the_field_named()
    {
        var c = await Clinic.CreateAsync();
        await (await c.Nurse.PostAsJsonAsync(c.Documents, new { title = "x" })).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Field(Form(Pdf, title: null), "title");
        await Field(Form(Pdf, category: "SELFIE"), "category");
        await Field(Form(Pdf, title: "Two\nlines"), "title");
        await Field(Form(Pdf, visitId: "not-a-uuid"), "visitId");
        await Field(Form([], "empty.pdf"), "file");
        var noFile = new MultipartFormDataContent { { new StringContent("Report"), "title" }, { new StringContent("OTHER"), "category" } };
        await Field(noFile, "file");
        var extra = Form(Pdf);
        extra.Add(new StringContent("1"), "isAdmin");
        await Field(extra, "isAdmin");
        // A zip (an office file, say) is not a type a hospital can allow.
        await (await UploadAsync(c.Nurse, c.Patient, Form([(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0], "notes.docx"))).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_file_type");
        await (await UploadAsync(c.Nurse, Guid.NewGuid(), Form(Pdf))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{c.Tenant.Schema}".document_contents"""));

        async Task Field(HttpContent form, string field)
        {
            var problem = await (await UploadAsync(c.Nurse, c.Patient, form)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.True(problem["errors"]?[field] is not null, $"{field}: {problem}");
        }
    }

    [Fact]
    public async Task The_hospitals_size_limit_and_types_apply_and_are_settings()
    {
        var c = await Clinic.CreateAsync();
        var settings = await (await c.Admin.GetAsync("/api/v1/tenant")).JsonAsync();
        Assert.Equal(20 * 1024 * 1024, settings["documentMaxBytes"]!.GetValue<int>());
        Assert.Contains("application/pdf", settings["documentTypes"]!.AsArray().Select(t => t!.GetValue<string>()));

        await (await c.Admin.PatchAsJsonAsync("/api/v1/tenant", new { documentMaxBytes = 2048, documentTypes = new[] { "application/pdf" } }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        var big = Encoding.ASCII.GetBytes("%PDF-1.4\n" + new string('x', 3000));
        var problem = await (await UploadAsync(c.Nurse, c.Patient, Form(big))).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        Assert.Equal(2048, problem["maxBytes"]!.GetValue<int>());
        // Without a Content-Length (chunked), the limit holds while the file streams in.
        var chunked = Form(big);
        chunked.Headers.ContentLength = null;
        using (var request = new HttpRequestMessage(HttpMethod.Post, c.Documents) { Content = new StreamContent(await chunked.ReadAsStreamAsync()) })
        {
            request.Content.Headers.ContentType = chunked.Headers.ContentType;
            request.Headers.TransferEncodingChunked = true;
            await (await c.Nurse.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        }
        await (await UploadAsync(c.Nurse, c.Patient, Form(Png, "scan.png", "image/png"))).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_file_type");
        await UploadedAsync(c.Nurse, c.Patient, big[..2048]);

        await (await c.Admin.PatchAsJsonAsync("/api/v1/tenant", new { documentMaxBytes = 10 })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await c.Admin.PatchAsJsonAsync("/api/v1/tenant", new { documentTypes = new[] { "application/x-msdownload" } })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await c.Admin.PatchAsJsonAsync("/api/v1/tenant", new { documentTypes = Array.Empty<string>() })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_file_at_the_default_limit_passes_the_request_size_limits()
    {
        var c = await Clinic.CreateAsync();
        var bytes = new byte[20 * 1024 * 1024];
        Encoding.ASCII.GetBytes("%PDF-1.4\n").CopyTo(bytes, 0);
        var doc = await UploadedAsync(c.Nurse, c.Patient, bytes, "big.pdf");
        Assert.Equal(bytes.Length, doc["sizeBytes"]!.GetValue<long>());
        using var content = await c.Nurse.GetAsync(doc["contentUrl"]!.GetValue<string>(), HttpCompletionOption.ResponseHeadersRead);
        await content.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal(Sha256(bytes), Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(await content.Content.ReadAsStreamAsync())));
        await (await UploadAsync(c.Nurse, c.Patient, Form([.. bytes, .. "more"u8.ToArray()], "big.pdf"))).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Altered_bytes_are_not_sent_but_answered_document_corrupted_and_audited()
    {
        var c = await Clinic.CreateAsync();
        var doc = await UploadedAsync(c.Nurse, c.Patient, Pdf);
        var key = await TestDatabase.ScalarAsync<string>($"""SELECT storage_key FROM "{c.Tenant.Schema}".documents WHERE id = $1""", doc.DocId());
        Assert.Equal(1, await TestDatabase.ExecuteAsync(
            $"""UPDATE "{c.Tenant.Schema}".document_contents SET data = overlay(data PLACING '\x41'::bytea FROM 20 FOR 1) WHERE content_id = $1""",
            Guid.Parse(key)));

        var problem = await (await c.Nurse.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "document_corrupted");
        Assert.DoesNotContain("%PDF", problem.ToJsonString());
        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_CORRUPTED", doc.DocId()));
        Assert.Equal("FAILURE", await TestDatabase.ScalarAsync<string>(
            $"""SELECT outcome FROM "{c.Tenant.Schema}".audit_log WHERE action = 'DOCUMENT_CORRUPTED' AND resource_id = $1""", doc.DocId().ToString()));
        Assert.Equal(0, await AuditCountAsync(c.Tenant, "DOCUMENT_DOWNLOADED", doc.DocId()));

        // Missing bytes are the same incident.
        await TestDatabase.ExecuteAsync($"""DELETE FROM "{c.Tenant.Schema}".document_contents WHERE content_id = $1""", Guid.Parse(key));
        await (await c.Nurse.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "document_corrupted");
    }

    [Fact]
    public async Task Deleting_is_soft_keeps_who_and_when_and_deleted_documents_need_patients_delete()
    {
        var c = await Clinic.CreateAsync();
        var kept = await UploadedAsync(c.Nurse, c.Patient, Pdf, title: "Kept");
        var gone = await UploadedAsync(c.Nurse, c.Patient, Png, "xray.png", "X-ray", "IMAGING");
        var url = $"{c.Documents}/{gone.DocId()}";
        using (var stale = new HttpRequestMessage(HttpMethod.Delete, url))
        {
            stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"5\""));
            await (await c.Nurse.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        }
        await (await c.Nurse.DeleteAsync(url)).EnsureStatusAsync(HttpStatusCode.NoContent);

        var list = await (await c.Nurse.GetAsync(c.Documents)).JsonAsync();
        Assert.Equal([kept.DocId()], list["items"]!.AsArray().Select(i => i!.AsObject().DocId()));
        await (await c.Nurse.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await c.Nurse.GetAsync($"{url}/content")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await c.Nurse.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await c.Nurse.GetAsync($"{c.Documents}?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        var all = await (await c.Admin.GetAsync($"{c.Documents}?includeDeleted=true")).JsonAsync();
        Assert.Equal(2, all["total"]!.GetValue<long>());
        var deleted = await (await c.Admin.GetAsync(url)).JsonAsync();
        Assert.NotNull(deleted["deletedAt"]);
        var nurseId = await TestDatabase.ScalarAsync<Guid>($"""SELECT created_by FROM "{c.Tenant.Schema}".documents WHERE id = $1""", gone.DocId());
        Assert.Equal(nurseId, deleted["deletedBy"]!.GetValue<Guid>());
        await (await c.Admin.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_deleted");
        await (await c.Admin.PatchAsJsonAsync(url, new { title = "Back" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "deleted");
        Assert.Equal(1, await AuditCountAsync(c.Tenant, "DOCUMENT_DELETED", gone.DocId()));
    }

    [Fact]
    public async Task A_portal_patient_reads_their_own_documents_and_cannot_write()
    {
        var c = await Clinic.CreateAsync();
        var me = await (await c.Admin.GetAsync($"/api/v1/patients/{c.Patient}")).JsonAsync();
        var other = (await PatientKit.RegisterAsync(c.Admin, PatientKit.Person())).Id();
        var doc = await UploadedAsync(c.Nurse, c.Patient, Pdf);
        var otherDoc = await UploadedAsync(c.Nurse, other, Pdf);
        var email = me["email"]!.GetValue<string>();
        using var patient = await PatientKit.PortalClientAsync(c.App, c.Admin, c.Patient, email);

        Assert.Equal(1, (await (await patient.GetAsync(c.Documents)).JsonAsync())["total"]!.GetValue<long>());
        using (var content = await patient.GetAsync(doc["contentUrl"]!.GetValue<string>()))
            Assert.Equal(Pdf, await content.Content.ReadAsByteArrayAsync());
        await (await patient.GetAsync($"/api/v1/patients/{other}/documents")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await patient.GetAsync(otherDoc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await UploadAsync(patient, c.Patient, Form(Pdf))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.PatchAsJsonAsync($"{c.Documents}/{doc.DocId()}", new { title = "Mine" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.DeleteAsync($"{c.Documents}/{doc.DocId()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.GetAsync($"{c.Documents}?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Another_hospitals_documents_are_404()
    {
        var c = await Clinic.CreateAsync();
        var doc = await UploadedAsync(c.Nurse, c.Patient, Pdf);
        var elsewhere = await (await c.App.NewTenantAsync()).AdminAsync();
        await (await elsewhere.GetAsync(c.Documents)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.GetAsync($"{c.Documents}/{doc.DocId()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await UploadAsync(elsewhere, c.Patient, Form(Pdf))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.DeleteAsync($"{c.Documents}/{doc.DocId()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A document id under another patient of the same hospital is not found either.
        var other = (await PatientKit.RegisterAsync(c.Admin, PatientKit.Person())).Id();
        await (await c.Nurse.GetAsync($"/api/v1/patients/{other}/documents/{doc.DocId()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_confidential_patients_documents_need_the_care_team_or_break_glass()
    {
        var c = await Clinic.CreateAsync();
        var doc = await UploadedAsync(c.Nurse, c.Patient, Pdf);
        await (await c.Admin.PatchAsJsonAsync($"/api/v1/patients/{c.Patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await c.Nurse.GetAsync(c.Documents)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await c.Nurse.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await UploadAsync(c.Nurse, c.Patient, Form(Pdf))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");

        await (await c.Nurse.PostAsJsonAsync($"/api/v1/patients/{c.Patient}/break-glass", new { reason = "Collapsed in the waiting room, need the ECG" }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        using var content = await c.Nurse.GetAsync(doc["contentUrl"]!.GetValue<string>());
        Assert.Equal(Pdf, await content.Content.ReadAsByteArrayAsync());
        Assert.Contains("breakGlassGrantId", await TestDatabase.ScalarAsync<string>(
            $"""SELECT changes::text FROM "{c.Tenant.Schema}".audit_log WHERE action = 'DOCUMENT_DOWNLOADED' AND resource_id = $1""", doc.DocId().ToString()));
    }

    [Fact]
    public async Task Merging_a_duplicate_moves_its_documents()
    {
        var c = await Clinic.CreateAsync();
        var duplicate = (await PatientKit.RegisterAsync(c.Admin, PatientKit.Person())).Id();
        var doc = await UploadedAsync(c.Nurse, duplicate, Pdf);
        await (await c.Admin.PostAsJsonAsync($"/api/v1/patients/{c.Patient}/merge", new { duplicateId = duplicate, reason = "Same person registered twice" }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        var moved = await (await c.Nurse.GetAsync(c.Documents)).JsonAsync();
        Assert.Equal([doc.DocId()], moved["items"]!.AsArray().Select(i => i!.AsObject().DocId()));
    }
}
