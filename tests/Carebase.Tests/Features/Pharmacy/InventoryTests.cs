using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static Carebase.Tests.Features.Pharmacy.PharmacyKit;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>The hospital-wide lists and the expiry job: each test has a hospital of its own, as they read all its stock.</summary>
public sealed class InventoryTests
{
    [Fact]
    public async Task Low_stock_expiring_and_valuation_list_the_usable_stock()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var pharmacist = await tenant.ClientAsync(SystemRoles.Pharmacist);
        var empty = await CreateItemAsync(pharmacist, Medicine("Empty", reorderLevel: 10));
        var half = await CreateItemAsync(pharmacist, Medicine("Half", reorderLevel: 100));
        var plenty = await CreateItemAsync(pharmacist, Medicine("Plenty", reorderLevel: 10));
        await CreateItemAsync(pharmacist, Medicine("No level"));
        var soon = await ReceiveAsync(pharmacist, half.Id(), Batch("H-1", 50, Today.AddDays(20), unitCost: 2m));
        await ReceiveAsync(pharmacist, plenty.Id(), Batch("P-1", 500, Today.AddDays(400), unitCost: 0.01m));
        var later = await ReceiveAsync(pharmacist, plenty.Id(), Batch("P-2", 5, Today.AddDays(60), unitCost: 1m));

        var low = await (await pharmacist.GetAsync("/api/v1/inventory/low-stock")).ItemsAsync();
        Assert.Equal(["Empty", "Half"], low.Select(i => i!.Get<string>("name")));
        Assert.Equal(["Empty", "Half"], (await (await pharmacist.GetAsync("/api/v1/stock-items?lowStock=true")).ItemsAsync()).Select(i => i!.Get<string>("name")));

        var expiring = await (await pharmacist.GetAsync("/api/v1/inventory/expiring")).ItemsAsync();
        Assert.Equal([soon.Id(), later.Id()], expiring.Select(b => b!.Get<Guid>("batchId")));
        Assert.Equal(20, expiring[0]!.Get<int>("daysLeft"));
        Assert.Equal(100m, expiring[0]!.Get<decimal>("value"));
        Assert.Single(await (await pharmacist.GetAsync("/api/v1/inventory/expiring?days=30")).ItemsAsync());
        await (await pharmacist.GetAsync("/api/v1/inventory/expiring?days=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await pharmacist.GetAsync("/api/v1/inventory/expiring?days=731")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        var valuation = await (await pharmacist.GetAsync("/api/v1/inventory/valuation")).JsonAsync();
        Assert.Equal(["Half", "Plenty"], valuation["items"]!.AsArray().Select(i => i!.Get<string>("name")));
        Assert.Equal(110m, valuation.Get<decimal>("totalValue")); // 50 × 2 + 500 × 0.01 + 5 × 1
        Assert.Equal(505, valuation["items"]![1]!.Get<long>("onHand"));
        Assert.Equal(0, (await (await pharmacist.GetAsync($"/api/v1/stock-items/{empty.Id()}")).JsonAsync()).Get<long>("onHand"));
    }

    [Fact]
    public async Task Two_expiry_passes_racing_expire_each_past_batch_exactly_once()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var pharmacist = await tenant.ClientAsync(SystemRoles.Pharmacist);
        var item = await CreateItemAsync(pharmacist, Medicine("Expiring"));
        var past = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var batch = await ReceiveAsync(pharmacist, item.Id(), Batch($"OLD-{i}", 10 + i));
            past.Add(batch.Id());
        }
        var emptied = past[^1];
        await (await AdjustAsync(pharmacist, emptied, -21, "Destroyed")).EnsureStatusAsync(HttpStatusCode.Created);
        var fresh = await ReceiveAsync(pharmacist, item.Id(), Batch("NEW-1", 7, Today));
        // Past their date (a correction of the expiry date is allowed; receiving such stock is not).
        await app.WithDbAsync(db => db.Database.ExecuteSqlAsync(
            $"UPDATE stock_batches SET expiry_date = {Today.AddDays(-3)} WHERE id = ANY({past.ToArray()})"), tenant);
        Assert.Equal(7, (await (await pharmacist.GetAsync($"/api/v1/stock-items/{item.Id()}")).JsonAsync()).Get<long>("onHand")); // past batches are not usable

        // Two workers, as two instances would be: separate objects, separate connections, started together.
        StockExpiry Worker() => new(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            TimeProvider.System, NullLogger<StockExpiry>.Instance);
        var counts = await Task.WhenAll(Worker().ExpireAsync(tenant.Id, tenant.Schema, default), Worker().ExpireAsync(tenant.Id, tenant.Schema, default));
        Assert.Equal(12, counts.Sum());

        var (statuses, movements) = await app.WithDbAsync(async db => (
            await db.Set<StockBatch>().Where(b => b.StockItemId == item.Id()).ToDictionaryAsync(b => b.Id, b => (b.Status, b.OnHand)),
            await db.Set<StockMovement>().Where(m => m.StockItemId == item.Id() && m.Kind == MovementKinds.Expired).ToListAsync()), tenant);
        Assert.All(past, id => Assert.Equal(("EXPIRED", 0), statuses[id]));
        Assert.Equal(("ACTIVE", 7), statuses[fresh.Id()]);
        Assert.Equal(11, movements.Count); // one each, none for the batch already empty
        Assert.Equal(past.Take(11).Order(), movements.Select(m => m.BatchId).Order());
        Assert.All(movements, m => Assert.Equal(-(10 + past.IndexOf(m.BatchId)), m.Quantity));

        // Nothing left to do; an expired batch takes no adjustment.
        Assert.Equal(0, await Worker().ExpireAsync(tenant.Id, tenant.Schema, default));
        await (await AdjustAsync(pharmacist, past[0], 5)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "batch_expired");
    }
}
