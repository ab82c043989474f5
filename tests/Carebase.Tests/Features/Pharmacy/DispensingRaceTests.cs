using Npgsql;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>Concurrent dispensing, raced for real through the whole pipeline: never oversold, never out of FEFO order, never deadlocked.</summary>
public sealed class DispensingRaceTests
{
    const int Prescriptions = 40, Units = 10;

    [Fact]
    public async Task Forty_parallel_dispensings_of_one_medicine_sell_exactly_the_stock_in_expiry_order()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Azithromycin");
        // 295 units over three expiries: 29 prescriptions of 10 can be served, 5 units are left in the last batch.
        var batches = new[] { await kit.BatchAsync(med, 92, 120), await kit.BatchAsync(med, 103, 40), await kit.BatchAsync(med, 100, 80) };
        const int stock = 295;
        var prescriptions = await kit.PrescriptionsAsync(Prescriptions, null, new Prescribed(med, Units, DurationDays: 30));

        var responses = await Race(prescriptions.Select(p => (Func<Task<HttpResponseMessage>>)(() => kit.DispenseAsync(p.id))));
        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "insufficient_stock");
        Assert.Equal(stock / Units, created);

        var onHand = await Task.WhenAll(batches.Select(kit.OnHandAsync));
        Assert.All(onHand, n => Assert.True(n >= 0));
        Assert.Equal(created * Units, stock - onHand.Sum());
        Assert.Equal(created, (int)await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.prescriptions WHERE status = 'DISPENSED'"));
        Assert.Equal(created * Units, (int)await TestDatabase.ScalarAsync<long>($"SELECT sum(quantity_dispensed) FROM {kit.Tenant.Schema}.prescription_items"));
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>($"""
            SELECT count(*) FROM {kit.Tenant.Schema}.stock_batches b
            WHERE b.on_hand <> (SELECT coalesce(sum(m.quantity), 0) FROM {kit.Tenant.Schema}.stock_movements m WHERE m.batch_id = b.id)
            """));
        Assert.Equal(0, await FefoViolationsAsync(kit));
    }

    [Fact]
    public async Task Parallel_dispensings_of_two_medicines_named_in_either_order_never_deadlock()
    {
        var kit = await DispensingKit.CreateAsync();
        var (x, y) = (await kit.MedicineAsync("Losartan"), await kit.MedicineAsync("Amlodipine"));
        foreach (var (item, days) in new[] { (x, 100), (x, 200), (y, 150), (y, 250) }) await kit.BatchAsync(item, 100, days);
        var xy = await kit.PrescriptionsAsync(10, null, new Prescribed(x, 7), new Prescribed(y, 7));
        var yx = await kit.PrescriptionsAsync(10, null, new Prescribed(y, 7), new Prescribed(x, 7));

        var responses = await Race(xy.Concat(yx).Select(p => (Func<Task<HttpResponseMessage>>)(() => kit.DispenseAsync(p.id))));
        foreach (var r in responses) await r.EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal(0, await FefoViolationsAsync(kit));
    }

    /// <summary>
    /// Replays the tenant's movements in commit order (by sequence), a dispensing at a time: whenever a dispensing takes
    /// from a batch, every batch of the same item that expires earlier must be empty once that dispensing is done.
    /// </summary>
    static async Task<int> FefoViolationsAsync(DispensingKit kit)
    {
        var rows = new List<(long seq, Guid batch, Guid item, DateOnly expiry, int quantity, string kind, Guid? document)>();
        await using (var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"""
                SELECT m.seq, m.batch_id, m.stock_item_id, b.expiry_date, m.quantity, m.kind, m.document_id
                FROM {kit.Tenant.Schema}.stock_movements m JOIN {kit.Tenant.Schema}.stock_batches b ON b.id = m.batch_id ORDER BY m.seq
                """, conn);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                rows.Add((r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetFieldValue<DateOnly>(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetGuid(6)));
        }
        var balance = new Dictionary<Guid, int>();
        var violations = 0;
        foreach (var step in rows.GroupBy(m => m.kind == "OUT" ? m.document : Guid.NewGuid()).OrderBy(g => g.Max(m => m.seq)))
        {
            foreach (var m in step) balance[m.batch] = balance.GetValueOrDefault(m.batch) + m.quantity;
            foreach (var taken in step.Where(m => m.kind == "OUT"))
                violations += rows.Where(o => o.item == taken.item && o.expiry < taken.expiry).Select(o => o.batch).Distinct()
                    .Count(earlier => balance.GetValueOrDefault(earlier) > 0);
        }
        return violations;
    }

    /// <summary>Starts every call at once (behind one gate) and waits for all.</summary>
    static async Task<HttpResponseMessage[]> Race(IEnumerable<Func<Task<HttpResponseMessage>>> calls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = calls.Select(async call => { await gate.Task; return await call(); }).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }
}
