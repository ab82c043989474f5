using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

public sealed class MigrationTests
{
    [Fact]
    public async Task Two_instances_starting_at_once_on_a_new_database_both_come_up_and_apply_each_migration_once()
    {
        var cs = await TestDatabase.CreateDatabaseAsync("migrate");

        // Task.Run: host start-up is synchronous, so each instance needs its own thread to really race.
        var apps = await Task.WhenAll(Task.Run(() => CarebaseApp.CreateAsync(cs)), Task.Run(() => CarebaseApp.CreateAsync(cs)));
        var tenants = new[] { await apps[0].NewTenantAsync(), await apps[1].NewTenantAsync() };
        // Two more instances start at once against the now populated database: tenant schemas are migrated too.
        var more = await Task.WhenAll(Task.Run(() => CarebaseApp.CreateAsync(cs)), Task.Run(() => CarebaseApp.CreateAsync(cs)));

        foreach (var app in apps.Concat(more))
        {
            using var client = app.Anonymous();
            await (await client.GetAsync("/health/ready")).EnsureStatusAsync(HttpStatusCode.OK);
        }
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        Assert.Equal(MigrationRunner.Platform.Count, await CountAsync(conn, "platform"));
        foreach (var t in tenants)
            Assert.Equal(MigrationRunner.Tenant.Count, await CountAsync(conn, t.Schema));
        foreach (var app in apps.Concat(more)) await app.DisposeAsync();
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_start_up()
    {
        var cs = await TestDatabase.CreateDatabaseAsync("edited");
        await (await CarebaseApp.CreateAsync(cs)).DisposeAsync();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("UPDATE platform.schema_migrations SET checksum = 'tampered' WHERE scope = 'platform' AND version = 1", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var e = await Assert.ThrowsAnyAsync<Exception>(() => CarebaseApp.CreateAsync(cs));
        Assert.Contains("was edited after it was applied", e.ToString());
    }

    [Fact]
    public void Migrations_are_numbered_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, MigrationRunner.Platform.Count), MigrationRunner.Platform.Select(m => m.Version));
        Assert.Equal(Enumerable.Range(1, MigrationRunner.Tenant.Count), MigrationRunner.Tenant.Select(m => m.Version));
    }

    static async Task<long> CountAsync(NpgsqlConnection conn, string scope)
    {
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM platform.schema_migrations WHERE scope = $1", conn);
        cmd.Parameters.AddWithValue(scope);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
