using Carebase.Tests.Features.Patients;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The audit trails are chained without a lock held through business transactions (changes' entries are sealed
/// by platform.audit_seal right after commit, reads' entries chained as the last statement of their own short
/// transaction): under parallel writers of both kinds every entry is chained once, without gaps, by the time its
/// response arrives, and the chain still exposes any edit, deletion or misplaced row.
/// </summary>
public sealed class AuditChainTests
{
    [Fact]
    public async Task Parallel_audited_reads_and_changes_are_all_sealed_before_their_answers_and_the_chain_stays_intact()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        var known = new List<Guid>();
        for (var i = 0; i < 4; i++) known.Add((await PatientKit.RegisterAsync(desk, PlatformTestKit.AnyPatient())).Id());

        var unknownDomain = $"{Guid.NewGuid():N}.nowhere.test";
        int reads = 0, creates = 0, platformLogins = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 240), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            switch (i % 4)
            {
                case 0: // a change: the entry is saved with it and sealed after its commit
                    await (await desk.PostAsJsonAsync("/api/v1/patients", PlatformTestKit.AnyPatient(), ct)).EnsureStatusAsync(HttpStatusCode.Created);
                    Interlocked.Increment(ref creates);
                    break;
                case 1: // an unknown account's sign-in: the platform trail, written on its own (a new email each time: five would lock it)
                    using (var anonymous = app.Anonymous())
                        await (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = $"nobody-{Guid.NewGuid():N}@{unknownDomain}", password = "not-a-password-1" }, ct))
                            .EnsureStatusAsync(HttpStatusCode.Unauthorized);
                    Interlocked.Increment(ref platformLogins);
                    break;
                default: // a read: one round trip inserts, chains and commits
                    await (await desk.GetAsync($"/api/v1/patients/{known[i % known.Count]}", ct)).EnsureStatusAsync(HttpStatusCode.OK);
                    Interlocked.Increment(ref reads);
                    break;
            }
        });

        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        var trail = $"\"{tenant.Schema}\".audit_log";
        // Nothing has listed or verified the trail yet: every answer was sent after its entries were sealed.
        Assert.Equal(0L, await ScalarAsync(conn, $"SELECT count(*) FROM {trail} WHERE seq IS NULL"));
        Assert.Equal(0L, await ScalarAsync(conn, "SELECT count(*) FROM platform.audit_log WHERE seq IS NULL AND user_email LIKE '%@' || $1", unknownDomain));
        Assert.Equal((long)reads, await ScalarAsync(conn, $"SELECT count(*) FROM {trail} WHERE action = 'PATIENT_READ'"));
        Assert.Equal((long)creates + known.Count, await ScalarAsync(conn, $"SELECT count(*) FROM {trail} WHERE action = 'PATIENT_CREATED'"));
        Assert.Equal((long)platformLogins, await ScalarAsync(conn, "SELECT count(*) FROM platform.audit_log WHERE user_email LIKE '%@' || $1", unknownDomain));
        // Numbered 1..n without a gap or a repeat.
        var rows = await ScalarAsync(conn, $"SELECT count(*) FROM {trail}");
        Assert.Equal(rows, await ScalarAsync(conn, $"SELECT max(seq) FROM {trail}"));
        Assert.Equal(rows, await ScalarAsync(conn, $"SELECT count(DISTINCT seq) FROM {trail}"));

        using var admin = await tenant.AdminAsync();
        var verdict = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(verdict["intact"]!.GetValue<bool>(), verdict.ToJsonString());
        Assert.True(verdict["checked"]!.GetValue<long>() >= rows); // the admin's own sign-in may have joined since
        using var super = await app.SuperAdminAsync();
        var platform = await (await super.GetAsync("/api/v1/platform/audit-logs/verify")).JsonAsync();
        Assert.True(platform["intact"]!.GetValue<bool>(), platform.ToJsonString());
    }

    [Fact]
    public async Task A_deleted_row_shows_as_the_gap_it_leaves()
    {
        var (tenant, admin) = await TenantWithTrailAsync();
        await TamperAsync(tenant, "DELETE FROM {0} WHERE seq = 2");

        var verdict = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.False(verdict["intact"]!.GetValue<bool>());
        Assert.Equal(3, verdict["firstBrokenSeq"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_row_slipped_back_to_pending_is_sealed_again_at_the_end_and_its_old_place_shows_as_a_gap()
    {
        var (tenant, admin) = await TenantWithTrailAsync();
        // Unsealing needs the guard switched off: only someone with the cluster's superuser could.
        await TamperAsync(tenant, "UPDATE {0} SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 2");

        var verdict = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync(); // seals it first
        Assert.False(verdict["intact"]!.GetValue<bool>());
        Assert.Equal(3, verdict["firstBrokenSeq"]!.GetValue<long>());
    }

    [Fact]
    public async Task Sealing_a_pending_row_can_neither_change_it_nor_choose_its_place()
    {
        var (tenant, admin) = await TenantWithTrailAsync();
        var trail = $"\"{tenant.Schema}\".audit_log";
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        var id = Guid.NewGuid();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            // Whatever an INSERT says about the chain, the row arrives pending.
            await ExecAsync(conn, $"""
                INSERT INTO {trail} (id, seq, occurred_at, action, resource_type, outcome, prev_hash, hash)
                VALUES ($1, 1, now(), 'test.pending', 'test', 'SUCCESS', '\xbeef', '\xdead')
                """, id);
            Assert.Equal(0L, await ScalarAsync(conn, $"SELECT count(*) FROM {trail} WHERE id = $1 AND seq IS NOT NULL", id));
            await using (var savepoint = new NpgsqlCommand("SAVEPOINT edit", conn)) await savepoint.ExecuteNonQueryAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(conn, $"UPDATE {trail} SET action = 'test.rewritten' WHERE id = $1", id));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            await using (var back = new NpgsqlCommand("ROLLBACK TO SAVEPOINT edit", conn)) await back.ExecuteNonQueryAsync();
            // A seal that names its own place gets the next one in the chain, with hashes computed by the database.
            await ExecAsync(conn, $"UPDATE {trail} SET seq = 1, prev_hash = '\\xbeef', hash = '\\xdead' WHERE id = $1", id);
            await tx.CommitAsync();
        }

        Assert.Equal(await ScalarAsync(conn, $"SELECT count(*) FROM {trail}"), await ScalarAsync(conn, $"SELECT seq FROM {trail} WHERE id = $1", id));
        var verdict = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(verdict["intact"]!.GetValue<bool>(), verdict.ToJsonString());
    }

    /// <summary>A tenant with a few sealed entries in its trail, and its admin.</summary>
    static async Task<(TestTenant tenant, HttpClient admin)> TenantWithTrailAsync()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        for (var i = 0; i < 3; i++)
            await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { slotMinutes = 10 + i })).EnsureStatusAsync(HttpStatusCode.OK);
        var clean = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(clean["intact"]!.GetValue<bool>());
        Assert.True(clean["checked"]!.GetValue<long>() >= 4);
        return (tenant, admin);
    }

    /// <summary>What someone with the cluster's superuser password could do behind the service's back.</summary>
    static async Task TamperAsync(TestTenant tenant, string statement)
    {
        var table = $"\"{tenant.Schema}\".audit_log";
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await ExecAsync(conn, $"ALTER TABLE {table} DISABLE TRIGGER audit_log_no_change");
        await ExecAsync(conn, string.Format(statement, table));
        await ExecAsync(conn, $"ALTER TABLE {table} ENABLE TRIGGER audit_log_no_change");
        await tx.CommitAsync();
    }

    static async Task ExecAsync(NpgsqlConnection conn, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task<long> ScalarAsync(NpgsqlConnection conn, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
