using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// A hospital's day at the front desk, squeezed: N clients of one tenant in a loop of searches, reads by id,
/// today's appointments, registrations, bookings and queue moves (walk-in, next), over real HTTP; then two tenants
/// loaded at once (the same total, then as many clients each). Reports p50/p95 per kind, throughput and errors, and samples
/// <c>pg_stat_activity</c> every 100 ms for sessions waiting on a lock: the audit chain's advisory lock, the
/// tenant row, anything else. With <c>--baseline</c>, the one-tenant phase first runs through an earlier build.
/// </summary>
public static class MixedLoadBenchmark
{
    const int Doctors = 4;
    const int PoolPatients = 240;
    /// <summary>Each client walks this cycle from its own offset: reads dominate, as at a front desk.</summary>
    static readonly string[] Cycle = ["get", "search", "get", "list", "register", "get", "book", "search", "queue", "list", "register", "get", "queue", "book"];
    static readonly string[] Kinds = ["search", "get", "list", "register", "book", "queue"];

    sealed class Tenant(string slug, HttpClient http, TimeZoneInfo zone, List<Guid> doctors, List<Guid> pool, List<Guid> existing, List<string> names)
    {
        public string Slug => slug;
        public HttpClient Http => http;
        public TimeZoneInfo Zone => zone;
        public List<Guid> Doctors => doctors;
        public List<Guid> Pool => pool;
        public List<Guid> Existing => existing;
        public List<string> Names => names;
        public int Bookings = -1, Queue = -1, Registrations = -1;
        public int FirstBookingDay;
    }

    sealed class Outcome
    {
        public readonly ConcurrentDictionary<string, ConcurrentBag<double>> Times = new();
        public readonly ConcurrentDictionary<string, int> Errors = new();
        public readonly ConcurrentQueue<string> ErrorSamples = new();
        public TimeSpan Elapsed;
    }

    sealed record LockWaits(int Samples, double AuditMean, int AuditMax, double TenantMean, int TenantMax, double OtherMean, int OtherMax);

    sealed record Phase(string Name, string Build, Dictionary<string, Outcome> PerTenant, LockWaits Waits);

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        var baseline = args.SkipWhile(a => a != "--baseline").Skip(1).FirstOrDefault();
        var clients = o.Concurrency;
        Console.WriteLine($"Mixed load: {clients} clients per tenant, {o.Seconds}s per phase{(baseline is null ? "" : ", with a baseline build first")}");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "mixed"), "-c shared_buffers=512MB", "-c max_connections=300");
        await pg.StartAsync();
        var phases = new List<Phase>();
        try
        {
            if (baseline is not null) phases.AddRange(await RunBuildAsync(o, pg, baseline, "before", clients, twoTenants: false));
            phases.AddRange(await RunBuildAsync(o, pg, null, "after", clients, twoTenants: true));
            var file = await WriteResultsAsync(o, pg, clients, baseline is not null, phases);
            Console.WriteLine($"Results: {file}");
            return phases.Where(p => p.Build == "after").All(p => p.PerTenant.Values.All(t => t.Errors.IsEmpty)) ? 0 : 1;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    /// <summary>One build of the API on a database of its own: one tenant loaded, then (if asked) two at once.</summary>
    static async Task<List<Phase>> RunBuildAsync(BenchOptions o, EmbeddedPostgres pg, string? apiDirectory, string build, int clients, bool twoTenants)
    {
        var cs = await FreshDatabaseAsync(pg, "mixed_" + build);
        await using var api = await ApiProcess.StartAsync(cs, apiDirectory);
        var general = await PrepareAsync(api.BaseAddress, cs, "general");
        var phases = new List<Phase> { await LoadAsync(o, cs, $"one hospital, {clients} clients", build, [general], clients) };
        if (twoTenants)
        {
            // The same total load spread over two hospitals, then each hospital as loaded as the first one was.
            var sunrise = await PrepareAsync(api.BaseAddress, cs, "sunrise");
            phases.Add(await LoadAsync(o, cs, $"two hospitals at once, {clients / 2} clients each", build, [general, sunrise], clients / 2));
            phases.Add(await LoadAsync(o, cs, $"two hospitals at once, {clients} clients each", build, [general, sunrise], clients));
        }
        return phases;
    }

    static async Task<string> FreshDatabaseAsync(EmbeddedPostgres pg, string prefix)
    {
        var name = $"{prefix}_{DateTime.UtcNow:HHmmss}_{Random.Shared.Next(1000):D3}";
        await using var conn = new NpgsqlConnection(pg.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Doctors with working hours every day, a pool of patients to book and queue, and the demo patients to read and search.</summary>
    static async Task<Tenant> PrepareAsync(Uri baseAddress, string cs, string slug)
    {
        Console.WriteLine($"Preparing {slug}…");
        var http = await RoundTripBenchmark.SignedInAsync(baseAddress, $"admin@{slug}.demo");
        var zone = TimeZoneInfo.FindSystemTimeZoneById((await http.GetFromJsonAsync<JsonObject>("/api/v1/tenant"))!["timezone"]!.GetValue<string>());
        var run = Guid.NewGuid().ToString("N")[..8];
        var doctors = new List<Guid>();
        for (var i = 0; i < Doctors; i++) doctors.Add(await BookingBenchmark.CreateDoctorAsync(http, run, i));
        var pool = await BookingBenchmark.ParallelAsync(Enumerable.Range(0, PoolPatients), 8, i => BookingBenchmark.CreatePatientAsync(http, run, i));
        // The demo hospital's own patients: read by id, and searched by last name.
        var existing = new List<Guid>();
        var names = new HashSet<string>();
        await using (var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { SearchPath = $"tenant_{slug},public" }.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT id, last_name FROM patients WHERE deleted_at IS NULL AND first_name NOT LIKE 'Bench%'", conn);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                existing.Add(r.GetGuid(0));
                names.Add(r.GetString(1));
            }
        }
        return new Tenant(slug, http, zone, doctors, pool, existing, [.. names]) { FirstBookingDay = 60 };
    }

    static async Task<Phase> LoadAsync(BenchOptions o, string cs, string name, string build, Tenant[] tenants, int clients)
    {
        Console.WriteLine($"Phase ({build}): {name}…");
        var outcomes = tenants.ToDictionary(t => t.Slug, _ => new Outcome());
        using var stop = new CancellationTokenSource();
        var sampler = SampleLockWaitsAsync(cs, stop.Token);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(tenants.SelectMany(t => Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var outcome = outcomes[t.Slug];
            var rng = new Random(c * 7919 + t.Slug.Length);
            for (var step = c; clock.Elapsed < TimeSpan.FromSeconds(o.Seconds); step++)
            {
                var kind = Cycle[step % Cycle.Length];
                var sw = Stopwatch.StartNew();
                var (ok, detail) = await OneAsync(t, kind, rng);
                sw.Stop();
                outcome.Times.GetOrAdd(kind, _ => []).Add(sw.Elapsed.TotalMilliseconds);
                if (!ok)
                {
                    outcome.Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
                    if (outcome.ErrorSamples.Count < 5) outcome.ErrorSamples.Enqueue($"{kind}: {detail}");
                }
            }
        }))));
        foreach (var outcome in outcomes.Values) outcome.Elapsed = clock.Elapsed;
        stop.Cancel();
        var waits = await sampler;
        foreach (var (slug, outcome) in outcomes)
        {
            Console.WriteLine($"  {slug}: {string.Join(", ", Kinds.Select(k => $"{k} p95 {P(outcome, k, 0.95):F0} ms"))}; errors {outcome.Errors.Values.Sum()}");
            foreach (var sample in outcome.ErrorSamples) Console.WriteLine("    " + sample);
        }
        Console.WriteLine($"  lock waits: audit chain mean {waits.AuditMean:F1} max {waits.AuditMax}, tenant row mean {waits.TenantMean:F1} max {waits.TenantMax}, other mean {waits.OtherMean:F1} max {waits.OtherMax}");
        return new Phase(name, build, outcomes, waits);
    }

    /// <summary>One request of <paramref name="kind"/>; false with the answer when it is not the expected success.</summary>
    static async Task<(bool ok, string detail)> OneAsync(Tenant t, string kind, Random rng)
    {
        HttpResponseMessage response;
        switch (kind)
        {
            case "get":
                response = await t.Http.GetAsync($"/api/v1/patients/{t.Existing[rng.Next(t.Existing.Count)]}");
                break;
            case "search":
                response = await t.Http.GetAsync($"/api/v1/patients?q={Uri.EscapeDataString(t.Names[rng.Next(t.Names.Count)])}");
                break;
            case "list":
                response = await t.Http.GetAsync("/api/v1/appointments?when=today");
                break;
            case "register":
                var n = Interlocked.Increment(ref t.Registrations);
                response = await t.Http.PostAsJsonAsync("/api/v1/patients", new
                {
                    firstName = $"Mixed{t.Slug}", lastName = $"Walkup{n:D5}", dateOfBirth = new DateOnly(1940, 1, 1).AddDays(rng.Next(0, 25000)).ToString("yyyy-MM-dd"),
                    gender = rng.Next(2) == 0 ? "FEMALE" : "MALE", phone = $"+1 556 {n:D7}", nationalId = $"MX-{t.Slug}-{Guid.NewGuid():N}"[..24],
                    allowDuplicate = true, duplicateReason = "benchmark",
                });
                break;
            case "book":
                // Booking i: its own (doctor, time); a patient's bookings are Doctors slots apart, so never overlap.
                var i = Interlocked.Increment(ref t.Bookings);
                var slot = i / Doctors;
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, t.Zone).DateTime).AddDays(t.FirstBookingDay + slot / 48);
                var startsAt = SlotCalculator.Instant(t.Zone, day.ToDateTime(new TimeOnly(8, 0)).AddMinutes(15 * (slot % 48)));
                response = await t.Http.PostAsJsonAsync("/api/v1/appointments",
                    new { patientId = t.Pool[i % t.Pool.Count], doctorId = t.Doctors[i % Doctors], startsAt, reason = "Benchmark" });
                break;
            default: // queue: a walk-in, then the next call for that doctor
                var k = Interlocked.Increment(ref t.Queue);
                var doctor = t.Doctors[k / 2 % Doctors];
                response = k % 2 == 0
                    ? await t.Http.PostAsJsonAsync("/api/v1/queue/walk-in", new { patientId = t.Pool[k / 2 / Doctors % t.Pool.Count], doctorId = doctor })
                    : await t.Http.PostAsJsonAsync("/api/v1/queue/next", new { doctorId = doctor });
                break;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode ? (true, "") : (false, $"{(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
    }

    /// <summary>Every 100 ms, the sessions waiting on a heavyweight lock, by what they wait for.</summary>
    static async Task<LockWaits> SampleLockWaitsAsync(string cs, CancellationToken stop)
    {
        var (samples, audit, tenant, other) = (0, new List<int>(), new List<int>(), new List<int>());
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { ApplicationName = "bench-sampler" }.ConnectionString);
        await conn.OpenAsync(CancellationToken.None);
        using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(100)); // a sample every 100 ms, whatever a sample takes
        while (!stop.IsCancellationRequested)
        {
            await using (var cmd = new NpgsqlCommand("""
                SELECT count(*) FILTER (WHERE wait_event = 'advisory')::int,
                       count(*) FILTER (WHERE wait_event <> 'advisory' AND query ILIKE '%platform.tenants%')::int,
                       count(*) FILTER (WHERE wait_event <> 'advisory' AND query NOT ILIKE '%platform.tenants%')::int
                FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """, conn))
            await using (var r = await cmd.ExecuteReaderAsync(CancellationToken.None))
            {
                await r.ReadAsync(CancellationToken.None);
                samples++;
                audit.Add(r.GetInt32(0));
                tenant.Add(r.GetInt32(1));
                other.Add(r.GetInt32(2));
            }
            try { await every.WaitForNextTickAsync(stop); } catch (OperationCanceledException) { break; }
        }
        return new LockWaits(samples, audit.DefaultIfEmpty().Average(), audit.DefaultIfEmpty().Max(),
            tenant.DefaultIfEmpty().Average(), tenant.DefaultIfEmpty().Max(), other.DefaultIfEmpty().Average(), other.DefaultIfEmpty().Max());
    }

    static double P(Outcome o, string kind, double p)
    {
        if (!o.Times.TryGetValue(kind, out var bag) || bag.IsEmpty) return double.NaN;
        var stats = Stats.Of([.. bag]);
        return p >= 0.95 ? stats.P95 : stats.P50;
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, EmbeddedPostgres pg, int clients, bool withBaseline, List<Phase> phases)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(inv, $"# Mixed load: {clients} clients per hospital").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode mixed --concurrency {clients} --seconds {o.Seconds}{(withBaseline ? " --baseline <folder of the earlier build's Carebase.Api.dll>" : "")}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; load average at the end {RoundTripBenchmark.LoadAverage()} (the machine is shared with other work)");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=512MB, synchronous_commit on");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine(inv, $"Each client loops over a fixed cycle from its own starting point — {string.Join(", ", Cycle)} — as the demo hospital's admin, for {o.Seconds} s per phase, rate limits raised. `get` is GET /patients/{{id}} of a demo patient, `search` GET /patients?q=<a demo last name>, `list` GET /appointments?when=today, `register` POST /patients, `book` POST /appointments on a free slot of one of {Doctors} new doctors, `queue` alternately POST /queue/walk-in and POST /queue/next for one of them. Every answer other than the expected success counts as an error. Lock waits: `pg_stat_activity` sampled every 100 ms for sessions waiting on a heavyweight lock, split by the audit chain's advisory lock, a statement on `platform.tenants` (the tenant row) and anything else. The API, PostgreSQL and the clients saturate the two cores: latencies then grow with the work in flight (requests parked on a lock are not working), so compare the ratios and the throughput.");
        if (withBaseline) md.AppendLine().AppendLine("\"before\" is the API built from the commit before this work, on a database of its own in the same cluster, in the same run.");
        md.AppendLine();
        foreach (var phase in phases)
        {
            md.AppendLine(inv, $"## {phase.Build}: {phase.Name}").AppendLine();
            md.AppendLine("| hospital | kind | requests | p50 ms | p95 ms | errors |").AppendLine("|---|---|---:|---:|---:|---:|");
            foreach (var (slug, outcome) in phase.PerTenant)
                foreach (var kind in Kinds)
                    md.AppendLine(inv, $"| {slug} | {kind} | {(outcome.Times.TryGetValue(kind, out var b) ? b.Count : 0):N0} | {P(outcome, kind, 0.5):F1} | {P(outcome, kind, 0.95):F1} | {outcome.Errors.GetValueOrDefault(kind)} |");
            md.AppendLine();
            foreach (var (slug, outcome) in phase.PerTenant)
            {
                var total = outcome.Times.Values.Sum(b => b.Count);
                var ratio = P(outcome, "register", 0.95) / P(outcome, "get", 0.95);
                md.AppendLine(inv, $"- {slug}: {total:N0} requests in {outcome.Elapsed.TotalSeconds:F1} s = **{total / outcome.Elapsed.TotalSeconds:F0} requests/s**; registration p95 / GET p95 = **{ratio:F2}** (target ≤ 2: {(ratio <= 2 ? "met" : "not met")}); errors {outcome.Errors.Values.Sum()}{(outcome.ErrorSamples.IsEmpty ? "" : " — e.g. " + string.Join("; ", outcome.ErrorSamples.Take(2)))}");
            }
            var w = phase.Waits;
            md.AppendLine(inv, $"- sessions waiting on a lock ({w.Samples} samples): audit chain mean {w.AuditMean:F2}, max {w.AuditMax}; tenant row mean {w.TenantMean:F2}, max {w.TenantMax}; other mean {w.OtherMean:F2}, max {w.OtherMax}");
            md.AppendLine();
        }
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "mixed-load.md");
        await File.WriteAllTextAsync(file, md.ToString());
        Console.Write(md.ToString());
        return file;
    }
}
