using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>The database itself refuses to change or remove audit rows, whoever connects.</summary>
public sealed class AuditImmutabilityTests
{
    [Theory]
    [InlineData("UPDATE {0} SET action = 'rewritten'")]
    [InlineData("DELETE FROM {0}")]
    [InlineData("TRUNCATE {0}")]
    public async Task The_tenant_and_platform_audit_logs_refuse_changes(string statement)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using (await tenant.AdminAsync()) { } // a sign-in: one row in the tenant trail
        using (await app.SuperAdminAsync()) { }
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();

        foreach (var table in new[] { $"\"{tenant.Schema}\".audit_log", "platform.audit_log" })
        {
            var before = await CountAsync(conn, table);
            Assert.True(before >= 1, $"{table} should have rows for this test to mean anything");
            // In a transaction that is rolled back either way, so a broken guard cannot damage the shared trail.
            await using (var tx = await conn.BeginTransactionAsync())
            {
                await using var cmd = new NpgsqlCommand(string.Format(statement, table), conn, tx);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
                Assert.Contains("append-only", refused.MessageText);
                await tx.RollbackAsync();
            }
            Assert.True(await CountAsync(conn, table) >= before);
        }
    }

    static async Task<long> CountAsync(NpgsqlConnection conn, string table)
    {
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
