using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Carebase.Tests.Features.Pharmacy.PharmacyKit;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>One hospital and one pharmacist for the class: every test makes its own items, so their data never meet.</summary>
public sealed class PharmacyFixture : IAsyncLifetime
{
    public CarebaseApp App { get; private set; } = null!;
    public TestTenant Tenant { get; private set; } = null!;
    public HttpClient Pharmacist { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await CarebaseApp.Shared();
        Tenant = await App.NewTenantAsync("stock");
        Pharmacist = await Tenant.ClientAsync(SystemRoles.Pharmacist);
    }

    public Task DisposeAsync()
    {
        Pharmacist.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class StockTests(PharmacyFixture fixture) : IClassFixture<PharmacyFixture>
{
    HttpClient Pharmacist => fixture.Pharmacist;

    [Fact]
    public async Task A_medicine_is_created_read_and_audited_with_lower_case_ingredients_and_class_and_exact_money()
    {
        var created = await CreateItemAsync(Pharmacist, Medicine(salePrice: "12.30"));
        var id = created.Id();
        Assert.Equal("MEDICINE", created.Get<string>("kind"));
        Assert.Equal(["amoxicillin"], created["activeIngredients"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal("penicillin", created.Get<string>("drugClass"));
        Assert.Equal("12.30", created["salePrice"]!.ToJsonString());
        Assert.Equal(0, created.Get<long>("onHand"));
        Assert.Equal(1, created.Get<int>("version"));

        var get = await Pharmacist.GetAsync($"/api/v1/stock-items/{id}");
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        Assert.Equal(created.Get<string>("name"), (await get.JsonAsync()).Get<string>("name"));
        var entry = Assert.Single(await fixture.App.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "STOCK_ITEM_CREATED" && a.ResourceId == id.ToString()).ToListAsync(), fixture.Tenant));
        Assert.Contains("amoxicillin", entry.Changes);
    }

    [Fact]
    public async Task Item_rules_answer_422_per_field_and_a_duplicate_name_409()
    {
        var missing = await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items", new { kind = "MEDICINE", name = Unique("Bare"), unit = "tablet", salePrice = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(missing["errors"]!["genericName"]);
        Assert.NotNull(missing["errors"]!["activeIngredients"]);

        var gloves = await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items",
                new { kind = "CONSUMABLE", name = Unique("Gloves"), unit = "box", salePrice = 1, strength = "500 mg" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(gloves["errors"]!["strength"]);

        var blank = await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items", new { kind = "MEDICINE", name = Unique("Blank"), genericName = "x",
                activeIngredients = new[] { "ok", " " }, unit = "tablet", salePrice = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(blank["errors"]!["activeIngredients"]);

        var cents = await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items", Medicine(salePrice: "1.005")))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(cents["errors"]!["salePrice"]);
        await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items", new { kind = "DRUG", name = "x", unit = "x", salePrice = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        var name = Unique("Paracetamol 500 mg tablet");
        await CreateItemAsync(Pharmacist, Medicine(name));
        await (await Pharmacist.PostAsJsonAsync("/api/v1/stock-items", Medicine(name.ToUpperInvariant())))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "stock_item_name_taken");
    }

    [Fact]
    public async Task Patch_changes_the_fields_sent_checks_if_match_and_keeps_a_medicine_whole()
    {
        var item = await CreateItemAsync(Pharmacist);
        var url = $"/api/v1/stock-items/{item.Id()}";

        var patched = await (await PatchAsync(Pharmacist, url, new { reorderLevel = 40, brandName = (string?)null, activeIngredients = new[] { "Amoxicillin", "Clavulanic acid" } }, "\"1\""))
            .JsonAsync();
        Assert.Equal(40, patched.Get<int>("reorderLevel"));
        Assert.Null(patched["brandName"]);
        Assert.Equal(2, patched["activeIngredients"]!.AsArray().Count);
        Assert.Equal("Amoxicillin", patched.Get<string>("genericName"));
        Assert.Equal(2, patched.Get<int>("version"));

        await (await PatchAsync(Pharmacist, url, new { reorderLevel = 1 }, "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        var cleared = await (await PatchAsync(Pharmacist, url, new { genericName = (string?)null })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(cleared["errors"]!["genericName"]);
        await (await PatchAsync(Pharmacist, url, new { salePrice = (decimal?)null })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await PatchAsync(Pharmacist, url, new { kind = "EQUIPMENT" })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Receiving_adds_an_in_movement_and_on_hand_and_value_follow_the_batches()
    {
        var item = await CreateItemAsync(Pharmacist);
        var response = await PostBatchAsync(Pharmacist, item.Id(), Batch("LOT-1", 120, unitCost: 0.1234m));
        var batch = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/batches/{batch.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal(120, batch.Get<int>("onHand"));
        Assert.Equal("ACTIVE", batch.Get<string>("status"));
        await ReceiveAsync(Pharmacist, item.Id(), Batch("LOT-2", 30, unitCost: 1m));

        var read = await (await Pharmacist.GetAsync($"/api/v1/stock-items/{item.Id()}")).JsonAsync();
        Assert.Equal(150, read.Get<long>("onHand"));
        Assert.Equal(44.81m, read.Get<decimal>("stockValue")); // 120 × 0.1234 + 30 × 1 = 44.808
        var movements = await (await Pharmacist.GetAsync($"/api/v1/stock-movements?stockItemId={item.Id()}")).ItemsAsync();
        Assert.Equal(["IN", "IN"], movements.Select(m => m!.Get<string>("kind")));
        Assert.Equal([30, 120], movements.Select(m => m!.Get<int>("quantity")));
        Assert.Equal("LOT-2", movements[0]!.Get<string>("batchNumber"));
        var batches = await (await Pharmacist.GetAsync($"/api/v1/stock-items/{item.Id()}/batches")).ItemsAsync();
        Assert.Equal(2, batches.Count);
    }

    [Fact]
    public async Task Batch_rules_duplicate_numbers_409_medicines_need_an_unexpired_expiry_422()
    {
        var item = await CreateItemAsync(Pharmacist);
        await ReceiveAsync(Pharmacist, item.Id(), Batch("DUP-1"));
        await (await PostBatchAsync(Pharmacist, item.Id(), Batch("DUP-1"))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "batch_number_taken");

        var noExpiry = await (await PostBatchAsync(Pharmacist, item.Id(), new { batchNumber = "N-1", quantity = 5, unitCost = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(noExpiry["errors"]!["expiryDate"]);
        var past = await (await PostBatchAsync(Pharmacist, item.Id(), Batch("P-1", expiry: Today.AddDays(-1))))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(past["errors"]!["expiryDate"]);
        await (await PostBatchAsync(Pharmacist, item.Id(), Batch("Z-1", quantity: 0))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // Equipment needs no expiry date.
        var monitor = await CreateItemAsync(Pharmacist, new { kind = "EQUIPMENT", name = Unique("BP monitor"), unit = "piece", salePrice = 45 });
        var batch = await ReceiveAsync(Pharmacist, monitor.Id(), new { batchNumber = "SN-1", quantity = 2, unitCost = 30 });
        Assert.Null(batch["expiryDate"]);
    }

    [Fact]
    public async Task Adjustments_move_stock_both_ways_and_going_below_zero_is_409_insufficient_stock()
    {
        var item = await CreateItemAsync(Pharmacist);
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch(quantity: 10));

        var down = await (await AdjustAsync(Pharmacist, batch.Id(), -4, "Broken in transit")).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("ADJUSTMENT", down["movement"]!.Get<string>("kind"));
        Assert.Equal(6, down["batch"]!.Get<int>("onHand"));
        var up = await (await AdjustAsync(Pharmacist, batch.Id(), 3, "Found in the back")).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(9, up["batch"]!.Get<int>("onHand"));

        var refused = await (await AdjustAsync(Pharmacist, batch.Id(), -10)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "insufficient_stock");
        Assert.Equal(9, refused["onHand"]!.GetValue<int>());
        await (await AdjustAsync(Pharmacist, batch.Id(), 0)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await AdjustAsync(Pharmacist, batch.Id(), -1, " ")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // The ledger adds up to the batch, and the adjustment is audited.
        var sum = await fixture.App.WithDbAsync(db => db.Set<StockMovement>().Where(m => m.BatchId == batch.Id()).SumAsync(m => m.Quantity), fixture.Tenant);
        Assert.Equal(9, sum);
        Assert.Equal(2, await fixture.App.WithDbAsync(db => db.Set<AuditEntry>()
            .CountAsync(a => a.Action == "STOCK_ADJUSTED" && a.ResourceId == batch.Id().ToString()), fixture.Tenant));
    }

    [Fact]
    public async Task Concurrent_withdrawals_never_take_a_batch_below_zero_and_the_ledger_matches_on_hand()
    {
        var item = await CreateItemAsync(Pharmacist);
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch(quantity: 10));
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => AdjustAsync(Pharmacist, batch.Id(), -1, "Count")));
        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(6, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        var (onHand, sum) = await fixture.App.WithDbAsync(async db => (
            await db.Set<StockBatch>().Where(b => b.Id == batch.Id()).Select(b => b.OnHand).SingleAsync(),
            await db.Set<StockMovement>().Where(m => m.BatchId == batch.Id()).SumAsync(m => m.Quantity)), fixture.Tenant);
        Assert.Equal(0, onHand);
        Assert.Equal(0, sum);
    }

    [Fact]
    public async Task The_database_refuses_a_negative_on_hand_and_edits_of_the_ledger_even_from_raw_sql()
    {
        var item = await CreateItemAsync(Pharmacist);
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch(quantity: 5));
        var (batchId, itemId) = (batch.Id(), item.Id());

        async Task<PostgresException> RawAsync(FormattableString sql) => await Assert.ThrowsAsync<PostgresException>(() =>
            fixture.App.WithDbAsync(db => db.Database.ExecuteSqlAsync(sql), fixture.Tenant));

        var negative = await RawAsync($"""
            INSERT INTO stock_movements (id, batch_id, stock_item_id, kind, quantity, occurred_at)
            VALUES ({Guid.NewGuid()}, {batchId}, {itemId}, 'OUT', -6, now())
            """);
        Assert.Equal(PostgresErrorCodes.CheckViolation, negative.SqlState);
        Assert.Equal("stock_batches_on_hand_check", negative.ConstraintName);
        Assert.Equal(PostgresErrorCodes.RestrictViolation, (await RawAsync($"UPDATE stock_movements SET quantity = 500 WHERE batch_id = {batchId}")).SqlState);
        Assert.Equal(PostgresErrorCodes.RestrictViolation, (await RawAsync($"DELETE FROM stock_movements WHERE batch_id = {batchId}")).SqlState);
        Assert.Equal(PostgresErrorCodes.RestrictViolation, (await RawAsync($"UPDATE stock_batches SET on_hand = 50 WHERE id = {batchId}")).SqlState);
        Assert.Equal(5, (await (await Pharmacist.GetAsync($"/api/v1/batches/{batchId}")).JsonAsync()).Get<int>("onHand"));
    }

    [Fact]
    public async Task A_batch_patch_corrects_details_with_if_match_but_never_the_quantity()
    {
        var item = await CreateItemAsync(Pharmacist);
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch("OLD-1", 20));
        var url = $"/api/v1/batches/{batch.Id()}";
        var expiry = Today.AddDays(200).ToString("yyyy-MM-dd");

        var patched = await (await PatchAsync(Pharmacist, url, new { batchNumber = "NEW-1", expiryDate = expiry, unitCost = 0.5m, supplier = (string?)null }, "\"1\""))
            .JsonAsync();
        Assert.Equal("NEW-1", patched.Get<string>("batchNumber"));
        Assert.Equal(expiry, patched.Get<string>("expiryDate"));
        Assert.Null(patched["supplier"]);
        Assert.Equal(20, patched.Get<int>("onHand"));
        Assert.Equal("\"2\"", (await Pharmacist.GetAsync(url)).Headers.ETag?.Tag);

        await (await PatchAsync(Pharmacist, url, new { supplier = "Late" }, "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await PatchAsync(Pharmacist, url, new { onHand = 500 })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await PatchAsync(Pharmacist, url, new { expiryDate = (string?)null })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await ReceiveAsync(Pharmacist, item.Id(), Batch("OTHER-1"));
        await (await PatchAsync(Pharmacist, url, new { batchNumber = "OTHER-1" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "batch_number_taken");
    }

    [Fact]
    public async Task Deactivation_waits_for_stock_and_open_prescriptions_to_be_gone()
    {
        var item = await CreateItemAsync(Pharmacist);
        var url = $"/api/v1/stock-items/{item.Id()}";
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch(quantity: 3));
        await (await Pharmacist.PostAsync($"{url}/deactivate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "stock_on_hand");
        await (await AdjustAsync(Pharmacist, batch.Id(), -3, "Returned to supplier")).EnsureStatusAsync(HttpStatusCode.Created);

        var deactivated = await (await Pharmacist.PostAsync($"{url}/deactivate", null)).JsonAsync();
        Assert.False(deactivated.Get<bool>("isActive"));
        await (await PostBatchAsync(Pharmacist, item.Id())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "stock_item_inactive");
        var inactive = await (await Pharmacist.GetAsync($"/api/v1/stock-items?isActive=false&q={Uri.EscapeDataString(item.Get<string>("name"))}")).ItemsAsync();
        Assert.Single(inactive);
        Assert.True((await (await Pharmacist.PostAsync($"{url}/activate", null)).JsonAsync()).Get<bool>("isActive"));
    }

    [Fact]
    public async Task An_item_on_an_open_prescription_cannot_be_deactivated()
    {
        var item = await CreateItemAsync(Pharmacist);
        await OpenPrescriptionAsync(item.Id());
        await (await Pharmacist.PostAsync($"/api/v1/stock-items/{item.Id()}/deactivate", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "open_prescriptions");
    }

    /// <summary>A DRAFT prescription naming the item, written directly (prescribing is another area's).</summary>
    async Task OpenPrescriptionAsync(Guid itemId)
    {
        using var admin = await fixture.Tenant.AdminAsync();
        var patient = (await Patients.PatientKit.RegisterAsync(admin, Patients.PatientKit.Person())).Id();
        var doctor = Doctors.DoctorsApi.IdOf(await Doctors.DoctorsApi.CreateDoctorAsync(admin, fixture.Tenant));
        var prescription = Guid.NewGuid();
        await fixture.App.WithDbAsync(db => db.Database.ExecuteSqlAsync($"""
            INSERT INTO prescriptions (id, patient_id, doctor_id, status, created_at, updated_at) VALUES ({prescription}, {patient}, {doctor}, 'DRAFT', now(), now());
            INSERT INTO prescription_items (id, prescription_id, position, stock_item_id, medicine, frequency, quantity)
            VALUES ({Guid.NewGuid()}, {prescription}, 0, {itemId}, 'Amoxicillin', 'TID', 21);
            """), fixture.Tenant);
    }

    [Fact]
    public async Task Movements_filter_by_kind_and_batch_and_export_as_csv()
    {
        var item = await CreateItemAsync(Pharmacist, Medicine(Unique("=cmd|' /C calc'!A0")));
        var batch = await ReceiveAsync(Pharmacist, item.Id(), Batch("CSV-1", 8));
        await (await AdjustAsync(Pharmacist, batch.Id(), -2, "Damaged, \"crushed\"")).EnsureStatusAsync(HttpStatusCode.Created);

        var adjustments = await (await Pharmacist.GetAsync($"/api/v1/stock-movements?batchId={batch.Id()}&kind=ADJUSTMENT")).ItemsAsync();
        Assert.Equal(-2, Assert.Single(adjustments)!.Get<int>("quantity"));
        var receipt = await (await Pharmacist.GetAsync($"/api/v1/stock-movements?documentId={batch.Id()}")).ItemsAsync();
        Assert.Equal("IN", Assert.Single(receipt)!.Get<string>("kind"));

        var csv = await Pharmacist.GetAsync($"/api/v1/stock-movements?stockItemId={item.Id()}&format=csv");
        await csv.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("occurredAt,kind,quantity", lines[0]);
        Assert.Contains(",ADJUSTMENT,-2,'=cmd", lines[1]); // a formula-looking name is neutralised
        Assert.Contains("\"Damaged, \"\"crushed\"\"\"", lines[1]);
        await (await Pharmacist.GetAsync("/api/v1/stock-movements?format=xml")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Another_hospitals_items_and_batches_answer_404()
    {
        var item = await CreateItemAsync(Pharmacist);
        var batch = await ReceiveAsync(Pharmacist, item.Id());
        var other = await fixture.App.NewTenantAsync();
        using var stranger = await other.ClientAsync(SystemRoles.Pharmacist);
        await (await stranger.GetAsync($"/api/v1/stock-items/{item.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/api/v1/stock-items/{item.Id()}/batches")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/api/v1/batches/{batch.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await AdjustAsync(stranger, batch.Id(), -1)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await PatchAsync(stranger, $"/api/v1/stock-items/{item.Id()}", new { reorderLevel = 1 })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await stranger.GetAsync($"/api/v1/stock-movements?stockItemId={item.Id()}")).ItemsAsync());
    }
}
