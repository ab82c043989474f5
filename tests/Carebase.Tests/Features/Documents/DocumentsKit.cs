using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Documents;

namespace Carebase.Tests.Features.Documents;

/// <summary>Uploads and the files they carry.</summary>
public static class DocumentsKit
{
    public static readonly byte[] Pdf = DocumentsDemo.Pdf(["Test report", "Haemoglobin 14.1 g/dL"]);
    public static readonly byte[] Png = DocumentsDemo.Png(16, 16, 1);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A multipart upload: the file as <paramref name="fileName"/> declared as <paramref name="declaredType"/>, and the text parts given.</summary>
    public static MultipartFormDataContent Form(byte[] bytes, string fileName = "report.pdf", string declaredType = "application/pdf",
        string? title = "Blood test", string? category = "LAB_REPORT", string? notes = null, string? visitId = null)
    {
        var form = new MultipartFormDataContent();
        if (title is not null) form.Add(new StringContent(title, Encoding.UTF8), "title");
        if (category is not null) form.Add(new StringContent(category), "category");
        if (notes is not null) form.Add(new StringContent(notes, Encoding.UTF8), "notes");
        if (visitId is not null) form.Add(new StringContent(visitId), "visitId");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(declaredType);
        form.Add(file, "file", fileName);
        return form;
    }

    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, Guid patient, HttpContent form) =>
        client.PostAsync($"/api/v1/patients/{patient}/documents", form);

    public static async Task<JsonObject> UploadedAsync(HttpClient client, Guid patient, byte[] bytes, string fileName = "report.pdf",
        string title = "Blood test", string category = "LAB_REPORT") =>
        await (await UploadAsync(client, patient, Form(bytes, fileName, title: title, category: category))).JsonAsync(HttpStatusCode.Created);

    public static Guid DocId(this JsonObject o) => Guid.Parse(o["id"]!.GetValue<string>());

    public static Task<long> AuditCountAsync(TestTenant tenant, string action, Guid resource) =>
        TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{tenant.Schema}".audit_log WHERE action = $1 AND resource_id = $2""",
            action, resource.ToString());
}
