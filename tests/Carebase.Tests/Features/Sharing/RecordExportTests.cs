using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Carebase.Tests.Features.Documents;
using Carebase.Tests.Features.Queue;
using UglyToad.PdfPig;

namespace Carebase.Tests.Features.Sharing;

/// <summary>The full-record export: a zip whose JSON, files and PDF match the record, accounted for as a disclosure.</summary>
public sealed class RecordExportTests(SharingKit kit) : IClassFixture<SharingKit>
{
    static string Url(Guid patient, string purpose = "Transfer of care", string recipient = "Sunrise Hospital") =>
        $"/api/v1/patients/{patient}/export?purpose={Uri.EscapeDataString(purpose)}&recipient={Uri.EscapeDataString(recipient)}";

    [Fact]
    public async Task The_zip_holds_the_whole_record_as_json_the_documents_files_and_a_readable_summary()
    {
        var patient = await kit.PatientAsync(first: "Ottilie");
        async Task<JsonObject> Post(HttpClient client, string url, object body) =>
            await (await client.PostAsJsonAsync(url, body)).JsonAsync(HttpStatusCode.Created);
        var allergy = await Post(kit.Doctor, $"/api/v1/patients/{patient}/allergies", new { substance = "Penicillin", category = "DRUG", severity = "SEVERE" });
        var condition = await Post(kit.Doctor, $"/api/v1/patients/{patient}/conditions", new { text = "Type 2 diabetes", code = "E11", status = "ACTIVE" });
        var visit = await Post(kit.Doctor, "/api/v1/visits", new { patientId = patient, chiefComplaint = "Fatigue" });
        var draft = await Post(kit.Doctor, "/api/v1/prescriptions", new
        {
            visitId = visit.Str("id"), items = new[] { new { medicine = "Metformin 500 mg", doseAmount = 1, doseUnit = "tablet", frequency = "BID", route = "oral", durationDays = 30 } },
        });
        var issued = await (await kit.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{draft.Str("id")}/issue", new { })).JsonAsync();
        var document = await DocumentsKit.UploadedAsync(kit.Doctor, patient, DocumentsKit.Pdf, "hba1c march.pdf");
        var invoice = await Post(kit.Desk, "/api/v1/invoices", new { patientId = patient, lines = new[] { new { kind = "OTHER", description = "Dressing", quantity = 1, unitPrice = 12.5m } } });

        var response = await kit.Admin.GetAsync(Url(patient));
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(".zip", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);

        JsonObject record;
        await using (var json = await zip.GetEntry("record.json")!.OpenAsync())
            record = (await JsonNode.ParseAsync(json))!.AsObject();
        Assert.Equal("carebase.patient-record/1", record.Str("format"));
        Assert.Equal(("Transfer of care", "Sunrise Hospital"), (record.Str("purpose"), record.Str("recipient")));
        Assert.Equal((patient.ToString(), "Ottilie"), (record["patient"]!.Str("id"), record["patient"]!.Str("firstName")));
        string Only(string section) => Assert.Single(record[section]!.AsArray())!.Str("id");
        Assert.Equal(allergy.Str("id"), Only("allergies"));
        Assert.Equal("Penicillin", record["allergies"]![0]!.Str("substance"));
        Assert.Equal(condition.Str("id"), Only("conditions"));
        Assert.Equal(visit.Str("id"), Only("visits"));
        Assert.Equal("Fatigue", record["visits"]![0]!.Str("chiefComplaint"));
        Assert.Equal(issued.Str("id"), Only("prescriptions"));
        Assert.Equal(issued.Str("code"), record["prescriptions"]![0]!.Str("code"));
        Assert.Equal(invoice.Str("id"), Only("invoices"));
        foreach (var empty in new[] { "medications", "immunizations", "procedures", "clinicalNotes", "vitals", "dispensings", "labOrders", "amendments" })
            Assert.Empty(record[empty]!.AsArray());

        var exported = Assert.Single(record["documents"]!.AsArray())!;
        Assert.Equal(document.Str("id"), exported["document"]!.Str("id"));
        var file = exported.Str("file");
        Assert.StartsWith($"documents/{document.Str("id")}/", file);
        Assert.EndsWith("/hba1c march.pdf", file);
        await using (var bytes = await zip.GetEntry(file)!.OpenAsync())
        {
            var copy = new MemoryStream();
            await bytes.CopyToAsync(copy);
            Assert.Equal(DocumentsKit.Sha256(DocumentsKit.Pdf), Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())));
        }

        var pdfBytes = new MemoryStream();
        await using (var entry = await zip.GetEntry("summary.pdf")!.OpenAsync()) await entry.CopyToAsync(pdfBytes);
        using var pdf = PdfDocument.Open(pdfBytes.ToArray());
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        foreach (var expected in new[] { "Ottilie", record["patient"]!.Str("patientCode"), "Penicillin", "diabetes", "Sunrise", "Transfer" })
            Assert.Contains(expected, text);

        var disclosure = Assert.Single(await kit.DisclosuresAsync(patient))!;
        Assert.Equal(("RECORD_EXPORTED", "Sunrise Hospital", "Transfer of care"), (disclosure.Str("kind"), disclosure.Str("recipient"), disclosure.Str("purpose")));
        Assert.Contains("1 document file", disclosure.Str("description"));
        Assert.Equal(kit.Tenant.AdminId.ToString(), disclosure.Str("disclosedBy"));
        Assert.Equal(1L, await kit.AuditCountAsync("RECORD_EXPORTED", patient.ToString()));
    }

    [Fact]
    public async Task The_purpose_and_recipient_are_required_and_only_permitted_staff_of_the_hospital_export()
    {
        var patient = await kit.PatientAsync();
        var problem = await (await kit.Admin.GetAsync($"/api/v1/patients/{patient}/export")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.True(problem["errors"]!.AsObject().ContainsKey("purpose"));
        Assert.True(problem["errors"]!.AsObject().ContainsKey("recipient"));
        await (await kit.Admin.GetAsync(Url(patient) + "&paper=a3")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.GetAsync(Url(patient, purpose: "  "))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Doctor.GetAsync(Url(patient))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Nurse.GetAsync(Url(patient))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var other = await (await kit.App.NewTenantAsync()).AdminAsync();
        await (await other.GetAsync(Url(patient))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var portal = await kit.PortalAsync(patient);
        await (await portal.GetAsync(Url(patient))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        await (await kit.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Admin.GetAsync(Url(patient))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        // Nothing left the hospital, so nothing was recorded.
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{kit.Tenant.Schema}".disclosures WHERE patient_id = $1""", patient));
    }
}
