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
/// <para>
/// One process owns a data folder at a time (an exclusive lock on <c>carebase.lock</c>, which the
/// operating system releases when that process dies): the owner starts the server, restarts it when it
/// dies (<see cref="EmbeddedPostgresSupervisor"/>) and stops it on exit. A command run beside it uses
/// the running server and leaves it alone; a second server refuses.
/// </para>
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
    // One start or stop at a time: the supervisor's restart and the shutdown's stop must not cross.
    readonly SemaphoreSlim _gate = new(1, 1);
    FileStream? _lock;
    bool _stopRequested;

    public string ConnectionString { get; private set; } = "";
    public int Port { get; private set; }
    public string DataRoot => _root;
    /// <summary>This process owns the folder: it started (or adopted) the server and stops it on exit.</summary>
    public bool OwnsServer => _lock is not null;

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

    /// <summary>
    /// Takes the data folder and starts its server (or adopts one a run that died left behind). When another
    /// process owns the folder: with <paramref name="shareRunning"/>, uses its running server without ever
    /// stopping it; otherwise refuses in one line naming that process. <paramref name="purpose"/> says who is
    /// asking, as a process this one refuses will be told ("the Carebase server").
    /// </summary>
    public async Task StartAsync(string purpose = "a Carebase process", bool shareRunning = false, CancellationToken ct = default)
    {
        Directory.CreateDirectory(_clusterDir);
        _lock = TryLock();
        if (_lock is null)
        {
            var owner = Owner();
            if (!shareRunning)
                throw new EmbeddedPostgresUnavailableException(
                    $"The data folder {_root} is in use by {owner}. Stop that first, or set Carebase__DataDirectory to another folder.");
            Port = RunningPort() ?? throw new EmbeddedPostgresUnavailableException(
                $"The PostgreSQL of the data folder {_root} belongs to {owner} and is not running at this moment. Try again in a few seconds.");
        }
        else
        {
            Describe(purpose);
            _stopRequested = false;
            await InitAsync(ct);
            // A server left running by a run that died is adopted (and stopped on exit like our own).
            if (RunningPort() is int port) Port = port;
            else
            {
                RemoveStalePidFile();
                Port = FreePort();
                await PgCtlStartAsync(ct);
            }
        }

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = Superuser, Password = (await File.ReadAllTextAsync(PasswordFile, ct)).Trim(),
            Database = "postgres", Pooling = false,
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

    /// <summary>What a process refused by this folder is told about its owner ("the Carebase server at http://…").</summary>
    public void Describe(string purpose)
    {
        if (_lock is null) return;
        try { File.WriteAllText(OwnerFile, $"{purpose} (process {Environment.ProcessId})"); }
        catch (IOException) { /* only a description */ }
    }

    /// <summary>
    /// Stops the server if this process owns it, whatever state it is in (running, restarting, already dead),
    /// and leaves it stopped. Throws only when a running server would not stop.
    /// </summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _stopRequested = true;
            if (_lock is null) return;
            NpgsqlConnection.ClearAllPools();
            if (!ServerAlive()) return;
            await RunAsync("pg_ctl", ["stop", "-w", "-t", "60", "-m", "fast", "-D", _dataDir], CancellationToken.None, throwOnError: false);
            if (ServerAlive())
                throw new EmbeddedPostgresUnavailableException($"The embedded PostgreSQL in {_dataDir} did not stop; see {Path.Combine(_clusterDir, "postgres.log")}.");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>) and gives the data folder up.</summary>
    public async Task ReleaseAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_lock is not null)
            {
                try { File.Delete(OwnerFile); } catch (IOException) { /* the next owner rewrites it */ }
                await _lock.DisposeAsync();
                _lock = null;
            }
        }
    }

    /// <summary>Starts the same cluster again on the same port (used to test recovery after an outage).</summary>
    public async Task RestartOnSamePortAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _stopRequested = false;
            await PgCtlStartAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// For the supervisor: when this process owns the server, has not stopped it, and it has died, starts it
    /// again on the same port (PostgreSQL's crash recovery replays its log). Null when it runs (or should not),
    /// else why it could not be started.
    /// </summary>
    public async Task<string?> RecoverAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_lock is null || _stopRequested || ServerAlive()) return null;
            RemoveStalePidFile();
            await PgCtlStartAsync(CancellationToken.None);
            return null;
        }
        catch (EmbeddedPostgresUnavailableException e)
        {
            return e.Message;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether the server's postmaster (named in its postmaster.pid) is alive.</summary>
    public bool ServerAlive()
    {
        string? first;
        try { first = File.ReadLines(PidFile).FirstOrDefault(); }
        catch (IOException) { return false; }
        return int.TryParse(first, out var pid) && ProcessAlive(pid);
    }

    string PasswordFile => Path.Combine(_clusterDir, "password");
    string PidFile => Path.Combine(_dataDir, "postmaster.pid");
    string OwnerFile => Path.Combine(_root, "carebase.owner");

    FileStream? TryLock()
    {
        try
        {
            // FileShare.None is an exclusive lock that other processes honour and the system drops when we die.
            return new FileStream(Path.Combine(_root, "carebase.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    string Owner()
    {
        try { return File.ReadAllText(OwnerFile).Trim() is { Length: > 0 } owner ? owner : "another process"; }
        catch (IOException) { return "another process"; }
    }

    async Task InitAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(_dataDir, "PG_VERSION"))) return;
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
        await File.WriteAllTextAsync(PasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await HandOverAsync(ct);
        await RunAsync("initdb", ["-D", _dataDir, "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8", "--auth=scram-sha-256", "--pwfile", PasswordFile], ct);
    }

    async Task PgCtlStartAsync(CancellationToken ct)
    {
        await HandOverAsync(ct);
        var options = string.Join(' ', new[] { $"-p {Port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''" }.Concat(_serverOptions));
        await RunAsync("pg_ctl", ["start", "-w", "-t", "60", "-D", _dataDir, "-l", Path.Combine(_clusterDir, "postgres.log"), "-o", options], ct);
    }

    /// <summary>The port of a server running on this data folder, if any (line 4 of its postmaster.pid).</summary>
    int? RunningPort()
    {
        if (!ServerAlive()) return null;
        try { return File.ReadLines(PidFile).Skip(3).FirstOrDefault() is { } line && int.TryParse(line, out var port) ? port : null; }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// A killed postmaster that its parent (init, after pg_ctl detached it) has not reaped yet is a zombie whose pid
    /// still passes PostgreSQL's "is the lock file's process alive" test, so PostgreSQL would refuse to start until
    /// it is reaped, which some container inits never do. When nothing is attached to the dead server's shared
    /// memory any more (PostgreSQL's own test for surviving backends), its postmaster.pid is stale: remove it.
    /// </summary>
    void RemoveStalePidFile()
    {
        if (!File.Exists("/proc/sysvipc/shm")) return;
        string[] lines;
        try { lines = File.ReadAllLines(PidFile); }
        catch (IOException) { return; }
        // Line 7 holds the shared memory key and id.
        if (lines.Length < 7 || !int.TryParse(lines[0], out var pid) || ProcessAlive(pid)) return;
        var ids = lines[6].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length < 2) return;
        var segment = File.ReadLines("/proc/sysvipc/shm").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length > 6 && f[1] == ids[1]);
        if (segment is null || segment[6] == "0") File.Delete(PidFile);
    }

    /// <summary>Whether a process runs: a zombie (dead, not yet reaped by its parent) does not.</summary>
    public static bool ProcessAlive(int pid)
    {
        if (Directory.Exists("/proc"))
        {
            try
            {
                // The state follows the parenthesised command name: Z (zombie) and X (dead) are gone.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
            }
            catch (IOException) { return false; }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
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
                $"{Path.GetFileName(file)} {string.Join(' ', args.Take(2))} failed ({process.ExitCode}): {Flat(await stderr)} {Flat(await stdout)}".TrimEnd());
        return process.ExitCode;
    }

    /// <summary>Tool output on one line (an operator reads it in a single log or console line).</summary>
    static string Flat(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

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
