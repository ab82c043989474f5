using System.Text.Json.Nodes;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>Requests of the pharmacy tests: catalog items, received batches, adjustments.</summary>
static class PharmacyKit
{
    public static readonly DateOnly Today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    public static object Medicine(string? name = null, int reorderLevel = 0, string salePrice = "1.50") => new
    {
        kind = "MEDICINE", name = name ?? Unique("Amoxicillin 500 mg capsule"), genericName = "Amoxicillin", brandName = "Amoxil", form = "capsule",
        strength = "500 mg", route = "oral", activeIngredients = new[] { "Amoxicillin" }, drugClass = "Penicillin", unit = "capsule",
        reorderLevel, salePrice = decimal.Parse(salePrice, System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string Unique(string name) => $"{name} {Guid.NewGuid():N}"[..(name.Length + 9)];

    public static async Task<JsonObject> CreateItemAsync(HttpClient client, object? body = null) =>
        await (await client.PostAsJsonAsync("/api/v1/stock-items", body ?? Medicine())).JsonAsync(HttpStatusCode.Created);

    public static object Batch(string? number = null, int quantity = 100, DateOnly? expiry = null, decimal unitCost = 0.25m) => new
    {
        batchNumber = number ?? Unique("B"), expiryDate = (expiry ?? Today.AddDays(365)).ToString("yyyy-MM-dd"), quantity, unitCost,
        supplier = "MedSupply Ltd",
    };

    public static Task<HttpResponseMessage> PostBatchAsync(HttpClient client, Guid itemId, object? body = null) =>
        client.PostAsJsonAsync($"/api/v1/stock-items/{itemId}/batches", body ?? Batch());

    public static async Task<JsonObject> ReceiveAsync(HttpClient client, Guid itemId, object? body = null) =>
        await (await PostBatchAsync(client, itemId, body)).JsonAsync(HttpStatusCode.Created);

    public static Task<HttpResponseMessage> AdjustAsync(HttpClient client, Guid batchId, int quantity, string reason = "Stock count") =>
        client.PostAsJsonAsync($"/api/v1/batches/{batchId}/adjustments", new { quantity, reason });

    public static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    public static Guid Id(this JsonNode node) => node["id"]!.GetValue<Guid>();

    public static T Get<T>(this JsonNode node, string field) => node[field]!.GetValue<T>();
}
