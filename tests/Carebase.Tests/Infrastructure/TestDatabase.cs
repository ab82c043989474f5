using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster per test run, started the same way the service starts its embedded one, in
/// this run's temporary folder (<see cref="RunFolder"/>), which is stopped and deleted when the test process ends.
/// </summary>
public static class TestDatabase
{
    static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);

    /// <summary>This run's temporary folder: the cluster (pg/) and the service data folders of the tests.</summary>
    public static string RunFolder { get; } = Path.Combine(Path.GetTempPath(), "carebase-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public static Task<EmbeddedPostgres> GetAsync() => Cluster.Value;

    /// <summary>A new empty folder in <see cref="RunFolder"/> (deleted with it).</summary>
    public static string NewFolder(string prefix)
    {
        var folder = Path.Combine(RunFolder, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    static async Task<EmbeddedPostgres> StartAsync()
    {
        RemoveLeftovers();
        Directory.CreateDirectory(RunFolder);
        DeleteAfterExit(RunFolder);
        return await StartClusterAsync(RunFolder);
    }

    /// <summary>
    /// When a run ends the test host is killed a moment after its last test (exit handlers get no time to stop a
    /// server and delete hundreds of megabytes), so a small detached shell waits for this process to end, stops
    /// the cluster if it still runs (fast shutdown), and deletes the folder.
    /// </summary>
    static void DeleteAfterExit(string folder)
    {
        var pidFile = Path.Combine(folder, "pg", "data", "postmaster.pid");
        var script = $"""
            trap '' INT HUP TERM
            while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done
            pid=$(head -n 1 '{pidFile}' 2>/dev/null)
            if [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; then
              for i in $(seq 1 30); do [ -e '{pidFile}' ] || break; sleep 1; done
            fi
            rm -rf '{folder}'
            """;
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        // In the background with no terminal streams, so it outlives this process and holds none of its pipes.
        start.ArgumentList.Add($"( {script} ) </dev/null >/dev/null 2>&1 &");
        using var shell = System.Diagnostics.Process.Start(start)!;
        shell.WaitForExit();
    }

    /// <summary>
    /// Runs stopped before their clean-up could finish (a machine reset) leave folders behind: remove those whose
    /// server is not running (and the loose folders of older test runs).
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
            if (File.Exists(pid) && int.TryParse(File.ReadLines(pid).FirstOrDefault(), out var id) && EmbeddedPostgres.ProcessAlive(id)) continue;
            if (dir.LastWriteTimeUtc > recently) continue;
            try { dir.Delete(recursive: true); }
            catch (IOException) { /* another run is using it */ }
            catch (UnauthorizedAccessException) { /* not ours to delete */ }
        }
    }

    /// <summary>A cluster tuned for tests (durability off, small WAL: it is thrown away).</summary>
    public static async Task<EmbeddedPostgres> StartClusterAsync(string root)
    {
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root") File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var pg = EmbeddedPostgres.Create(root, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400",
            "-c max_wal_size=64MB", "-c min_wal_size=32MB");
        await pg.StartAsync("the test run");
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
