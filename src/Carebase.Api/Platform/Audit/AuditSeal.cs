using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Carebase.Api.Platform.Audit;

/// <summary>
/// Seals audit entries into their trail's hash chain right after the transaction that wrote them commits.
/// <para>
/// Why after: a chain has one writer at a time per trail. When the insert trigger took that lock, every
/// audited transaction of a hospital held it until it committed, so the hospital's requests (reads too,
/// since reads are audited) queued behind each other's business transactions. Now an entry is inserted
/// pending (seq and hashes null, no lock) and <c>platform.audit_seal()</c> chains the committed pending
/// entries in a short transaction of its own (asynchronous commit), so the trail's lock is held for
/// microseconds.
/// </para>
/// <para>
/// When: entries saved through EF (<see cref="AuditLog.Record"/>) are sealed by this interceptor as soon
/// as their transaction commits, one more round trip on the unit of work's connection. Entries written on their
/// own (<see cref="AuditLog.WriteAsync"/>) need no seal: their insert is the last statement of an asynchronous-commit
/// transaction, so they are chained as they are inserted (<see cref="ChainNow"/>) and the lock is held just as briefly.
/// So every entry of a request is chained before its response is sent. Listing or verifying a trail seals first
/// as well, which also chains anything a crash left pending (a seal lost with its asynchronous commit is simply done again).
/// </para>
/// </summary>
public sealed class AuditSeal(ILogger<AuditSeal> logger) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public const string PlatformTrail = "platform";

    /// <summary>The trails (schema names) each unit of work has unsealed entries in, until its commit.</summary>
    static readonly ConditionalWeakTable<DbContext, SortedSet<string>> Expected = new();

    /// <summary>Notes that <paramref name="db"/> will commit an entry to <paramref name="trail"/> ('platform' or a tenant schema).</summary>
    public static void Expect(DbContext db, string trail)
    {
        lock (Expected) Expected.GetOrCreateValue(db).Add(trail);
    }

    /// <summary>For a transaction that ends right after its audit insert: chain the entry as it is inserted, not after.</summary>
    public const string ChainNow = "SET LOCAL carebase.audit_chain_now TO on";

    /// <summary>
    /// A batch that seals <paramref name="trails"/> in a transaction of its own, on an open connection that is not in
    /// one. Trails are sealed in name order, so two seals of the same trails cannot deadlock.
    /// </summary>
    public static NpgsqlBatch Batch(NpgsqlConnection conn, IEnumerable<string> trails)
    {
        var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        // Only the chain's bookkeeping: a seal lost in a crash is redone by the next one.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
        foreach (var trail in trails.Distinct().Order(StringComparer.Ordinal))
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT platform.audit_seal($1)") { Parameters = { new() { Value = trail } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        return batch;
    }

    /// <summary>Seals <paramref name="trails"/> now (listing and verifying seal first).</summary>
    public static async Task SealAsync(NpgsqlConnection conn, IEnumerable<string> trails, CancellationToken ct)
    {
        await using var batch = Batch(conn, trails);
        await batch.ExecuteNonQueryAsync(ct);
    }

    // Without a transaction of the caller's, SaveChanges has committed by the time it returns.
    public override int SavedChanges(SaveChangesCompletedEventData e, int result)
    {
        if (e.Context?.Database.CurrentTransaction is null) SealExpected(e.Context, async: false).GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData e, int result, CancellationToken ct = default)
    {
        if (e.Context?.Database.CurrentTransaction is null) await SealExpected(e.Context, async: true);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData e) => Forget(e.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData e, CancellationToken ct = default)
    {
        Forget(e.Context);
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData e) =>
        SealExpected(e.Context, async: false).GetAwaiter().GetResult();

    Task IDbTransactionInterceptor.TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData e, CancellationToken ct) =>
        SealExpected(e.Context, async: true);

    void IDbTransactionInterceptor.TransactionRolledBack(DbTransaction transaction, TransactionEndEventData e) => Forget(e.Context);

    Task IDbTransactionInterceptor.TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData e, CancellationToken ct)
    {
        Forget(e.Context);
        return Task.CompletedTask;
    }

    static void Forget(DbContext? db)
    {
        if (db is null) return;
        lock (Expected) Expected.Remove(db);
    }

    /// <summary>Not cancellable: the change is committed, and its entries should be chained even if the caller has gone.</summary>
    async Task SealExpected(DbContext? db, bool async)
    {
        if (db is null) return;
        string[] trails;
        lock (Expected)
        {
            if (!Expected.TryGetValue(db, out var set)) return;
            trails = [.. set];
            Expected.Remove(db);
        }
        // The change is committed: a failure here must not turn its answer into an error. The entries
        // stay pending and the next seal of the trail (any audited action, a listing, a verification) chains them.
        // On the unit of work's own connection (still open after a commit): a second one from the pool could wait
        // for a connection that only this request would release.
        var database = db.Database;
        try
        {
            if (async) await database.OpenConnectionAsync();
            else database.OpenConnection();
            try
            {
                await using var batch = Batch((NpgsqlConnection)database.GetDbConnection(), trails);
                if (async) await batch.ExecuteNonQueryAsync();
                else batch.ExecuteNonQuery();
            }
            finally
            {
                if (async) await database.CloseConnectionAsync();
                else database.CloseConnection();
            }
        }
        catch (NpgsqlException ex)
        {
            logger.LogWarning(ex, "Sealing the audit trail(s) {Trails} failed; the next seal will chain their entries", string.Join(", ", trails));
        }
    }
}
