using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using static Carebase.Tests.Features.Documents.DocumentsKit;

namespace Carebase.Tests.Features.Documents;

/// <summary>The folder-on-disk store, selected by configuration: the same API, the bytes in a file per upload.</summary>
public sealed class DiskDocumentStoreTests
{
    [Fact]
    public async Task Files_round_trip_through_a_folder_per_tenant_and_altered_files_are_refused()
    {
        await using var app = await CarebaseApp.CreateAsync(settings: new Dictionary<string, string?> { ["Carebase:Documents:Store"] = "disk" });
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var nurse = await tenant.ClientAsync(SystemRoles.Nurse);
        var patient = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();

        var doc = await UploadedAsync(nurse, patient, Png, "xray.png", "X-ray", "IMAGING");
        Assert.Equal("image/png", doc["contentType"]!.GetValue<string>());
        var key = await TestDatabase.ScalarAsync<string>($"""SELECT storage_key FROM "{tenant.Schema}".documents WHERE id = $1 AND storage = 'DISK'""", doc.DocId());
        var file = Path.Combine(app.DataDirectory, "documents", tenant.Schema, key[..2], key);
        Assert.Equal(Png, await File.ReadAllBytesAsync(file));
        Assert.Equal(0, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{tenant.Schema}".document_contents"""));
        Assert.Equal(1, await AuditCountAsync(tenant, "DOCUMENT_UPLOADED", doc.DocId()));

        using (var content = await nurse.GetAsync(doc["contentUrl"]!.GetValue<string>()))
        {
            await content.EnsureStatusAsync(HttpStatusCode.OK);
            Assert.Equal(Png, await content.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/png", content.Content.Headers.ContentType!.MediaType);
        }

        // A refused upload leaves no file behind.
        await (await UploadAsync(nurse, patient, Form(Pdf, title: null))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(app.DataDirectory, "documents", tenant.Schema), "*", SearchOption.AllDirectories));

        var altered = Png.ToArray();
        altered[^5] ^= 0xFF;
        await File.WriteAllBytesAsync(file, altered);
        await (await nurse.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "document_corrupted");
        File.Delete(file);
        await (await nurse.GetAsync(doc["contentUrl"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "document_corrupted");
        Assert.Equal(2, await AuditCountAsync(tenant, "DOCUMENT_CORRUPTED", doc.DocId()));
    }
}
