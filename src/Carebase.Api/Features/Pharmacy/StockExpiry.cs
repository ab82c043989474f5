using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Npgsql;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// The daily expiry job: at start-up and then once a day, for every hospital, the ACTIVE batches whose expiry date is
/// before the hospital's today are marked EXPIRED and what they still held is written off with an EXPIRED movement (none
/// for an empty batch). Batches are claimed with FOR UPDATE SKIP LOCKED in small transactions, so any number of
/// instances can run it together: each batch is expired exactly once, by whichever claims it first, and a claimed batch
/// is never waited for.
/// </summary>
public sealed class StockExpiry(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, TimeProvider time, ILogger<StockExpiry> logger)
    : BackgroundService
{
    static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    const int ChunkSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    var expired = await RunOnceAsync(stoppingToken);
                    if (expired > 0) logger.LogInformation("Expired {Count} stock batches", expired);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Database away or a bug: the next pass tries again; nothing was half done (each chunk is one transaction).
                    logger.LogWarning(e, "Stock expiry pass failed");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One pass over every hospital; returns how many batches this caller expired.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var tenants = new List<(Guid id, string schema)>();
        await using (var cmd = dataSource.CreateCommand("SELECT id, schema_name FROM platform.tenants ORDER BY created_at"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) tenants.Add((r.GetGuid(0), r.GetString(1)));
        var expired = 0;
        foreach (var (id, schema) in tenants)
        {
            try
            {
                expired += await ExpireAsync(id, schema, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Stock expiry failed for tenant {Schema}", schema);
            }
        }
        return expired;
    }

    /// <summary>Expires one hospital's batches that are past their date in its time zone, a chunk per transaction; returns how many this caller expired.</summary>
    public async Task<int> ExpireAsync(Guid tenantId, string schema, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
        await db.UseTenantAsync(tenantId, schema, ct);
        var today = await scope.ServiceProvider.GetRequiredService<TenantClock>().TodayAsync(ct);
        var total = 0;
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var conn = await db.SqlConnectionAsync(ct);
            var now = time.GetUtcNow();
            var claimed = new List<(Guid batch, Guid item, int onHand, DateOnly expiry)>();
            await using (var claim = new NpgsqlCommand("""
                UPDATE stock_batches b SET status = 'EXPIRED', updated_at = $2, updated_by = NULL, version = b.version + 1
                WHERE b.id IN (
                    SELECT id FROM stock_batches WHERE status = 'ACTIVE' AND expiry_date < $1
                    ORDER BY expiry_date, id LIMIT $3
                    FOR UPDATE SKIP LOCKED)
                RETURNING b.id, b.stock_item_id, b.on_hand, b.expiry_date
                """, conn))
            {
                claim.Parameters.AddWithValue(today);
                claim.Parameters.AddWithValue(now);
                claim.Parameters.AddWithValue(ChunkSize);
                await using var r = await claim.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) claimed.Add((r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), r.GetFieldValue<DateOnly>(3)));
            }
            var writeOffs = claimed.Where(c => c.onHand > 0).ToList();
            if (writeOffs.Count > 0)
            {
                // The rows are locked by the UPDATE above: the on-hand it returned is the one written off.
                await using var write = new NpgsqlCommand("""
                    INSERT INTO stock_movements (id, batch_id, stock_item_id, kind, quantity, reason, document_type, document_id, occurred_at)
                    SELECT m.id, m.batch_id, m.item_id, 'EXPIRED', -m.on_hand, 'Expired on ' || to_char(m.expiry, 'YYYY-MM-DD'), 'EXPIRY', m.batch_id, $5
                    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $6::date[]) AS m(id, batch_id, item_id, on_hand, expiry)
                    """, conn);
                write.Parameters.AddWithValue(writeOffs.Select(_ => Guid.CreateVersion7()).ToArray());
                write.Parameters.AddWithValue(writeOffs.Select(c => c.batch).ToArray());
                write.Parameters.AddWithValue(writeOffs.Select(c => c.item).ToArray());
                write.Parameters.AddWithValue(writeOffs.Select(c => c.onHand).ToArray());
                write.Parameters.AddWithValue(now);
                write.Parameters.AddWithValue(writeOffs.Select(c => c.expiry).ToArray());
                await write.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            total += claimed.Count;
            if (claimed.Count < ChunkSize) return total;
        }
    }
}
