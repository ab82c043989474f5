using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster per test run, started the same way the service starts its
/// embedded one, in a temporary folder, and stopped and deleted when the test process exits.
/// </summary>
public static class TestDatabase
{
    static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);

    public static Task<EmbeddedPostgres> GetAsync() => Cluster.Value;

    static async Task<EmbeddedPostgres> StartAsync()
    {
        RemoveLeftovers();
        var root = Path.Combine(Path.GetTempPath(), "carebase-tests-" + Guid.NewGuid().ToString("N")[..12]);
        var pg = await StartClusterAsync(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            pg.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { /* best effort */ }
        };
        return pg;
    }

    /// <summary>
    /// The test host may be stopped before its exit handler has deleted its cluster: remove what earlier runs left
    /// behind (clusters whose server is not running, and their mail folders).
    /// </summary>
    static void RemoveLeftovers()
    {
        var temp = new DirectoryInfo(Path.GetTempPath());
        var recently = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-5);
        var leftovers = temp.EnumerateDirectories("carebase-tests-*")
            .Concat(temp.EnumerateDirectories("carebase-outage-*"))
            .Concat(temp.EnumerateDirectories("carebase-test-data-*"));
        foreach (var dir in leftovers)
        {
            // Running, or touched in the last minutes (another run may be starting or using it): leave it.
            var pid = Path.Combine(dir.FullName, "pg", "data", "postmaster.pid");
            if (File.Exists(pid) && int.TryParse(File.ReadLines(pid).FirstOrDefault(), out var id) && Alive(id)) continue;
            if (dir.LastWriteTimeUtc > recently) continue;
            try { dir.Delete(recursive: true); }
            catch (IOException) { /* another run is using it */ }
            catch (UnauthorizedAccessException) { /* not ours to delete */ }
        }

        static bool Alive(int pid)
        {
            try { return !System.Diagnostics.Process.GetProcessById(pid).HasExited; }
            catch (ArgumentException) { return false; }
        }
    }

    /// <summary>A cluster tuned for tests (durability off, small WAL: it is thrown away).</summary>
    public static async Task<EmbeddedPostgres> StartClusterAsync(string root)
    {
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root") File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var pg = EmbeddedPostgres.Create(root, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400",
            "-c max_wal_size=64MB", "-c min_wal_size=32MB");
        await pg.StartAsync();
        return pg;
    }

    /// <summary>A fresh, empty database on the shared cluster, for tests that need a database of their own.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var pg = await GetAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        var admin = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs a statement on the shared test database as the cluster superuser (setup, or checking invariants).</summary>
    public static async Task<int> ExecuteAsync(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection((await GetAsync()).ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        return await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection((await GetAsync()).ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
