using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Pharmacy;

public sealed class PharmacyDemoTests
{
    /// <summary>The demo pharmacy seeded into a hospital of its own (the rest of the demo is not needed for it).</summary>
    [Fact]
    public async Task The_demo_pharmacy_has_classed_medicines_supplies_low_stock_near_expiry_and_written_off_batches_whose_ledger_adds_up()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        await app.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await PharmacyDemo.SeedAsync(db, tenant.Slug, "UTC", "USD", TimeProvider.System.GetUtcNow(), default);
            await tx.CommitAsync();
            return 0;
        }, tenant);
        using var pharmacist = await tenant.ClientAsync(SystemRoles.Pharmacist);

        var medicines = await (await pharmacist.GetAsync("/api/v1/stock-items?kind=MEDICINE&pageSize=200")).JsonAsync();
        Assert.True(medicines.Get<int>("total") >= 80);
        var byGeneric = medicines["items"]!.AsArray().GroupBy(m => m!.Get<string>("genericName").ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First()!);
        foreach (var (generic, drugClass) in new[] { ("amoxicillin", "penicillin"), ("phenoxymethylpenicillin", "penicillin"), ("cefalexin", "cephalosporin"),
                     ("ceftriaxone", "cephalosporin"), ("sulfamethoxazole and trimethoprim", "sulfonamide"), ("ibuprofen", "nsaid"), ("naproxen", "nsaid"),
                     ("acetylsalicylic acid", "nsaid"), ("paracetamol", "analgesic"), ("tramadol hydrochloride", "opioid"), ("codeine phosphate", "opioid"),
                     ("azithromycin", "macrolide"), ("ciprofloxacin", "fluoroquinolone"), ("doxycycline", "tetracycline"), ("atorvastatin", "statin"),
                     ("lisinopril", "ace inhibitor"), ("metformin hydrochloride", "biguanide"), ("insulin glargine", "insulin"), ("omeprazole", "proton pump inhibitor") })
            Assert.Equal(drugClass, byGeneric[generic].Get<string>("drugClass"));
        Assert.Contains("clavulanic acid", byGeneric["amoxicillin and clavulanic acid"]["activeIngredients"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.True((await (await pharmacist.GetAsync("/api/v1/stock-items?kind=CONSUMABLE")).JsonAsync()).Get<int>("total") >= 10);
        Assert.True((await (await pharmacist.GetAsync("/api/v1/stock-items?kind=EQUIPMENT")).JsonAsync()).Get<int>("total") >= 5);
        Assert.True((await (await pharmacist.GetAsync("/api/v1/inventory/low-stock")).JsonAsync()).Get<int>("total") >= 5);
        Assert.True((await (await pharmacist.GetAsync("/api/v1/inventory/expiring")).JsonAsync()).Get<int>("total") >= 10);
        Assert.True((await (await pharmacist.GetAsync("/api/v1/stock-movements?kind=EXPIRED")).JsonAsync()).Get<int>("total") >= 5);

        // Every batch's on-hand is its ledger's sum, and nothing is left for the expiry job.
        var mismatches = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>("""
            SELECT count(*)::int AS "Value" FROM stock_batches b
            WHERE b.on_hand <> (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.batch_id = b.id)
               OR (b.status = 'EXPIRED' AND b.on_hand <> 0)
            """).SingleAsync(), tenant);
        Assert.Equal(0, mismatches);
        var worker = app.Services.GetRequiredService<StockExpiry>();
        Assert.Equal(0, await worker.ExpireAsync(tenant.Id, tenant.Schema, default));
    }
}
