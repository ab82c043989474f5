using System.Text.Json;
using System.Text.Json.Nodes;

namespace Carebase.Tests.Infrastructure;

public static class HttpAssertions
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Asserts the status, showing the body when it differs.</summary>
    public static async Task EnsureStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected} {expected}, got {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
    }

    /// <summary>Asserts a problem+json answer with the status (and code, when given) and returns its body.</summary>
    public static async Task<JsonObject> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        await response.EnsureStatusAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        if (code is not null) Assert.Equal(code, body["code"]?.GetValue<string>());
        var text = body.ToJsonString();
        Assert.DoesNotContain("   at ", text);       // no stack trace
        Assert.DoesNotContain("Npgsql", text);        // no driver internals
        Assert.DoesNotContain("SELECT ", text);       // no SQL
        return body;
    }

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK) =>
        await response.JsonAsync<JsonObject>(status);

    public static async Task<T> JsonAsync<T>(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK) where T : JsonNode
    {
        await response.EnsureStatusAsync(status);
        return (T)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The items of a list answer (<c>{ items, page, pageSize, total }</c>).</summary>
    public static async Task<JsonArray> ItemsAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK) =>
        (await response.JsonAsync(status))["items"]!.AsArray();

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        await response.EnsureStatusAsync(status);
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }
}
