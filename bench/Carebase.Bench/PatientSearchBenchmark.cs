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
    /// <param name="Punctuated">drawn from patients whose surname has a hyphen, an apostrophe or a space</param>
    sealed record Shape(string Name, Func<Random, Sample, (string queryString, PatientQuery query, int page)> Make, bool Punctuated = false);

    static readonly Shape[] Shapes =
    [
        new("typo name", (rng, s) =>
        {
            var q = $"{Typo(rng, s.First)} {Typo(rng, s.Last)}";
            return ($"q={Uri.EscapeDataString(q)}", Query(q: q), 1);
        }),
        new("transposed name", (rng, s) =>
        {
            var q = $"{s.First} {Typo(rng, s.Last)}";
            return ($"q={Uri.EscapeDataString(q)}", Query(q: q), 1);
        }),
        new("hyphenated name", (rng, s) =>
        {
            // As written (Al-Sayed, O'Neill, van der Berg), without the punctuation and spaces, or with spaces for it.
            var last = rng.Next(3) switch
            {
                0 => s.Last,
                1 => new string(s.Last.Where(c => c is not ('-' or '\'' or ' ')).ToArray()),
                _ => s.Last.Replace('-', ' ').Replace('\'', ' '),
            };
            var q = $"{s.First} {last}";
            return ($"q={Uri.EscapeDataString(q)}", Query(q: q), 1);
        }, Punctuated: true),
        new("exact code", (_, s) => ($"q={s.Code}", Query(q: s.Code), 1)),
        new("code fragment", (_, s) =>
        {
            var tail = s.Code[^6..];
            return ($"q={tail}", Query(q: tail), 1);
        }),
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

    /// <summary>What one distribution of names measured.</summary>
    sealed record Run(string Names, PatientFiller.FillReport Fill, NameStats Stats, string LoadBefore, string LoadAfter,
        List<(string shape, Stats api, Stats sql, long avgTotal)> Rows, double ApiRate, double SqlRate,
        List<(string format, long rows, long bytes, double seconds, double rssBefore, double rssPeak)> Exports);

    sealed record NameStats(long Surnames, long GivenNames, double TopSurnameShare, string TopSurname, long DictionaryWords);

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var runs = new List<Run>();
        string server = "";
        foreach (var names in o.Names == "both" ? ["realistic", "narrow"] : new[] { o.Names })
        {
            // Throughput and export do not depend on the names: measured with the first distribution only.
            var (run, version) = await RunOneAsync(o, names, withThroughput: runs.Count == 0);
            runs.Add(run);
            server = version;
        }
        var file = await WriteResultsAsync(o, runs, server);
        Console.WriteLine($"Results: {file}");
        return 0;
    }

    static async Task<(Run, string)> RunOneAsync(BenchOptions o, string names, bool withThroughput)
    {
        Console.WriteLine($"Patient search benchmark ({names} names): {o.Patients:N0} patients, {o.Iterations} iterations per shape, {o.Seconds}s x {o.Concurrency} workers for throughput");
        var dataRoot = Path.Combine(o.DataDirectory, $"patients-{o.Patients}-{names}");
        var pg = EmbeddedPostgres.Create(dataRoot,
            "-c shared_buffers=1GB", "-c effective_cache_size=8GB", "-c work_mem=32MB", "-c random_page_cost=1.1", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            Console.WriteLine("API is up; filling…");
            var fill = await PatientFiller.EnsureAsync(pg.ConnectionString, "tenant_general", o.Patients, Path.Combine(dataRoot, "fill-report.json"), names == "realistic");
            Console.WriteLine(fill.Reused ? $"Reusing {fill.Rows:N0} patients (filled earlier: copy {fill.Copy.TotalSeconds:F1}s, indexes {fill.Indexes.TotalSeconds:F1}s)" : $"Filled {fill.Rows:N0} patients: copy {fill.Copy.TotalSeconds:F1}s, indexes {fill.Indexes.TotalSeconds:F1}s, analyze {fill.Analyze.TotalSeconds:F1}s");

            var sqlSource = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = "tenant_general,public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var nameStats = await NameStatsAsync(sqlSource);
            Console.WriteLine($"{nameStats.Surnames:N0} surnames, {nameStats.GivenNames:N0} given names, commonest surname {nameStats.TopSurname} {nameStats.TopSurnameShare:P2}, {nameStats.DictionaryWords:N0} dictionary words");
            var samples = await SamplesAsync(sqlSource, punctuated: false);
            var punctuated = await SamplesAsync(sqlSource, punctuated: true);
            var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "reception@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["accessToken"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var loadBefore = Load();
            var rows = new List<(string shape, Stats api, Stats sql, long avgTotal)>();
            foreach (var shape in Shapes)
            {
                var pool = shape.Punctuated ? punctuated : samples;
                if (pool.Count == 0) { Console.WriteLine($"{shape.Name}: no patient fits, skipped"); continue; }
                var rng = new Random(shape.Name.Length * 7919);
                var apiTimes = new List<double>();
                var sqlTimes = new List<double>();
                long totals = 0;
                for (var i = -20; i < o.Iterations; i++)
                {
                    var (qs, query, page) = shape.Make(rng, pool[rng.Next(pool.Count)]);
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
            var loadAfter = Load();

            double apiRate = 0, sqlRate = 0;
            var exports = new List<(string format, long rows, long bytes, double seconds, double rssBefore, double rssPeak)>();
            if (withThroughput)
            {
                var ids = samples.Select(s => s.Id).ToArray();
                apiRate = await ThroughputAsync(o, async (rng) =>
                {
                    using var r = await http.GetAsync($"/api/v1/patients/{ids[rng.Next(ids.Length)]}");
                    if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"GET by id: {(int)r.StatusCode}");
                    await r.Content.ReadAsByteArrayAsync();
                });
                sqlRate = await ThroughputAsync(o, async (rng) =>
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
            }
            return (new Run(names, fill, nameStats, loadBefore, loadAfter, rows, apiRate, sqlRate, exports), await ServerVersionAsync(pg));
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    /// <summary>The load average (1, 5, 15 minutes): other work on the shared machine shows here.</summary>
    static string Load() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    static async Task<NameStats> NameStatsAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("""
            SELECT (SELECT count(DISTINCT last_name) FROM patients), (SELECT count(DISTINCT first_name) FROM patients),
                   t.n::float8 / (SELECT count(*) FROM patients), t.last_name, (SELECT count(*) FROM patient_name_words)
            FROM (SELECT last_name, count(*) n FROM patients GROUP BY last_name ORDER BY 2 DESC LIMIT 1) t
            """);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new NameStats(r.GetInt64(0), r.GetInt64(1), r.GetDouble(2), r.GetString(3), r.GetInt64(4));
    }

    static async Task<List<Sample>> SamplesAsync(NpgsqlDataSource db, bool punctuated)
    {
        var list = new List<Sample>();
        await using var cmd = db.CreateCommand(punctuated
            ? "SELECT id, patient_code, first_name, last_name, phone_digits FROM patients TABLESAMPLE SYSTEM (5) REPEATABLE (42) WHERE deleted_at IS NULL AND last_name ~ '[-'' ]' LIMIT 2000"
            : "SELECT id, patient_code, first_name, last_name, phone_digits FROM patients TABLESAMPLE SYSTEM (1) REPEATABLE (42) WHERE deleted_at IS NULL LIMIT 5000");
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

    static async Task<string> WriteResultsAsync(BenchOptions o, List<Run> runs, string server)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# Patient search at {o.Patients:N0} patients").AppendLine();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --patients {o.Patients} --names {o.Names} --iterations {o.Iterations} --seconds {o.Seconds} --concurrency {o.Concurrency}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine($"- {Environment.ProcessorCount} cores ({Cpu()}), {Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- .NET {Environment.Version}, {server}; shared_buffers=1GB, work_mem=32MB, random_page_cost=1.1");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.");
        md.AppendLine("- The machine is shared: the load average (1 / 5 / 15 min) before and after each distribution's searches is given with it.").AppendLine();
        md.AppendLine("## Names").AppendLine();
        md.AppendLine("- **realistic**: thousands of surnames and given names of many cultures (hyphenated, apostrophe and multi-word ones among them), drawn with a Zipf-like frequency (rank r weighs 1/(r + q), the commonest surname about 1% of people).");
        md.AppendLine("- **narrow**: the demo's 10 cultures and their few dozen surnames (about 18,000 people share each on average): the worst case for a name search, kept for comparison.").AppendLine();
        md.AppendLine("| names | distinct surnames | distinct given names | commonest surname | name dictionary words |").AppendLine("|---|---:|---:|---|---:|");
        foreach (var r in runs)
            md.AppendLine(string.Create(inv, $"| {r.Names} | {r.Stats.Surnames:N0} | {r.Stats.GivenNames:N0} | {r.Stats.TopSurname} ({r.Stats.TopSurnameShare:P2}) | {r.Stats.DictionaryWords:N0} |"));
        md.AppendLine().AppendLine("## Fill").AppendLine();
        foreach (var r in runs)
        {
            var fill = r.Fill;
            md.AppendLine($"- {r.Names}: " + (fill.Reused && fill.Copy == TimeSpan.Zero
                ? $"reused an existing fill of {fill.Rows:N0} patients (its timings were not recorded)."
                : $"{(fill.Reused ? "reused the data folder's earlier fill of " : "")}{fill.Rows:N0} patients: binary COPY {fill.Copy.TotalSeconds.ToString("F1", inv)} s, index builds and name dictionary {fill.Indexes.TotalSeconds.ToString("F1", inv)} s, VACUUM ANALYZE {fill.Analyze.TotalSeconds.ToString("F1", inv)} s (total {(fill.Copy + fill.Indexes + fill.Analyze).TotalSeconds.ToString("F1", inv)} s)."));
        }
        foreach (var r in runs)
        {
            md.AppendLine().AppendLine($"## Search latency (ms), {r.Names} names: each shape through the API and as the same SQL on PostgreSQL").AppendLine();
            md.AppendLine($"{o.Iterations} requests per shape after 20 warm-up requests, one at a time; page size 50; the API answer includes the total and writes an audit entry. Load average before {r.LoadBefore}, after {r.LoadAfter}.").AppendLine();
            md.AppendLine("| shape | API p50 | API p95 | API p99 | SQL p50 | SQL p95 | SQL p99 | API/SQL p50 | API/SQL p95 | matches (avg total) | API p95 < 25 ms |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
            foreach (var (shape, a, s, total) in r.Rows)
                md.AppendLine(string.Create(inv, $"| {shape} | {a.P50:F2} | {a.P95:F2} | {a.P99:F2} | {s.P50:F2} | {s.P95:F2} | {s.P99:F2} | {a.P50 / s.P50:F2} | {a.P95 / s.P95:F2} | {total:N0} | {(a.P95 < 25 ? "yes" : "**no**")} |"));
        }
        md.AppendLine().AppendLine("Shapes: *typo name* swaps two letters in both the given name and the surname; *transposed name* is the given name as written and one swap in the surname; *hyphenated name* is a patient whose surname has a hyphen, an apostrophe or a space, typed as written, without them, or with spaces for them; *code fragment* is the last six digits of a patient code (also read as a phone fragment); *name + filters* is an exact surname with sex and age 18–65.");
        var first = runs[0];
        md.AppendLine().AppendLine($"## GET by id throughput ({first.Names} names)").AppendLine();
        md.AppendLine($"{o.Concurrency} concurrent workers for {o.Seconds} s each, random ids from a 5,000-row sample.").AppendLine();
        md.AppendLine("| | operations/s |").AppendLine("|---|---:|");
        md.AppendLine(string.Create(inv, $"| `GET /api/v1/patients/{{id}}` (HTTP, auth, audit entry, JSON) | {first.ApiRate:F0} |"));
        md.AppendLine(string.Create(inv, $"| `SELECT … WHERE id = $1` on the same pool size | {first.SqlRate:F0} |"));
        md.AppendLine(string.Create(inv, $"| ratio API / SQL | {first.ApiRate / first.SqlRate:F2} (target ≥ 0.50: {(first.ApiRate / first.SqlRate >= 0.5 ? "met" : "**not met**")}) |"));
        md.AppendLine().AppendLine($"## Export (streamed, {first.Names} names)").AppendLine();
        md.AppendLine("`GET /api/v1/patients/export?bloodType=O_POSITIVE` read to the end; resident memory of the API process before the request and its peak (VmHWM, which includes everything before) after it.").AppendLine();
        md.AppendLine("| format | rows | size | time | API RSS before | API RSS peak |").AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var e in first.Exports)
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
