using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>One versioned SQL file, embedded in the assembly.</summary>
public sealed record Migration(string Scope, int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Applies the platform migrations, then every tenant's, in order, each in its own transaction,
/// recorded in platform.schema_migrations. A session advisory lock makes concurrent instances take
/// turns: the second waits, then finds nothing left to do.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    const long LockKey = 0x6361726562617365; // "carebase"
    public const string PlatformScope = "platform";

    public static IReadOnlyList<Migration> Platform { get; } = Load("platform");
    public static IReadOnlyList<Migration> Tenant { get; } = Load("tenant");

    /// <summary>Migrates the platform schema and every existing tenant schema.</summary>
    public async Task MigrateAllAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await WithLockAsync(conn, async () =>
        {
            await ApplyAsync(conn, PlatformScope, "platform", Platform, ct);
            var schemas = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT schema_name FROM platform.tenants ORDER BY created_at", conn))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) schemas.Add(reader.GetString(0));
            foreach (var schema in schemas)
                await ApplyAsync(conn, schema, schema, Tenant, ct);
        }, ct);
        // Migrations may have created types (citext on a new database): make the pool learn them.
        await conn.ReloadTypesAsync(ct);
    }

    /// <summary>
    /// Creates and migrates one tenant schema on the caller's connection and transaction, so a
    /// tenant's row and its schema appear together or not at all.
    /// </summary>
    public static async Task CreateTenantSchemaAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        // Waits for an instance that is migrating every tenant, so no schema is left behind.
        await ExecAsync(conn, $"SELECT pg_advisory_xact_lock({LockKey})", ct);
        await ExecAsync(conn, $"CREATE SCHEMA {Quote(schema)}", ct);
        foreach (var m in Tenant)
            await RunOneAsync(conn, schema, schema, m, ct);
    }

    async Task WithLockAsync(NpgsqlConnection conn, Func<Task> body, CancellationToken ct)
    {
        await ExecAsync(conn, $"SELECT pg_advisory_lock({LockKey})", ct);
        try { await body(); }
        finally { await ExecAsync(conn, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None); }
    }

    async Task ApplyAsync(NpgsqlConnection conn, string scope, string schema, IReadOnlyList<Migration> all, CancellationToken ct)
    {
        await ExecAsync(conn, """
            CREATE SCHEMA IF NOT EXISTS platform;
            CREATE TABLE IF NOT EXISTS platform.schema_migrations (
                scope text NOT NULL, version integer NOT NULL, name text NOT NULL,
                checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (scope, version));
            """, ct);
        var applied = new Dictionary<int, string>();
        await using (var cmd = new NpgsqlCommand("SELECT version, checksum FROM platform.schema_migrations WHERE scope = $1", conn))
        {
            cmd.Parameters.AddWithValue(scope);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) applied[reader.GetInt32(0)] = reader.GetString(1);
        }
        foreach (var m in all)
        {
            if (applied.TryGetValue(m.Version, out var checksum))
            {
                if (checksum != m.Checksum)
                    throw new StartupException($"Migration {m.Scope}/{m.Version:D4}_{m.Name} was edited after it was applied to {scope}. Add a new migration instead.");
                continue;
            }
            await using var tx = await conn.BeginTransactionAsync(ct);
            await RunOneAsync(conn, scope, schema, m, ct);
            await tx.CommitAsync(ct);
            logger.LogInformation("Applied migration {Scope}/{Version:D4}_{Name} to {Schema}", m.Scope, m.Version, m.Name, schema);
        }
    }

    static async Task RunOneAsync(NpgsqlConnection conn, string scope, string schema, Migration m, CancellationToken ct)
    {
        var searchPath = m.Scope == PlatformScope ? "platform, public" : $"{Quote(schema)}, public";
        await ExecAsync(conn, $"SET LOCAL search_path TO {searchPath}", ct);
        await ExecAsync(conn, m.Sql, ct);
        await using var record = new NpgsqlCommand(
            "INSERT INTO platform.schema_migrations (scope, version, name, checksum) VALUES ($1, $2, $3, $4)", conn);
        record.Parameters.AddWithValue(scope);
        record.Parameters.AddWithValue(m.Version);
        record.Parameters.AddWithValue(m.Name);
        record.Parameters.AddWithValue(m.Checksum);
        await record.ExecuteNonQueryAsync(ct);
    }

    static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    [GeneratedRegex(@"\.Migrations\.(platform|tenant)\.(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();

    static IReadOnlyList<Migration> Load(string scope)
    {
        var asm = Assembly.GetExecutingAssembly();
        var list = new List<Migration>();
        foreach (var name in asm.GetManifestResourceNames())
        {
            var match = ResourceName().Match(name);
            if (!match.Success || match.Groups[1].Value != scope) continue;
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(scope, int.Parse(match.Groups[2].Value), match.Groups[3].Value, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
            if (list[i].Version != i + 1)
                throw new InvalidOperationException($"{scope} migrations must be numbered 0001, 0002, … without gaps; found {list[i].Version:D4}.");
        return list;
    }
}
