using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

public static class PatientSearchBenchmark
{
    sealed record Sample(Guid Id, string Code, string First, string Last, string? PhoneDigits);

    /// <summary>A search shape: the query string the client sends and the same query as the API parses it.</summary>
    sealed record Shape(string Name, Func<Random, Sample, (string queryString, PatientQuery query, int page)> Make);

    static readonly Shape[] Shapes =
    [
        new("typo name", (rng, s) =>
        {
            var q = $"{Typo(rng, s.First)} {Typo(rng, s.Last)}";
            return ($"q={Uri.EscapeDataString(q)}", Query(q: q), 1);
        }),
        new("exact code", (_, s) => ($"q={s.Code}", Query(q: s.Code), 1)),
        new("phone fragment", (rng, s) =>
        {
            var d = s.PhoneDigits ?? "5550100";
            var frag = d.Substring(Math.Max(0, d.Length - 7), Math.Min(7, d.Length));
            return ($"q={frag}", Query(q: frag), 1);
        }),
        new("filters only", (rng, _) =>
        {
            var (gender, blood, min) = (rng.Next(2) == 0 ? "FEMALE" : "MALE", rng.Next(2) == 0 ? "O_NEGATIVE" : "AB_POSITIVE", rng.Next(0, 80));
            return ($"gender={gender}&bloodType={blood}&ageMin={min}&ageMax={min + 10}", Query(gender: gender, blood: blood, min: min, max: min + 10), 1);
        }),
        new("name + filters", (rng, s) =>
        {
            var gender = rng.Next(2) == 0 ? "FEMALE" : "MALE";
            return ($"q={Uri.EscapeDataString(s.Last)}&gender={gender}&ageMin=18&ageMax=65", Query(q: s.Last, gender: gender, min: 18, max: 65), 1);
        }),
        new("page 50 of a broad filter", (rng, _) =>
        {
            var gender = rng.Next(2) == 0 ? "FEMALE" : "MALE";
            return ($"gender={gender}&page=50", Query(gender: gender), 50);
        }),
    ];

    static PatientQuery Query(string? q = null, string? gender = null, string? blood = null, int? min = null, int? max = null) =>
        new(q, gender, min, max, blood, null, null, null, null, null, false, null);

    static string Typo(Random rng, string word)
    {
        if (word.Length < 4) return word;
        var i = rng.Next(1, word.Length - 2);
        var c = word.ToCharArray();
        (c[i], c[i + 1]) = (c[i + 1], c[i]);
        return new string(c);
    }

    public static async Task<int> RunAsync(BenchOptions o)
    {
        Console.WriteLine($"Patient search benchmark: {o.Patients:N0} patients, {o.Iterations} iterations per shape, {o.Seconds}s x {o.Concurrency} workers for throughput");
        var dataRoot = Path.Combine(o.DataDirectory, $"patients-{o.Patients}");
        var pg = EmbeddedPostgres.Create(dataRoot,
            "-c shared_buffers=1GB", "-c effective_cache_size=8GB", "-c work_mem=32MB", "-c random_page_cost=1.1", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            Console.WriteLine("API is up; filling…");
            var fill = await PatientFiller.EnsureAsync(pg.ConnectionString, "tenant_general", o.Patients, Path.Combine(dataRoot, "fill-report.json"));
            Console.WriteLine(fill.Reused ? $"Reusing {fill.Rows:N0} patients (filled earlier: copy {fill.Copy.TotalSeconds:F1}s, indexes {fill.Indexes.TotalSeconds:F1}s)" : $"Filled {fill.Rows:N0} patients: copy {fill.Copy.TotalSeconds:F1}s, indexes {fill.Indexes.TotalSeconds:F1}s, analyze {fill.Analyze.TotalSeconds:F1}s");

            var sqlSource = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = "tenant_general,public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var samples = await SamplesAsync(sqlSource);
            var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "reception@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["accessToken"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var rows = new List<(string shape, Stats api, Stats sql, long avgTotal)>();
            foreach (var shape in Shapes)
            {
                var rng = new Random(shape.Name.Length * 7919);
                var apiTimes = new List<double>();
                var sqlTimes = new List<double>();
                long totals = 0;
                for (var i = -20; i < o.Iterations; i++)
                {
                    var (qs, query, page) = shape.Make(rng, samples[rng.Next(samples.Count)]);
                    var sw = Stopwatch.StartNew();
                    var response = await http.GetAsync($"/api/v1/patients?{qs}");
                    var body = await response.Content.ReadAsStringAsync();
                    sw.Stop();
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{shape.Name}: {(int)response.StatusCode} {body}");
                    if (i >= 0) apiTimes.Add(sw.Elapsed.TotalMilliseconds);

                    await using var conn = await sqlSource.OpenConnectionAsync();
                    sw.Restart();
                    var result = await PatientSearch.PageAsync(conn, query, today, null, page, 50, CancellationToken.None);
                    sw.Stop();
                    if (i >= 0) { sqlTimes.Add(sw.Elapsed.TotalMilliseconds); totals += result.Total; }
                }
                var row = (shape.Name, Stats.Of(apiTimes), Stats.Of(sqlTimes), totals / o.Iterations);
                rows.Add(row);
                Console.WriteLine($"{shape.Name,-26} API p50 {row.Item2.P50,7:F2} p95 {row.Item2.P95,7:F2} p99 {row.Item2.P99,7:F2} | SQL p50 {row.Item3.P50,7:F2} p95 {row.Item3.P95,7:F2} p99 {row.Item3.P99,7:F2} ms | avg total {row.Item4:N0}");
            }

            var ids = samples.Select(s => s.Id).ToArray();
            var apiRate = await ThroughputAsync(o, async (rng) =>
            {
                using var r = await http.GetAsync($"/api/v1/patients/{ids[rng.Next(ids.Length)]}");
                if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"GET by id: {(int)r.StatusCode}");
                await r.Content.ReadAsByteArrayAsync();
            });
            var sqlRate = await ThroughputAsync(o, async (rng) =>
            {
                await using var conn = await sqlSource.OpenConnectionAsync();
                await using var cmd = new NpgsqlCommand($"SELECT {PatientSearch.Columns} FROM patients p WHERE p.id = $1", conn);
                cmd.Parameters.AddWithValue(ids[rng.Next(ids.Length)]);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync()) { }
            });
            Console.WriteLine($"GET by id: API {apiRate:F0}/s, SELECT by primary key {sqlRate:F0}/s, ratio {apiRate / sqlRate:F2}");

            // Export: a filter of about 100k+ rows, streamed; the API process's resident memory before and at peak.
            // Exporting needs patients:export, which the hospital admin holds.
            var adminLogin = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "admin@general.demo", password = "Carebase!Demo2026" });
            adminLogin.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await adminLogin.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["accessToken"]!.GetValue<string>());
            var exports = new List<(string format, long rows, long bytes, double seconds, double rssBefore, double rssPeak)>();
            foreach (var format in new[] { "csv", "xlsx" })
            {
                var (before, _) = api.Memory();
                var sw = Stopwatch.StartNew();
                using var response = await http.GetAsync($"/api/v1/patients/export?format={format}&bloodType=O_POSITIVE", HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[81920];
                long bytes = 0, lines = 0;
                for (int n; (n = await body.ReadAsync(buffer)) > 0;)
                {
                    bytes += n;
                    if (format == "csv") lines += buffer.AsSpan(0, n).Count((byte)'\n');
                }
                sw.Stop();
                var (_, peak) = api.Memory();
                exports.Add((format, format == "csv" ? lines - 1 : -1, bytes, sw.Elapsed.TotalSeconds, before, peak));
                Console.WriteLine($"export {format}: {bytes / 1024 / 1024} MiB in {sw.Elapsed.TotalSeconds:F1}s, API RSS {before:F0} → peak {peak:F0} MiB");
            }

            var file = await WriteResultsAsync(o, fill, rows, apiRate, sqlRate, exports, pg);
            Console.WriteLine($"Results: {file}");
            return 0;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    static async Task<List<Sample>> SamplesAsync(NpgsqlDataSource db)
    {
        var list = new List<Sample>();
        await using var cmd = db.CreateCommand(
            "SELECT id, patient_code, first_name, last_name, phone_digits FROM patients TABLESAMPLE SYSTEM (1) REPEATABLE (42) WHERE deleted_at IS NULL LIMIT 5000");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new Sample(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
        return list;
    }

    /// <summary>Operations per second with N workers running <paramref name="op"/> for the configured time.</summary>
    internal static async Task<double> ThroughputAsync(BenchOptions o, Func<Random, Task> op)
    {
        // Warm up.
        var warm = new Random(1);
        for (var i = 0; i < 200; i++) await op(warm);
        long done = 0;
        var deadline = Stopwatch.StartNew();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(w => Task.Run(async () =>
        {
            var rng = new Random(w);
            while (deadline.Elapsed.TotalSeconds < o.Seconds)
            {
                await op(rng);
                Interlocked.Increment(ref done);
            }
        })));
        return done / sw.Elapsed.TotalSeconds;
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, PatientFiller.FillReport fill,
        List<(string shape, Stats api, Stats sql, long avgTotal)> rows, double apiRate, double sqlRate,
        List<(string format, long rows, long bytes, double seconds, double rssBefore, double rssPeak)> exports, EmbeddedPostgres pg)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# Patient search at {fill.Rows:N0} patients").AppendLine();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --patients {o.Patients} --iterations {o.Iterations} --seconds {o.Seconds} --concurrency {o.Concurrency}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine($"- {Environment.ProcessorCount} cores ({Cpu()}), {Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- .NET {Environment.Version}, {await ServerVersionAsync(pg)}; shared_buffers=1GB, work_mem=32MB, random_page_cost=1.1");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.").AppendLine();
        md.AppendLine("## Fill").AppendLine();
        md.AppendLine(fill.Reused && fill.Copy == TimeSpan.Zero
            ? $"Reused an existing fill of {fill.Rows:N0} patients (its timings were not recorded)."
            : $"{(fill.Reused ? "Reused the data folder's earlier fill of " : "")}{fill.Rows:N0} patients: binary COPY {fill.Copy.TotalSeconds.ToString("F1", inv)} s, index builds {fill.Indexes.TotalSeconds.ToString("F1", inv)} s, VACUUM ANALYZE {fill.Analyze.TotalSeconds.ToString("F1", inv)} s (total {(fill.Copy + fill.Indexes + fill.Analyze).TotalSeconds.ToString("F1", inv)} s).");
        md.AppendLine().AppendLine("## Search latency (ms), each shape through the API and as the same SQL on PostgreSQL").AppendLine();
        md.AppendLine($"{o.Iterations} requests per shape after 20 warm-up requests, one at a time; page size 50; the API answer includes the total and writes an audit entry.").AppendLine();
        md.AppendLine("| shape | API p50 | API p95 | API p99 | SQL p50 | SQL p95 | SQL p99 | API/SQL p50 | API/SQL p95 | matches (avg total) | API p95 < 25 ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var (shape, a, s, total) in rows)
            md.AppendLine(string.Create(inv, $"| {shape} | {a.P50:F2} | {a.P95:F2} | {a.P99:F2} | {s.P50:F2} | {s.P95:F2} | {s.P99:F2} | {a.P50 / s.P50:F2} | {a.P95 / s.P95:F2} | {total:N0} | {(a.P95 < 25 ? "yes" : "**no**")} |"));
        md.AppendLine().AppendLine("## GET by id throughput").AppendLine();
        md.AppendLine($"{o.Concurrency} concurrent workers for {o.Seconds} s each, random ids from a 5,000-row sample.").AppendLine();
        md.AppendLine("| | operations/s |").AppendLine("|---|---:|");
        md.AppendLine(string.Create(inv, $"| `GET /api/v1/patients/{{id}}` (HTTP, auth, audit entry, JSON) | {apiRate:F0} |"));
        md.AppendLine(string.Create(inv, $"| `SELECT … WHERE id = $1` on the same pool size | {sqlRate:F0} |"));
        md.AppendLine(string.Create(inv, $"| ratio API / SQL | {apiRate / sqlRate:F2} (target ≥ 0.50: {(apiRate / sqlRate >= 0.5 ? "met" : "**not met**")}) |"));
        md.AppendLine().AppendLine("## Export (streamed)").AppendLine();
        md.AppendLine("`GET /api/v1/patients/export?bloodType=O_POSITIVE` read to the end; resident memory of the API process before the request and its peak (VmHWM, which includes everything before) after it.").AppendLine();
        md.AppendLine("| format | rows | size | time | API RSS before | API RSS peak |").AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var e in exports)
            md.AppendLine(string.Create(inv, $"| {e.format} | {(e.rows >= 0 ? e.rows.ToString("N0", inv) : "same filter")} | {e.bytes / 1024.0 / 1024:F1} MiB | {e.seconds:F1} s | {e.rssBefore:F0} MiB | {e.rssPeak:F0} MiB |"));
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, $"patients-search-{(o.Patients >= 1_000_000 ? $"{o.Patients / 1_000_000}m" : $"{o.Patients / 1000}k")}.md");
        await File.WriteAllTextAsync(file, md.ToString());
        return file;
    }

    internal static string Cpu() => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

    internal static string Memory() => File.Exists("/proc/meminfo")
        ? $"{long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024 / 1024} GiB"
        : "unknown";

    internal static async Task<string> ServerVersionAsync(EmbeddedPostgres pg)
    {
        await using var conn = new NpgsqlConnection(pg.ConnectionString);
        await conn.OpenAsync();
        return "PostgreSQL " + conn.PostgreSqlVersion;
    }
}

public sealed record Stats(double P50, double P95, double P99)
{
    public static Stats Of(List<double> values)
    {
        values.Sort();
        double At(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
        return new Stats(At(0.50), At(0.95), At(0.99));
    }
}
