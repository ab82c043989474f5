using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Carebase.Tests.Features.Platform;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// Database round trips per request for the main routes, counted on the wire by <see cref="RoundTripProxy"/>
/// between the API process and PostgreSQL; with <c>--baseline</c>, the same routes through another build of the
/// API (the code before a change) on a database of its own, side by side. Then GET-by-id throughput through the
/// API (no relay) against the same SQL work done raw: the SELECT by key plus the audit entry's batch.
/// </summary>
public static class RoundTripBenchmark
{
    const int Warmup = 3;
    const int Measured = 15;

    /// <summary>A route to count; <paramref name="Prepare"/> runs before each counted call and is not counted.</summary>
    sealed record Route(string Name, Func<HttpClient, int, Task<HttpResponseMessage>> Call, Func<HttpClient, Task>? Prepare = null);

    sealed record Counts(string Build, Dictionary<string, (long median, long min, long max)> PerRoute);

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        var baseline = args.SkipWhile(a => a != "--baseline").Skip(1).FirstOrDefault();
        Console.WriteLine($"Round-trip benchmark{(baseline is null ? "" : " with a baseline build")}: {Measured} requests per route, then {o.Seconds}s x {o.Concurrency} workers of GET by id");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "roundtrips"), "-c shared_buffers=256MB", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            var after = await CountAsync(pg, "after", null);
            var before = baseline is null ? null : await CountAsync(pg, "before", baseline);

            var (afterDb, _) = await FreshDatabaseAsync(pg, "rt_rate");
            var (apiRate, rawRate, selectRate) = await ThroughputAsync(o, afterDb, null, raw: true);
            double? baselineRate = null;
            if (baseline is not null)
            {
                var (beforeDb, _) = await FreshDatabaseAsync(pg, "rt_rate_before");
                baselineRate = (await ThroughputAsync(o, beforeDb, baseline, raw: false)).api;
            }
            var file = await WriteResultsAsync(o, pg, baseline is not null, before, after, apiRate, rawRate, selectRate, baselineRate);
            Console.WriteLine($"Results: {file}");
            return 0;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    /// <summary>A new database in the benchmark's cluster, so each build migrates and seeds its own.</summary>
    static async Task<(string connectionString, string name)> FreshDatabaseAsync(EmbeddedPostgres pg, string prefix)
    {
        var name = $"{prefix}_{DateTime.UtcNow:HHmmss}_{Random.Shared.Next(1000):D3}";
        await using (var conn = new NpgsqlConnection(pg.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return (new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = name }.ConnectionString, name);
    }

    static async Task<Counts> CountAsync(EmbeddedPostgres pg, string build, string? apiDirectory)
    {
        Console.WriteLine($"Counting round trips ({build})…");
        var (cs, _) = await FreshDatabaseAsync(pg, "rt_" + build);
        await using var proxy = RoundTripProxy.Start(cs);
        // No outbox polling in the count: it is nobody's request.
        await using var api = await ApiProcess.StartAsync(proxy.ConnectionString, apiDirectory,
            new Dictionary<string, string> { ["Carebase__Messaging__DispatcherEnabled"] = "false" });
        using var http = await SignedInAsync(api.BaseAddress);

        var run = Guid.NewGuid().ToString("N")[..8];
        var doctor = await BookingBenchmark.CreateDoctorAsync(http, run, 0);
        var perRoute = Warmup + Measured;
        var patients = await BookingBenchmark.ParallelAsync(Enumerable.Range(0, 3 * perRoute), 4, i => BookingBenchmark.CreatePatientAsync(http, run, i));
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York"); // the general demo hospital's
        var day0 = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).AddDays(40);
        var from = Uri.EscapeDataString(day0.ToString("yyyy-MM-dd"));
        var etags = new Dictionary<Guid, string>();

        Route[] routes =
        [
            new("GET /patients/{id}", (h, i) => h.GetAsync($"/api/v1/patients/{patients[i]}")),
            new("GET /patients?q= (name)", (h, i) => h.GetAsync($"/api/v1/patients?q=Patient{i:D4}")),
            new("GET /appointments?when=today", (h, _) => h.GetAsync("/api/v1/appointments?when=today")),
            new("GET /doctors/{id}/available-slots (1 day)", (h, _) => h.GetAsync($"/api/v1/doctors/{doctor}/available-slots?from={from}&to={from}")),
            new("GET /roles", (h, _) => h.GetAsync("/api/v1/roles")),
            new("POST /patients", (h, i) => h.PostAsJsonAsync("/api/v1/patients", new
            {
                firstName = $"Trip{run}", lastName = $"New{i:D4}", dateOfBirth = "1981-02-03", gender = "MALE",
                phone = $"+1 555 9{i:D6}", nationalId = $"RT-{run}-{i}", allowDuplicate = true, duplicateReason = "benchmark",
            })),
            new("PATCH /patients/{id}", (h, i) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/patients/{patients[perRoute + i]}") { Content = JsonContent.Create(new { city = $"City {i}" }) };
                request.Headers.TryAddWithoutValidation("If-Match", etags[patients[perRoute + i]]);
                return h.SendAsync(request);
            }),
            new("POST /appointments", (h, i) => h.PostAsJsonAsync("/api/v1/appointments", new
            {
                patientId = patients[i], doctorId = doctor, reason = "Benchmark",
                startsAt = SlotCalculator.Instant(zone, day0.ToDateTime(new TimeOnly(8, 0)).AddMinutes(15 * i)),
            })),
            new("POST /queue/walk-in", (h, i) => h.PostAsJsonAsync("/api/v1/queue/walk-in", new { patientId = patients[2 * perRoute + i], doctorId = doctor })),
            new("GET /queue?doctorId=", (h, _) => h.GetAsync($"/api/v1/queue?doctorId={doctor}")),
            // A doctor sees one patient at a time: the one being served is served first (not counted), as a doctor would.
            new("POST /queue/next", (h, _) => h.PostAsJsonAsync("/api/v1/queue/next", new { doctorId = doctor }), async h =>
            {
                var board = await h.GetFromJsonAsync<JsonObject>($"/api/v1/queue?doctorId={doctor}");
                foreach (var serving in board!["serving"]!.AsArray())
                    (await h.PostAsync($"/api/v1/queue/{serving!["id"]}/serve", null)).EnsureSuccessStatusCode();
            }),
        ];

        // The ETags the PATCHes need, read before counting.
        for (var i = 0; i < perRoute; i++)
        {
            using var r = await http.GetAsync($"/api/v1/patients/{patients[perRoute + i]}");
            etags[patients[perRoute + i]] = r.Headers.ETag!.Tag;
        }

        var results = new Dictionary<string, (long, long, long)>();
        foreach (var route in routes)
        {
            var counts = new List<long>();
            for (var i = 0; i < perRoute; i++)
            {
                if (route.Prepare is { } prepare) await prepare(http);
                proxy.Reset();
                using var response = await route.Call(http, i);
                var body = await response.Content.ReadAsStringAsync();
                var trips = proxy.RoundTrips;
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{build} {route.Name}: {(int)response.StatusCode} {body}");
                if (i >= Warmup) counts.Add(trips);
            }
            counts.Sort();
            results[route.Name] = (counts[counts.Count / 2], counts[0], counts[^1]);
            Console.WriteLine($"  {route.Name,-45} median {counts[counts.Count / 2]} (min {counts[0]}, max {counts[^1]})");
        }
        return new Counts(build, results);
    }

    internal static async Task<HttpClient> SignedInAsync(Uri baseAddress, string email = "admin@general.demo")
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = baseAddress };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password = "Carebase!Demo2026" });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>
    /// GET by id through the API (no relay) and, when <paramref name="raw"/>, the same SQL straight on PostgreSQL with
    /// as many workers: the SELECT by key, then the audit entry's batch (insert, seal, commit, asynchronous) as the API
    /// sends it (chained as it is inserted); and the SELECT alone, the comparison of earlier runs.
    /// </summary>
    static async Task<(double api, double raw, double select)> ThroughputAsync(BenchOptions o, string cs, string? apiDirectory, bool raw)
    {
        Console.WriteLine($"GET by id throughput ({(apiDirectory is null ? "this build" : "baseline build")})…");
        await using var api = await ApiProcess.StartAsync(cs, apiDirectory);
        using var http = await SignedInAsync(api.BaseAddress, "reception@general.demo");
        await using var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(cs)
            { SearchPath = "tenant_general,public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
        var ids = new List<Guid>();
        await using (var cmd = sql.CreateCommand("SELECT id FROM patients WHERE deleted_at IS NULL"))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) ids.Add(r.GetGuid(0));

        var apiRate = await PatientSearchBenchmark.ThroughputAsync(o, async rng =>
        {
            using var r = await http.GetAsync($"/api/v1/patients/{ids[rng.Next(ids.Count)]}");
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"GET by id: {(int)r.StatusCode}");
            await r.Content.ReadAsByteArrayAsync();
        });
        if (!raw) return (apiRate, 0, 0);

        var reader = Guid.NewGuid();
        var rawRate = await PatientSearchBenchmark.ThroughputAsync(o, async rng =>
        {
            var id = ids[rng.Next(ids.Count)];
            await using var conn = await sql.OpenConnectionAsync();
            await using (var select = new NpgsqlCommand("SELECT * FROM patients WHERE id = $1", conn) { Parameters = { new() { Value = id } } })
            await using (var r = await select.ExecuteReaderAsync())
                while (await r.ReadAsync()) { }
            await using var audit = new NpgsqlBatch(conn)
            {
                BatchCommands =
                {
                    new("BEGIN"), new("SET LOCAL synchronous_commit TO OFF"), new("SET LOCAL carebase.audit_chain_now TO on"),
                    new("""
                        INSERT INTO audit_log (id, occurred_at, tenant_id, user_id, user_email, roles, action, resource_type, resource_id, outcome, ip, user_agent, request_id)
                        VALUES ($1, now(), NULL, $2, 'reception@general.demo', '{RECEPTIONIST}', 'patient.read', 'patient', $3, 'SUCCESS', '127.0.0.1', 'bench', 'bench')
                        """) { Parameters = { new() { Value = Guid.CreateVersion7() }, new() { Value = reader }, new() { Value = id.ToString() } } },
                    new("COMMIT"),
                },
            };
            await audit.ExecuteNonQueryAsync();
        });
        var selectRate = await PatientSearchBenchmark.ThroughputAsync(o, async rng =>
        {
            await using var conn = await sql.OpenConnectionAsync();
            await using var select = new NpgsqlCommand("SELECT * FROM patients WHERE id = $1", conn) { Parameters = { new() { Value = ids[rng.Next(ids.Count)] } } };
            await using var r = await select.ExecuteReaderAsync();
            while (await r.ReadAsync()) { }
        });
        Console.WriteLine($"  API {apiRate:F0}/s, SELECT + audit batch {rawRate:F0}/s, SELECT alone {selectRate:F0}/s");
        return (apiRate, rawRate, selectRate);
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, EmbeddedPostgres pg, bool withBaseline, Counts? before, Counts after,
        double apiRate, double rawRate, double selectRate, double? baselineRate)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Database round trips per request").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode roundtrips --seconds {o.Seconds} --concurrency {o.Concurrency}{(withBaseline ? " --baseline <folder of the earlier build's Carebase.Api.dll>" : "")}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; load average at the end {LoadAverage()} (the machine is shared with other work)");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=256MB");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.").AppendLine();
        md.AppendLine("## Round trips per request").AppendLine();
        md.AppendLine(inv, $"Counted on the wire: a relay between the API process and PostgreSQL counts each time a connection's client starts sending after the server answered (pipelined messages count once; the queue listener's connection is left out; the outbox dispatcher is off). {Measured} requests per route, one at a time, after {Warmup} warm-up requests, signed in as the demo hospital's admin; the median is shown (min–max when they differ: a session snapshot reloaded every 10 s adds two).");
        if (withBaseline) md.AppendLine("\"Before\" is the API built from the commit before this work, on a database of its own in the same cluster, in the same run.");
        md.AppendLine();
        md.AppendLine(withBaseline ? "| route | before | after |" : "| route | round trips |");
        md.AppendLine(withBaseline ? "|---|---:|---:|" : "|---|---:|");
        static string Cell((long median, long min, long max) c) => c.min == c.max ? $"{c.median}" : $"{c.median} ({c.min}–{c.max})";
        foreach (var (route, counts) in after.PerRoute)
            md.AppendLine(withBaseline ? $"| `{route}` | {(before!.PerRoute.TryGetValue(route, out var b) ? Cell(b) : "–")} | {Cell(counts)} |" : $"| `{route}` | {Cell(counts)} |");
        md.AppendLine().AppendLine("## GET by id throughput against the same SQL done raw").AppendLine();
        md.AppendLine(inv, $"{o.Concurrency} concurrent workers for {o.Seconds} s each, random ids of the demo hospital's patients, signed in as its receptionist; the API without the relay. The raw side sends what the API sends: the SELECT by key, then the audit entry's batch (BEGIN, asynchronous commit, chain on insert, INSERT, COMMIT) on a pooled connection whose search_path comes from its connection string.").AppendLine();
        md.AppendLine("| | operations/s |").AppendLine("|---|---:|");
        md.AppendLine(inv, $"| `GET /api/v1/patients/{{id}}` (HTTP, auth, audit entry, JSON) | {apiRate:F0} |");
        if (baselineRate is { } br) md.AppendLine(inv, $"| the same through the earlier build (its own database, same run) | {br:F0} |");
        md.AppendLine(inv, $"| raw: SELECT by key + audit batch | {rawRate:F0} |");
        md.AppendLine(inv, $"| raw: SELECT by key alone | {selectRate:F0} |");
        md.AppendLine(inv, $"| ratio API / (SELECT + audit batch) | {apiRate / rawRate:F2} (target ≥ 0.50: {(apiRate / rawRate >= 0.5 ? "met" : "**not met**")}) |");
        md.AppendLine(inv, $"| ratio API / SELECT alone | {apiRate / selectRate:F2} |");
        if (baselineRate is { } b2) md.AppendLine(inv, $"| ratio this build / earlier build | {apiRate / b2:F2} |");
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "round-trips.md");
        await File.WriteAllTextAsync(file, md.ToString());
        Console.Write(md.ToString());
        return file;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
