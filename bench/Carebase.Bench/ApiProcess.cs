using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Carebase.Bench;

/// <summary>The service as a separate process on a real loopback port, built in the same configuration as the benchmark.</summary>
public sealed class ApiProcess : IAsyncDisposable
{
    readonly Process _process;
    public Uri BaseAddress { get; }

    /// <summary>Resident memory now and at its peak (VmRSS, VmHWM), in MiB.</summary>
    public (double now, double peak) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Kb(string key) => double.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return (Kb("VmRSS:"), Kb("VmHWM:"));
    }

    ApiProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    /// <param name="connectionString">The database the service uses.</param>
    /// <param name="apiDirectory">A folder holding another build of Carebase.Api.dll (a baseline to compare with); default: this benchmark's own.</param>
    /// <param name="settings">More environment settings for the service (Carebase__X__Y style).</param>
    public static async Task<ApiProcess> StartAsync(string connectionString, string? apiDirectory = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        apiDirectory ??= AppContext.BaseDirectory;
        var dll = Path.Combine(apiDirectory, "Carebase.Api.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = apiDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        psi.Environment["ConnectionStrings__Carebase"] = connectionString;
        psi.Environment["Carebase__DataProtection__MasterKey"] = "q83vEjE5y1P1qtKNPr8s0qS1yhRz1R8mKpW1nJpBcyM=";
        psi.Environment["Carebase__DemoMode"] = "true";
        psi.Environment["Carebase__DataDirectory"] = Path.Combine(Path.GetTempPath(), "carebase-bench-api");
        psi.Environment["Carebase__RateLimits__GeneralPerMinute"] = "100000000";
        psi.Environment["Carebase__RateLimits__AuthPerIpPerMinute"] = "100000";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("api: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited) throw new InvalidOperationException($"The API exited with code {process.ExitCode}.");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return api;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            // A separate process: nothing to await but its health endpoint, so poll it.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
        throw new TimeoutException("The API did not become ready within 3 minutes.");
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
