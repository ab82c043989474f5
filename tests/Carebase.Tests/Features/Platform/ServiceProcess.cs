using System.Diagnostics;
using System.Net.Sockets;
using Carebase.Api.Platform.Data;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The built service run as a separate process (<c>dotnet Carebase.Api.dll</c>), as an operator runs it: Development,
/// its own data folder in the test run's folder (embedded PostgreSQL unless a connection string is given), a free
/// loopback port, the demo off. Collects its output; disposing stops it (and its PostgreSQL) and deletes the folder.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);
    static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(60);

    readonly Process _process;
    readonly List<string> _output = [];
    int _stopRequestedAt = -1;

    public string DataFolder { get; }
    public string Url { get; }
    public HttpClient Http { get; }

    ServiceProcess(Process process, string dataFolder, string url)
    {
        _process = process;
        DataFolder = dataFolder;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Everything the process printed so far (standard output and error, line by line).</summary>
    public IReadOnlyList<string> Output { get { lock (_output) return [.. _output]; } }

    /// <summary>What it printed after it was asked to stop.</summary>
    public IReadOnlyList<string> OutputAfterStop { get { lock (_output) return _stopRequestedAt < 0 ? [] : [.. _output.Skip(_stopRequestedAt)]; } }

    public static ServiceProcess Start(string? dataFolder = null, IDictionary<string, string?>? environment = null, params string[] args)
    {
        dataFolder ??= TestDatabase.NewFolder("service");
        var url = $"http://127.0.0.1:{FreePort()}";
        var env = new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = url };
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) env[k] = v;
        var process = Launch(dataFolder, env, args);
        var service = new ServiceProcess(process, dataFolder, url);
        process.OutputDataReceived += (_, e) => service.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => service.Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Runs the executable to its end (a command, or a start that must fail) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string dataFolder, IDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Launch(dataFolder, environment ?? new Dictionary<string, string?>(), args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(StartDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{string.Join(' ', args)}' did not end within {StartDeadline}: {await stdout} {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Polls /health/ready until it answers <paramref name="status"/> (fails if the process ends first).</summary>
    public async Task WaitForReadyAsync(HttpStatusCode status = HttpStatusCode.OK)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"The service ended ({_process.ExitCode}) before /health/ready answered {(int)status}:\n{string.Join('\n', Output)}");
            try
            {
                using var response = await Http.GetAsync("/health/ready");
                if (response.StatusCode == status) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* a slow answer under load: ask again */ }
            if (deadline.Elapsed > StartDeadline)
                Assert.Fail($"/health/ready did not answer {(int)status} within {StartDeadline}:\n{string.Join('\n', Output)}");
            await Task.Delay(50);
        }
    }

    /// <summary>The process id of the embedded PostgreSQL's postmaster (from its postmaster.pid).</summary>
    public int PostmasterPid() => int.Parse(File.ReadLines(PostmasterPidFile).First());

    public string PostmasterPidFile => Path.Combine(DataFolder, "pg", "data", "postmaster.pid");

    /// <summary>Asks the service to stop as an operator would (SIGTERM, as Ctrl+C or systemd do) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        lock (_output) _stopRequestedAt = _output.Count;
        Assert.True(Signal(_process.Id, "TERM"));
        using var deadline = new CancellationTokenSource(StopDeadline);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The service did not stop within {StopDeadline}:\n{string.Join('\n', Output)}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends a signal (TERM, KILL, …) to a process, as <c>kill</c> does; false if there was no such process.</summary>
    public static bool Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
        })!;
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        // A test that failed half-way: stop the service, or at least its PostgreSQL, so nothing outlives the test.
        if (!_process.HasExited)
        {
            Signal(_process.Id, "TERM");
            using var deadline = new CancellationTokenSource(StopDeadline);
            try { await _process.WaitForExitAsync(deadline.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        if (File.Exists(PostmasterPidFile) && EmbeddedPostgres.ProcessAlive(PostmasterPid())) Signal(PostmasterPid(), "INT");
        _process.Dispose();
        try { Directory.Delete(DataFolder, recursive: true); }
        catch (IOException) { /* a stopping PostgreSQL still writing: the run's folder goes at the end anyway */ }
    }

    void Collect(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        _printed.Writer.TryWrite(line);
    }

    readonly System.Threading.Channels.Channel<string> _printed = System.Threading.Channels.Channel.CreateUnbounded<string>();

    /// <summary>The first line printed (so far or from now on) that <paramref name="match"/> accepts; fails after the start deadline.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var deadline = new CancellationTokenSource(StartDeadline);
        try
        {
            await foreach (var line in _printed.Reader.ReadAllAsync(deadline.Token))
                if (match(line)) return line;
        }
        catch (OperationCanceledException) { /* reported below */ }
        Assert.Fail($"No matching line within {StartDeadline}:\n{string.Join('\n', Output)}");
        return "";
    }

    static Process Launch(string dataFolder, IDictionary<string, string?> environment, string[] args)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            // Beside the built service: its appsettings.json is the content root's.
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Carebase.Api.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var inherited in new[] { "ConnectionStrings__Carebase", "ASPNETCORE_URLS", "DOTNET_ENVIRONMENT" }) start.Environment.Remove(inherited);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Carebase__DataDirectory"] = dataFolder;
        start.Environment["Carebase__DemoMode"] = "false";
        // The requests' access log would bury what the tests read.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in environment) start.Environment[k] = v;
        return Process.Start(start)!;
    }

    static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
