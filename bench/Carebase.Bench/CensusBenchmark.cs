using Carebase.Api.Features.Admissions;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// The census at volume: the demo hospital filled (set-based SQL, once per data folder) with 10 wards of 50 beds, 50,000
/// past (DISCHARGED) admissions over ~3 years laid bed by bed as consecutive stays of 1–10 days with gaps (so the
/// exclusion constraint on bed periods holds), ~400 ACTIVE admissions occupying beds now and some beds CLEANING or
/// OUT_OF_SERVICE. GET /api/v1/wards/occupancy through the API, one request at a time, and the same three statements
/// <c>Census.ReadAsync</c> sends in one batch straight on PostgreSQL, side by side.
/// </summary>
public static class CensusBenchmark
{
    const string Schema = "tenant_general";
    const string Marker = "Bench fill";
    const double TargetMs = 25;
    const int Wards = 10, BedsPerWard = 50, OccupiedPerWard = 40;

    /// <summary>A period asked for: its query string (empty: the default, the 7 days to today) and the dates the census reads.</summary>
    sealed record Shape(string Name, string Query, DateOnly From, DateOnly To);

    sealed record Measured(string Name, Stats Api, Stats Sql, Stats Wards, Stats Inpatients, Stats Days, int InpatientRows, int DayRows, string[] Plans);

    sealed record Fill(long Wards, long Beds, long Discharged, long Active, long Assignments, double Seconds);

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        int Arg(string name, int fallback) => int.Parse(args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var (patients, admissions, active) = (Arg("--patients", 20_000), Arg("--admissions", 50_000), Wards * OccupiedPerWard);
        Console.WriteLine($"census benchmark: {patients:N0} patients, {Wards * BedsPerWard} beds, {admissions:N0} past admissions, {active} inpatients, {o.Iterations} requests per shape");
        var dataRoot = Path.Combine(o.DataDirectory, $"census-{patients}-{admissions}");
        var pg = EmbeddedPostgres.Create(dataRoot, "-c shared_buffers=1GB", "-c work_mem=32MB", "-c random_page_cost=1.1", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            var people = await PatientFiller.EnsureAsync(pg.ConnectionString, Schema, patients, Path.Combine(dataRoot, "fill-report.json"), true);
            await using var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 20, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var fill = await FillAsync(sql, admissions);
            Console.WriteLine($"{fill.Beds:N0} beds, {fill.Discharged:N0} past admissions, {fill.Active:N0} inpatients ({fill.Seconds:F0} s to fill)");

            var zone = (string)(await sql.CreateCommand($"SELECT timezone FROM platform.tenants WHERE schema_name = '{Schema}'").ExecuteScalarAsync())!;
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
            string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Shape[] shapes =
            [
                new("default (no period: the 7 days to today)", "", today.AddDays(-6), today),
                new("today (from=to=today)", $"?from={Day(today)}&to={Day(today)}", today, today),
                new("7 days (from=today-6&to=today)", $"?from={Day(today.AddDays(-6))}&to={Day(today)}", today.AddDays(-6), today),
                new("30 days (from=today-29&to=today)", $"?from={Day(today.AddDays(-29))}&to={Day(today)}", today.AddDays(-29), today),
            ];

            using var http = new HttpClient { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "reception@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>());

            // The service's first requests (JIT, pools, plans) before any timed one, so the first period is not the one that pays.
            for (var i = 0; i < 100; i++) (await http.GetAsync("/api/v1/wards/occupancy")).EnsureSuccessStatusCode();
            var load = new List<string> { DispensingBenchmark.LoadAverage() };
            var results = new List<Measured>();
            foreach (var shape in shapes)
            {
                var m = await MeasureAsync(shape, http, sql, zone, o.Iterations);
                results.Add(m);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {m.Name}: API p50 {m.Api.P50:F1} p95 {m.Api.P95:F1} p99 {m.Api.P99:F1} ms; SQL p50 {m.Sql.P50:F1} p95 {m.Sql.P95:F1} ms (wards {m.Wards.P50:F1}, inpatients {m.Inpatients.P50:F1}, days {m.Days.P50:F1})"));
            }
            load.Add(DispensingBenchmark.LoadAverage());

            var file = Path.Combine(o.ResultsDirectory, "census.md");
            Directory.CreateDirectory(o.ResultsDirectory);
            await File.WriteAllTextAsync(file, await ReportAsync(o, pg, patients, admissions, people.Rows, fill, zone, results, load));
            Console.WriteLine($"Results: {file}");
            return 0;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    static NpgsqlBatchCommand Statement(string text, string? zone = null, DateOnly? from = null, DateOnly? to = null)
    {
        var c = new NpgsqlBatchCommand(text);
        if (zone is not null)
        {
            c.Parameters.Add(new NpgsqlParameter { Value = zone });
            c.Parameters.Add(new NpgsqlParameter { Value = from!.Value });
            c.Parameters.Add(new NpgsqlParameter { Value = to!.Value });
        }
        return c;
    }

    /// <summary>Reads every result of a batch; returns the rows of each.</summary>
    static async Task<int[]> DrainAsync(NpgsqlBatch batch)
    {
        var rows = new List<int>();
        await using var r = await batch.ExecuteReaderAsync();
        do
        {
            var n = 0;
            while (await r.ReadAsync()) n++;
            rows.Add(n);
        } while (await r.NextResultAsync());
        return [.. rows];
    }

    /// <summary>
    /// One request at a time (20 warm-up), each followed by the three statements in one batch on a pooled connection, as
    /// the API sends them; then each statement alone (to see which costs what); then each once under EXPLAIN ANALYZE.
    /// </summary>
    static async Task<Measured> MeasureAsync(Shape shape, HttpClient http, NpgsqlDataSource sql, string zone, int iterations)
    {
        var (api, all, wards, inpatients, days) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var (inpatientRows, dayRows) = (0, 0);
        var url = "/api/v1/wards/occupancy" + shape.Query;
        for (var i = -20; i < iterations; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var response = await http.GetAsync(url))
            {
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body}");
            }
            if (i >= 0) api.Add(sw.Elapsed.TotalMilliseconds);

            await using var conn = await sql.OpenConnectionAsync();
            sw.Restart();
            await using (var batch = new NpgsqlBatch(conn)
            {
                BatchCommands = { Statement(Census.WardsSql), Statement(Census.InpatientsSql), Statement(Census.DaysSql, zone, shape.From, shape.To) },
            })
            {
                var rows = await DrainAsync(batch);
                (inpatientRows, dayRows) = (rows[1], rows[2]);
            }
            var elapsed = sw.Elapsed.TotalMilliseconds;
            async Task<double> Alone(NpgsqlBatchCommand c)
            {
                await using var b = new NpgsqlBatch(conn) { BatchCommands = { c } };
                var t = Stopwatch.StartNew();
                await DrainAsync(b);
                return t.Elapsed.TotalMilliseconds;
            }
            var (w, p, d) = (await Alone(Statement(Census.WardsSql)), await Alone(Statement(Census.InpatientsSql)), await Alone(Statement(Census.DaysSql, zone, shape.From, shape.To)));
            if (i < 0) continue;
            all.Add(elapsed);
            wards.Add(w);
            inpatients.Add(p);
            days.Add(d);
        }
        await using var explain = await sql.OpenConnectionAsync();
        async Task<string> Plan(NpgsqlBatchCommand c)
        {
            c.CommandText = "EXPLAIN (ANALYZE, BUFFERS) " + c.CommandText;
            await using var b = new NpgsqlBatch(explain) { BatchCommands = { c } };
            var lines = new List<string>();
            await using var r = await b.ExecuteReaderAsync();
            while (await r.ReadAsync()) lines.Add(r.GetString(0));
            return string.Join('\n', lines);
        }
        string[] plans = [await Plan(Statement(Census.WardsSql)), await Plan(Statement(Census.InpatientsSql)), await Plan(Statement(Census.DaysSql, zone, shape.From, shape.To))];
        return new Measured(shape.Name, Stats.Of(api), Stats.Of(all), Stats.Of(wards), Stats.Of(inpatients), Stats.Of(days), inpatientRows, dayRows, plans);
    }

    /// <summary>
    /// Once per data folder (a marker table says it was done), in one transaction: the wards and beds, then per bed its
    /// past stays laid end to end with gaps (each stay 1–10 days, each gap up to 10 days, then the bed's whole row of stays
    /// scaled to fit between ~3 years ago and an hour before the bed's current patient came in, or an hour ago, which keeps them apart), each a DISCHARGED admission with its
    /// bed assignment; then 40 beds per ward occupied by an ACTIVE admission begun in the last 10 days, 3 CLEANING, 1 OUT_OF_SERVICE.
    /// </summary>
    static async Task<Fill> FillAsync(NpgsqlDataSource sql, int admissions)
    {
        await using var conn = await sql.OpenConnectionAsync();
        await InvoiceFiller.ExecAsync(conn, null,
            "CREATE TABLE IF NOT EXISTS bench_census_fill (wards bigint, beds bigint, discharged bigint, active bigint, assignments bigint, seconds double precision)");
        await using (var done = new NpgsqlCommand("SELECT wards, beds, discharged, active, assignments, seconds FROM bench_census_fill", conn))
        await using (var r = await done.ExecuteReaderAsync())
            if (await r.ReadAsync())
                return new Fill(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetDouble(5));

        var sw = Stopwatch.StartNew();
        await using var tx = await conn.BeginTransactionAsync();
        await InvoiceFiller.PeopleAsync(conn, tx);
        await InvoiceFiller.ExecAsync(conn, tx, "SELECT setseed(0.12)");
        var wards = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO wards (id, name, department_id, type, daily_charge, created_at, updated_at)
            SELECT gen_random_uuid(), 'Bench Ward ' || lpad(w::text, 2, '0'), (SELECT id FROM departments ORDER BY id LIMIT 1), 'GENERAL', 150, now(), now()
            FROM generate_series(1, $1) w
            """, Wards);
        var beds = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO beds (id, ward_id, code, status, created_at, updated_at)
            SELECT gen_random_uuid(), w.id, 'BW' || substr(w.name::text, 12) || '-' || lpad(k::text, 2, '0'),
                   CASE WHEN k <= $2 THEN 'OCCUPIED' WHEN k <= $2 + 3 THEN 'CLEANING' WHEN k = $2 + 4 THEN 'OUT_OF_SERVICE' ELSE 'AVAILABLE' END,
                   now(), now()
            FROM wards w CROSS JOIN generate_series(1, $1) k
            WHERE w.name LIKE 'Bench Ward %'
            """, BedsPerWard, OccupiedPerWard);
        await InvoiceFiller.ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_doctors ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id,
                   coalesce(department_id, (SELECT id FROM departments ORDER BY id LIMIT 1)) AS department_id FROM doctors;
            CREATE TEMP TABLE fill_beds ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY b.code) - 1 AS n, b.id, b.ward_id, b.status
            FROM beds b JOIN wards w ON w.id = b.ward_id WHERE w.name LIKE 'Bench Ward %';
            """);
        // 40 beds per ward taken now, by patients with no ACTIVE admission yet (one each).
        await InvoiceFiller.ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_now ON COMMIT DROP AS
            SELECT gen_random_uuid() AS id, b.id AS bed_id, b.ward_id, p.id AS patient_id, d.id AS doctor_id, d.department_id,
                   date_trunc('milliseconds', now() - random() * interval '10 days') AS started_at
            FROM (SELECT row_number() OVER (ORDER BY id) AS m, id, ward_id FROM fill_beds WHERE status = 'OCCUPIED') b
            JOIN (SELECT row_number() OVER (ORDER BY random()) AS m, id FROM fill_people
                  WHERE id NOT IN (SELECT patient_id FROM admissions WHERE status = 'ACTIVE')) p ON p.m = b.m
            JOIN fill_doctors d ON d.n = b.m % (SELECT count(*) FROM fill_doctors)
            """);
        // Per bed, stays of 24–240 hours and gaps of 1–240 hours, one after the other, then scaled so the bed's row spans
        // from 1,095 days ago to an hour before its current patient came in (or an hour ago for a bed free now): scaling keeps
        // every stay after the one before it, and every day up to today has its discharges.
        await InvoiceFiller.ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_stays ON COMMIT DROP AS
            WITH raw AS (
                SELECT b.id AS bed_id, b.ward_id, k, coalesce((SELECT n.started_at FROM fill_now n WHERE n.bed_id = b.id), now()) - interval '1 hour' AS until, 24 + floor(random() * 217) AS stay_h, 1 + floor(random() * 240) AS gap_h,
                       random() AS rp, random() AS rd
                FROM fill_beds b CROSS JOIN generate_series(1, $1 / (SELECT count(*) FROM fill_beds)::int + CASE WHEN b.n < $1 % (SELECT count(*) FROM fill_beds) THEN 1 ELSE 0 END) k),
            laid AS (
                SELECT *, sum(stay_h + gap_h) OVER (PARTITION BY bed_id ORDER BY k) - stay_h - gap_h AS at_h,
                       sum(stay_h + gap_h) OVER (PARTITION BY bed_id) AS span_h
                FROM raw)
            SELECT gen_random_uuid() AS id, l.bed_id, l.ward_id, p.id AS patient_id, d.id AS doctor_id, d.department_id,
                   date_trunc('milliseconds', now() - interval '1095 days' + (l.at_h / l.span_h) * (l.until - (now() - interval '1095 days'))) AS started_at,
                   date_trunc('milliseconds', now() - interval '1095 days' + ((l.at_h + l.stay_h) / l.span_h) * (l.until - (now() - interval '1095 days'))) AS ended_at
            FROM laid l
            JOIN fill_people p ON p.n = floor(l.rp * (SELECT count(*) FROM fill_people))
            JOIN fill_doctors d ON d.n = floor(l.rd * (SELECT count(*) FROM fill_doctors))
            """, admissions);
        var discharged = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO admissions (id, patient_id, source, department_id, primary_doctor_id, admitting_diagnosis, status, admitted_at,
                discharged_at, disposition, condition_at_discharge, created_at, updated_at)
            SELECT id, patient_id, 'EMERGENCY', department_id, doctor_id, $1, 'DISCHARGED', started_at, ended_at, 'HOME', 'IMPROVED', started_at, ended_at
            FROM fill_stays
            """, Marker);
        var activeRows = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO admissions (id, patient_id, source, department_id, primary_doctor_id, admitting_diagnosis, status, admitted_at,
                created_at, updated_at)
            SELECT id, patient_id, 'PLANNED', department_id, doctor_id, $1, 'ACTIVE', started_at, started_at, started_at
            FROM fill_now
            """, Marker);
        var assignments = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO bed_assignments (id, admission_id, patient_id, bed_id, ward_id, daily_charge, started_at, ended_at, reason)
            SELECT gen_random_uuid(), id, patient_id, bed_id, ward_id, 150, started_at, ended_at, 'ADMISSION' FROM fill_stays
            UNION ALL
            SELECT gen_random_uuid(), id, patient_id, bed_id, ward_id, 150, started_at, NULL, 'ADMISSION' FROM fill_now
            """);
        Console.WriteLine($"  filled: {wards} wards, {beds} beds, {discharged:N0} past and {activeRows} active admissions, {assignments:N0} bed assignments, {sw.Elapsed.TotalSeconds:F0} s");
        var fill = new Fill(wards, beds, discharged, activeRows, assignments, sw.Elapsed.TotalSeconds);
        await InvoiceFiller.ExecAsync(conn, tx, "INSERT INTO bench_census_fill VALUES ($1, $2, $3, $4, $5, $6)",
            fill.Wards, fill.Beds, fill.Discharged, fill.Active, fill.Assignments, fill.Seconds);
        await tx.CommitAsync();
        await InvoiceFiller.ExecAsync(conn, null, "VACUUM ANALYZE");
        return fill;
    }

    static async Task<string> ReportAsync(BenchOptions o, EmbeddedPostgres pg, int patients, int admissions, long patientRows, Fill fill, string zone,
        List<Measured> results, List<string> load)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# The census at 500 beds and 50,000 past admissions").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode census --patients {patients} --admissions {admissions} --iterations {o.Iterations}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=1GB, work_mem=32MB, random_page_cost=1.1");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores, and the machine is shared with other engineers' builds and tests.");
        md.AppendLine(inv, $"- Load average (1, 5, 15 min) before the timed requests: {load[0]}; after them: {load[1]}.").AppendLine();
        md.AppendLine("## Data").AppendLine();
        md.AppendLine(inv, $"The demo hospital `general` (time zone {zone}; its own 6 wards, 88 beds and ~75 demo admissions stay) with {patientRows:N0} patients (binary COPY), then in SQL (set-based `INSERT … SELECT` over `generate_series`, one transaction, {fill.Seconds:F0} s, then `VACUUM ANALYZE`):").AppendLine();
        md.AppendLine(inv, $"- {fill.Wards} wards × {BedsPerWard} beds = {fill.Beds} beds: per ward {OccupiedPerWard} OCCUPIED, 3 CLEANING, 1 OUT_OF_SERVICE, {BedsPerWard - OccupiedPerWard - 4} AVAILABLE;");
        md.AppendLine(inv, $"- {fill.Discharged:N0} DISCHARGED admissions from ~3 years ago up to an hour before each bed's current patient came in (an hour ago for a bed free now), so every day of every period has its admissions and discharges, laid bed by bed as consecutive stays of 1–10 days with gaps of up to 10 days (the bed exclusion constraint holds: every insert passed it);");
        md.AppendLine(inv, $"- {fill.Active} ACTIVE admissions begun in the last 10 days, one per occupied bed, each patient with one ACTIVE admission; {fill.Assignments:N0} bed assignments in all.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine(inv, $"`GET /api/v1/wards/occupancy` for each period, {o.Iterations} requests one at a time after 20 warm-up ones (and 100 untimed requests before the first period), as `reception@general.demo` (RECEPTIONIST, `census:read`).");
        md.AppendLine("Each request is followed by the same three statements `Census.ReadAsync` sends in one batch (one round trip), straight on PostgreSQL on a pooled connection: the wards with their beds counted by status, the ACTIVE admissions with their current bed, doctor and patient, and the admissions, discharges and midnights per day of the period. Then each statement alone (the *wards*, *inpatients*, *days* columns, p50), to see what costs what. What the SQL side leaves out is the API's own work: HTTP, the bearer session, the tenant's time zone, the confidential-patient check, JSON of ~475 inpatients, and the `CENSUS_READ` audit entry (which lists every inpatient's id).").AppendLine();
        md.AppendLine("## Results (ms)").AppendLine();
        md.AppendLine("| period | inpatients | days | API p50 | API p95 | API p99 | SQL p50 | SQL p95 | SQL p99 | wards p50 | inpatients p50 | days p50 | API/SQL p50 | API/SQL p95 | API p95 < 25 ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var m in results)
            md.AppendLine(inv, $"| {m.Name} | {m.InpatientRows} | {m.DayRows} | {m.Api.P50:F1} | {m.Api.P95:F1} | {m.Api.P99:F1} | {m.Sql.P50:F1} | {m.Sql.P95:F1} | {m.Sql.P99:F1} | {m.Wards.P50:F1} | {m.Inpatients.P50:F1} | {m.Days.P50:F1} | {m.Api.P50 / m.Sql.P50:F2} | {m.Api.P95 / m.Sql.P95:F2} | {(m.Api.P95 < TargetMs ? "yes" : "**no**")} |");
        md.AppendLine();
        md.AppendLine("## Reading").AppendLine();
        md.AppendLine(inv, $"{results.Count(m => m.Api.P95 < TargetMs)} of {results.Count} periods meet p95 < 25 ms through the API in this run.").AppendLine();
        md.AppendLine("## Plans (EXPLAIN ANALYZE)").AppendLine();
        foreach (var m in results)
        {
            md.AppendLine(inv, $"<details><summary>{m.Name}</summary>").AppendLine();
            md.AppendLine("```").AppendLine("-- wards").AppendLine(m.Plans[0]).AppendLine("-- inpatients").AppendLine(m.Plans[1]).AppendLine("-- days").AppendLine(m.Plans[2]).AppendLine("```").AppendLine();
            md.AppendLine("</details>").AppendLine();
        }
        return md.ToString();
    }
}
