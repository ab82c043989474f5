using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Api.Platform.Auth;

/// <summary>Keeps platform.permissions and every tenant's system roles in step with the code's catalog.</summary>
public static class CatalogSync
{
    public static async Task SyncPermissionsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM platform.permissions WHERE code <> ALL($1)")
            { Parameters = { new() { Value = Permissions.All.Select(p => p.Code).ToArray() } } });
        foreach (var p in Permissions.All)
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO platform.permissions (code, area, description) VALUES ($1, $2, $3)
                ON CONFLICT (code) DO UPDATE SET area = EXCLUDED.area, description = EXCLUDED.description
                """) { Parameters = { new() { Value = p.Code }, new() { Value = p.Area }, new() { Value = p.Description } } });
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Creates or updates the system roles in one tenant schema.</summary>
    public static async Task SyncSystemRolesAsync(NpgsqlConnection conn, string schema, DateTimeOffset now, CancellationToken ct)
    {
        var table = $"{MigrationRunner.Quote(schema)}.roles";
        await using var batch = new NpgsqlBatch(conn);
        foreach (var role in SystemRoles.All)
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO {table} (id, name, description, is_system, permissions, created_at, updated_at)
                VALUES ($1, $2, $3, true, $4, $5, $5)
                ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, is_system = true,
                    permissions = EXCLUDED.permissions, updated_at = EXCLUDED.updated_at
                WHERE {table}.permissions IS DISTINCT FROM EXCLUDED.permissions OR NOT {table}.is_system
                """)
            {
                Parameters =
                {
                    new() { Value = Guid.CreateVersion7() }, new() { Value = role.Name }, new() { Value = role.Description },
                    new() { Value = role.Permissions.ToArray() }, new() { Value = now },
                },
            });
        await batch.ExecuteNonQueryAsync(ct);
    }

    public static async Task SyncAllAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await SyncPermissionsAsync(conn, ct);
        var schemas = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT schema_name FROM platform.tenants", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) schemas.Add(r.GetString(0));
        foreach (var schema in schemas) await SyncSystemRolesAsync(conn, schema, now, ct);
    }
}
