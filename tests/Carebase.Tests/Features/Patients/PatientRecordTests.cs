using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Patients;

/// <summary>Update with optimistic concurrency, soft delete and restore, export, tenant isolation.</summary>
public sealed class PatientRecordTests
{
    [Fact]
    public async Task Patch_changes_only_the_fields_sent_and_a_stale_If_Match_is_412()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        var p = await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Kofi", last: "Annan"));
        var url = $"/api/v1/patients/{p.Id()}";

        var patch = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { city = "Kumasi", occupation = (string?)null }) };
        patch.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        var ok = await client.SendAsync(patch);
        var updated = await ok.JsonAsync();
        Assert.Equal("Kumasi", updated["city"]!.GetValue<string>());
        Assert.Equal("Kofi", updated["firstName"]!.GetValue<string>());
        Assert.Equal("\"2\"", ok.Headers.ETag!.Tag);

        var stale = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { city = "Accra" }) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        await (await client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");
        Assert.Equal("Kumasi", (await (await client.GetAsync(url)).JsonAsync())["city"]!.GetValue<string>());

        await (await client.PatchAsJsonAsync(url, new { patientCode = "P-1999-000001" })).ShouldBeProblemAsync((HttpStatusCode)422);
        await (await client.PatchAsJsonAsync(url, new { dateOfBirth = "2999-01-01" })).ShouldBeProblemAsync((HttpStatusCode)422);
        await (await client.PatchAsJsonAsync(url, new { lastName = "" })).ShouldBeProblemAsync((HttpStatusCode)422);
        var audit = await app.WithDbAsync(db => db.Set<Carebase.Api.Platform.Audit.AuditEntry>()
            .Where(a => a.Action == "PATIENT_UPDATED" && a.ResourceId == p.Id().ToString()).Select(a => a.Changes).SingleAsync(), tenant);
        Assert.Contains("Kumasi", audit);
    }

    [Fact]
    public async Task Concurrent_patches_with_the_same_ETag_let_exactly_one_through()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var token = (await app.LoginAsync((await tenant.CreateUserAsync("RECEPTIONIST")).email)).AccessToken;
        using var setup = app.WithToken(token);
        var p = await PatientKit.RegisterAsync(setup, PatientKit.Person());

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = app.WithToken(token);
            var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/patients/{p.Id()}") { Content = JsonContent.Create(new { city = "City" + i }) };
            request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
            return (await client.SendAsync(request)).StatusCode;
        }));

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(9, statuses.Count(s => s == HttpStatusCode.PreconditionFailed));
    }

    [Fact]
    public async Task Soft_delete_hides_the_record_and_restore_brings_it_back()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        using var admin = await tenant.AdminAsync();
        var p = await PatientKit.RegisterAsync(desk, PatientKit.Person());
        var url = $"/api/v1/patients/{p.Id()}";

        await (await desk.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await admin.DeleteAsync(url)).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await desk.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var deleted = await (await admin.GetAsync(url)).JsonAsync();
        Assert.NotNull(deleted["deletedAt"]);
        await (await admin.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        await (await admin.PostAsync(url + "/restore", null)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await desk.GetAsync(url)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await admin.PostAsync(url + "/restore", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Another_hospitals_patient_is_404_on_every_route()
    {
        var app = await CarebaseApp.Shared();
        var mine = await app.NewTenantAsync();
        var theirs = await app.NewTenantAsync();
        using var theirDesk = await theirs.ClientAsync("RECEPTIONIST");
        var p = await PatientKit.RegisterAsync(theirDesk, PatientKit.Person());
        using var admin = await mine.AdminAsync();
        var url = $"/api/v1/patients/{p.Id()}";

        await (await admin.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PatchAsJsonAsync(url, new { city = "X" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync(url + "/restore", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var own = await PatientKit.RegisterAsync(admin, PatientKit.Person());
        await (await admin.PostAsJsonAsync($"/api/v1/patients/{own.Id()}/merge", new { duplicateId = p.Id(), reason = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"{url}/merge", new { duplicateId = own.Id(), reason = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await (await admin.GetAsync("/api/v1/patients")).JsonAsync())["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Csv_export_neutralises_formulas_and_is_audited_with_its_filter()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await PatientKit.RegisterAsync(admin, PatientKit.Person(first: "=HYPERLINK(\"http://evil\",\"x\")", last: "@SUM(A1:A9)", phone: "+44 20 7946 0000"));
        await PatientKit.RegisterAsync(admin, PatientKit.Person(first: "Normal", last: "-Minus", gender: "MALE"));

        var response = await admin.GetAsync("/api/v1/patients/export?format=csv&gender=FEMALE");
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // header + the one FEMALE patient
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", lines[1]);
        Assert.Contains(",'@SUM(A1:A9),", lines[1]);
        Assert.Contains(",'+44 20 7946 0000,", lines[1]);

        var audit = await app.WithDbAsync(db => db.Set<Carebase.Api.Platform.Audit.AuditEntry>()
            .Where(a => a.Action == "PATIENT_EXPORTED").Select(a => a.Changes).SingleAsync(), tenant);
        Assert.Contains("FEMALE", audit);
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        await (await desk.GetAsync("/api/v1/patients/export")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await admin.GetAsync("/api/v1/patients/export?format=pdf")).ShouldBeProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Xlsx_export_is_a_valid_workbook_with_neutralised_cells()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await PatientKit.RegisterAsync(admin, PatientKit.Person(first: "=1+2", last: "Sheet"));
        await PatientKit.RegisterAsync(admin, PatientKit.Person(first: "Ana", last: "Sheet"));

        var response = await admin.GetAsync("/api/v1/patients/export?format=xlsx");
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        using var doc = SpreadsheetDocument.Open(stream, false);
        var rows = doc.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<Row>().ToList();
        Assert.Equal(3, rows.Count);
        var firstNames = rows.Skip(1).Select(r => r.Elements<Cell>().ElementAt(1).InnerText).ToList();
        Assert.Contains("'=1+2", firstNames);
        Assert.Contains("Ana", firstNames);
    }
}
