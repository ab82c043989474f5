using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// A private PostgreSQL cluster run from the machine's PostgreSQL binaries: initdb on first use,
/// pg_ctl start on a free loopback port, pg_ctl stop on shutdown. As root the server runs as the
/// unprivileged <c>postgres</c> user, as PostgreSQL requires. Used by the service when no
/// connection string is configured, and by the test run for its throwaway cluster.
/// </summary>
public sealed class EmbeddedPostgres
{
    const string ServiceUser = "postgres";
    const string Superuser = "carebase";
    public const string InstallHint =
        "PostgreSQL binaries (initdb, pg_ctl) were not found. Install them (Debian/Ubuntu: `sudo apt-get install postgresql`, macOS: `brew install postgresql@16`) or set CAREBASE_PG_BIN to their folder, or set ConnectionStrings__Carebase to use an existing server.";

    readonly string _root;
    readonly string _clusterDir;
    readonly string _dataDir;
    readonly string _binDir;
    readonly bool _asRoot;
    readonly IReadOnlyList<string> _serverOptions;
    bool _startedHere;

    public string ConnectionString { get; private set; } = "";
    public int Port { get; private set; }
    public string DataRoot => _root;

    EmbeddedPostgres(string root, string binDir, IReadOnlyList<string> serverOptions)
    {
        _root = Path.GetFullPath(root);
        _clusterDir = Path.Combine(_root, "pg");
        _dataDir = Path.Combine(_clusterDir, "data");
        _binDir = binDir;
        // Environment.UserName resolves the effective uid through the password database.
        _asRoot = OperatingSystem.IsLinux() && Environment.UserName == "root";
        _serverOptions = serverOptions;
    }

    /// <summary>Finds the binaries or explains in one line how to install them.</summary>
    public static EmbeddedPostgres Create(string root, params string[] serverOptions)
    {
        var bin = FindBinDir() ?? throw new EmbeddedPostgresUnavailableException(InstallHint);
        return new EmbeddedPostgres(root, bin, serverOptions);
    }

    public static string? FindBinDir()
    {
        static bool Has(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
        var configured = Environment.GetEnvironmentVariable("CAREBASE_PG_BIN");
        if (!string.IsNullOrEmpty(configured)) return Has(configured) ? configured : null;
        // Debian keeps the real binaries under /usr/lib/postgresql/<major>/bin; prefer the newest.
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (dir: Path.Combine(d, "bin"), major: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .OrderByDescending(x => x.major).Select(x => x.dir)
            : [];
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] others = ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin", "/usr/pgsql-16/bin", "/usr/pgsql-15/bin"];
        return debian.Concat(path).Concat(others).FirstOrDefault(Has);
    }

    public async Task StartAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(_clusterDir);
        var passwordFile = Path.Combine(_clusterDir, "password");
        if (!File.Exists(Path.Combine(_dataDir, "PG_VERSION")))
        {
            if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await HandOverAsync(ct);
            await RunAsync("initdb", ["-D", _dataDir, "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8", "--auth=scram-sha-256", "--pwfile", passwordFile], ct);
        }
        var password = (await File.ReadAllTextAsync(passwordFile, ct)).Trim();

        var running = await RunningPortAsync(ct);
        if (running is int port)
        {
            // Left running by a run that did not shut down cleanly: adopt it, and stop it on exit.
            Port = port;
            _startedHere = true;
        }
        else
        {
            Port = FreePort();
            await HandOverAsync(ct);
            var options = string.Join(' ', new[] { $"-p {Port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''" }.Concat(_serverOptions));
            await RunAsync("pg_ctl", ["start", "-w", "-t", "60", "-D", _dataDir, "-l", Path.Combine(_clusterDir, "postgres.log"), "-o", options], ct);
            _startedHere = true;
        }

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = Superuser, Password = password, Database = "postgres", Pooling = false,
        };
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync(ct);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = 'carebase'", conn);
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                await using var create = new NpgsqlCommand("CREATE DATABASE carebase", conn);
                await create.ExecuteNonQueryAsync(ct);
            }
        }
        admin.Database = "carebase";
        admin.Pooling = true;
        ConnectionString = admin.ConnectionString;
    }

    /// <summary>Stops the server (if this process started or adopted it).</summary>
    public async Task StopAsync()
    {
        if (!_startedHere) return;
        _startedHere = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_ctl", ["stop", "-w", "-m", "fast", "-D", _dataDir], CancellationToken.None);
    }

    /// <summary>Starts the same cluster again on the same port (used to test recovery after an outage).</summary>
    public async Task RestartOnSamePortAsync(CancellationToken ct = default)
    {
        var options = string.Join(' ', new[] { $"-p {Port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''" }.Concat(_serverOptions));
        await RunAsync("pg_ctl", ["start", "-w", "-t", "60", "-D", _dataDir, "-l", Path.Combine(_clusterDir, "postgres.log"), "-o", options], ct);
        _startedHere = true;
    }

    /// <summary>The port of a server already running on this data folder, if any.</summary>
    async Task<int?> RunningPortAsync(CancellationToken ct)
    {
        var pidFile = Path.Combine(_dataDir, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var status = await RunAsync("pg_ctl", ["status", "-D", _dataDir], ct, throwOnError: false);
        if (status != 0) return null;
        var lines = await File.ReadAllLinesAsync(pidFile, ct);
        return lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : null;
    }

    /// <summary>As root, the cluster folder belongs to the postgres user and must be reachable by it.</summary>
    async Task HandOverAsync(CancellationToken ct)
    {
        if (!_asRoot) return;
        await RunProcessAsync("chown", ["-R", $"{ServiceUser}:", _clusterDir], ct);
        for (var dir = Path.GetDirectoryName(_clusterDir); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (await RunProcessAsync("runuser", ["-u", ServiceUser, "--", "test", "-x", dir], ct, throwOnError: false) != 0)
                throw new EmbeddedPostgresUnavailableException(
                    $"PostgreSQL runs as the '{ServiceUser}' user, which cannot enter {dir}. Move the data folder (Carebase__DataDirectory) somewhere it can reach, or set ConnectionStrings__Carebase.");
        }
    }

    Task<int> RunAsync(string tool, string[] args, CancellationToken ct, bool throwOnError = true)
    {
        var exe = Path.Combine(_binDir, tool);
        return _asRoot
            ? RunProcessAsync("runuser", ["-u", ServiceUser, "--", exe, .. args], ct, throwOnError)
            : RunProcessAsync(exe, args, ct, throwOnError);
    }

    static async Task<int> RunProcessAsync(string file, string[] args, CancellationToken ct, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(psi) ?? throw new EmbeddedPostgresUnavailableException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 && throwOnError)
            throw new EmbeddedPostgresUnavailableException(
                $"{Path.GetFileName(file)} {string.Join(' ', args.Take(2))} failed ({process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
        return process.ExitCode;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Start-up cannot go on; the message is the one line the operator needs (no stack trace).</summary>
public class StartupException(string message) : Exception(message);

public sealed class EmbeddedPostgresUnavailableException(string message) : StartupException(message);
