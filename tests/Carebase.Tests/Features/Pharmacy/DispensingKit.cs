using System.Text.Json.Nodes;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>A prescribed item for <see cref="DispensingKit.PrescriptionAsync"/>: a stock item (or free text), the quantity and the course.</summary>
sealed record Prescribed(Guid? StockItemId, int Quantity, int? DurationDays = 10, string Medicine = "Prescribed medicine");

/// <summary>
/// A hospital with a doctor, a patient and a signed-in pharmacist. The stock and prescription APIs are not this area's:
/// catalog items, batches (received with an IN movement) and issued prescriptions are made directly through EF.
/// </summary>
sealed record DispensingKit(CarebaseApp App, TestTenant Tenant, HttpClient Admin, HttpClient Pharmacist, Guid DoctorId, Guid PatientId)
{
    public static async Task<DispensingKit> CreateAsync()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("rx");
        var admin = await tenant.AdminAsync();
        var doctor = DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(admin, tenant));
        var patient = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
        return new DispensingKit(app, tenant, admin, await tenant.ClientAsync(SystemRoles.Pharmacist), doctor, patient);
    }

    public static DateOnly Today => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    public async Task<Guid> MedicineAsync(string name, decimal price = 2.50m, string? generic = null, string[]? ingredients = null, string kind = StockItemKinds.Medicine)
    {
        var now = TimeProvider.System.GetUtcNow();
        var item = new StockItem
        {
            Kind = kind, Name = $"{name} {Guid.NewGuid():N}"[..Math.Min(200, name.Length + 9)], GenericName = kind == StockItemKinds.Medicine ? generic ?? name : null,
            ActiveIngredients = ingredients ?? [], Unit = "tablet", SalePrice = price, CreatedAt = now,
        };
        item.Touch(null, now);
        await App.WithDbAsync(async db => { db.Add(item); return await db.SaveChangesAsync(); }, Tenant);
        return item.Id;
    }

    /// <summary>A batch received now: <paramref name="quantity"/> units in by an IN movement, expiring in <paramref name="expiresInDays"/> days.</summary>
    public async Task<Guid> BatchAsync(Guid stockItemId, int quantity, int? expiresInDays, bool expired = false, string? number = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        var batch = new StockBatch
        {
            StockItemId = stockItemId, BatchNumber = number ?? $"B-{Guid.NewGuid():N}"[..12], ExpiryDate = expiresInDays is { } d ? Today.AddDays(d) : null,
            QuantityReceived = quantity, UnitCost = 1m, ReceivedAt = now,
        };
        batch.Touch(null, now);
        if (expired) batch.MarkExpired(null, now);
        await App.WithDbAsync(async db =>
        {
            db.Add(batch);
            db.Add(new StockMovement { BatchId = batch.Id, StockItemId = stockItemId, Kind = MovementKinds.In, Quantity = quantity, DocumentType = "RECEIPT", OccurredAt = now });
            return await db.SaveChangesAsync();
        }, Tenant);
        return batch.Id;
    }

    /// <summary>ISSUED prescriptions of the kit's patient (or another), one per entry of <paramref name="count"/>, each with the items given.</summary>
    public async Task<List<(Guid id, List<Guid> items)>> PrescriptionsAsync(int count, Guid? patientId, params Prescribed[] items)
    {
        var now = TimeProvider.System.GetUtcNow();
        var made = new List<Prescription>();
        for (var n = 0; n < count; n++)
        {
            var rx = new Prescription { PatientId = patientId ?? PatientId, DoctorId = DoctorId, CreatedAt = now };
            rx.Items.AddRange(items.Select((p, i) => new PrescriptionItem
            {
                PrescriptionId = rx.Id, Position = i, StockItemId = p.StockItemId, Medicine = p.Medicine, Frequency = "BID", DurationDays = p.DurationDays,
                Quantity = p.Quantity, DoseAmount = 1, DoseUnit = "tablet", Route = "oral",
            }));
            rx.Issue($"RX-T-{Guid.NewGuid():N}"[..20], [], null, now.AddSeconds(n - count));
            made.Add(rx);
        }
        await App.WithDbAsync(async db => { db.AddRange(made); return await db.SaveChangesAsync(); }, Tenant);
        return made.Select(p => (p.Id, p.Items.OrderBy(i => i.Position).Select(i => i.Id).ToList())).ToList();
    }

    public async Task<(Guid id, List<Guid> items)> PrescriptionAsync(params Prescribed[] items) => (await PrescriptionsAsync(1, null, items))[0];

    public static object Line(Guid prescriptionItemId, int quantity, Guid? substituteStockItemId = null) =>
        new { prescriptionItemId, quantity, substituteStockItemId };

    public Task<HttpResponseMessage> DispenseAsync(Guid prescriptionId, object[]? items = null, bool? allowPartial = null, HttpClient? client = null,
        string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dispensings") { Content = JsonContent.Create(new { prescriptionId, items, allowPartial }) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return (client ?? Pharmacist).SendAsync(request);
    }

    public async Task<JsonObject> DispensedAsync(Guid prescriptionId, object[]? items = null, bool? allowPartial = null) =>
        await (await DispenseAsync(prescriptionId, items, allowPartial)).JsonAsync(HttpStatusCode.Created);

    public Task<int> OnHandAsync(Guid batchId) => TestDatabase.ScalarAsync<int>($"SELECT on_hand FROM {Tenant.Schema}.stock_batches WHERE id = $1", batchId);

    public Task<string> StatusAsync(Guid prescriptionId) =>
        TestDatabase.ScalarAsync<string>($"SELECT status FROM {Tenant.Schema}.prescriptions WHERE id = $1", prescriptionId);

    public Task<long> CountAsync(string table) => TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {Tenant.Schema}.{table}");
}

static class DispensingJson
{
    public static Guid Guid(this JsonNode o, string name) => o[name]!.GetValue<Guid>();
    public static int Int(this JsonNode o, string name) => o[name]!.GetValue<int>();
    public static JsonArray Array(this JsonNode o, string name) => o[name]!.AsArray();
}
