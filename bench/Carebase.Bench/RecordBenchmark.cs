using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Documents;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Records;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// The whole record of a patient at volume: the demo hospital filled to N patients with about 50 history rows each
/// (visits, vitals, diagnoses, allergies, conditions, medications, immunizations, procedures, notes) and one patient
/// holding 1,000 visits and 20,000 items. Through the API and as the same SQL straight on PostgreSQL, one request at a
/// time: the summary and the first timeline page of that patient and of typical ones, and recording a visit with vitals
/// and two diagnoses.
/// </summary>
public static class RecordBenchmark
{
    const string Schema = "tenant_general";

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var patients = o.Patients;
        Console.WriteLine($"record benchmark: {patients:N0} patients, {o.Iterations} requests per shape");
        var dataRoot = Path.Combine(o.DataDirectory, $"record-{patients}");
        var pg = EmbeddedPostgres.Create(dataRoot, "-c shared_buffers=1GB", "-c work_mem=32MB", "-c random_page_cost=1.1", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            var fill = await PatientFiller.EnsureAsync(pg.ConnectionString, Schema, patients, Path.Combine(dataRoot, "fill-report.json"), true);
            var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 50, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var (heavy, rows, fillTime) = await FillHistoryAsync(sql);
            var typical = await TypicalAsync(sql, heavy);
            Console.WriteLine($"{rows:N0} history rows ({fillTime.TotalSeconds:F0} s to fill); the heavy patient {heavy}");

            using var http = new HttpClient { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "doctor@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>());

            ITimelineSource[] sources = [new VisitsTimeline(), new HistoryTimeline(), new DocumentsTimeline()];
            var dueBy = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(30);
            var rng = new Random(7);
            var results = new List<(string name, double[] api, double[] sql)>();
            async Task Shape(string name, Func<Guid> pick, Func<Guid, string> url, Func<Guid, NpgsqlBatch, NpgsqlBatch> statements)
            {
                var apiTimes = new List<double>();
                var sqlTimes = new List<double>();
                for (var i = -20; i < o.Iterations; i++)
                {
                    var id = pick();
                    var sw = Stopwatch.StartNew();
                    using (var response = await http.GetAsync(url(id)))
                    {
                        await response.Content.ReadAsByteArrayAsync();
                        response.EnsureSuccessStatusCode();
                    }
                    if (i >= 0) apiTimes.Add(sw.Elapsed.TotalMilliseconds);
                    await using var conn = await sql.OpenConnectionAsync();
                    await using var batch = statements(id, new NpgsqlBatch(conn));
                    sw.Restart();
                    await using (var r = await batch.ExecuteReaderAsync())
                        do { while (await r.ReadAsync()) { } } while (await r.NextResultAsync());
                    if (i >= 0) sqlTimes.Add(sw.Elapsed.TotalMilliseconds);
                }
                results.Add((name, [.. apiTimes], [.. sqlTimes]));
                Console.WriteLine($"  {name}: API p95 {P(apiTimes, 0.95):F1} ms, SQL p95 {P(sqlTimes, 0.95):F1} ms");
            }
            NpgsqlBatch Summary(Guid id, NpgsqlBatch b)
            {
                foreach (var c in PatientSummary.Statements(id, dueBy, staff: true)) b.BatchCommands.Add(c);
                b.BatchCommands.Add(new NpgsqlBatchCommand("SELECT * FROM patients WHERE id = $1") { Parameters = { new() { Value = id } } });
                return b;
            }
            NpgsqlBatch TimelinePage(Guid id, NpgsqlBatch b)
            {
                var (text, parameters) = Timeline.Query(sources, id, staff: true, null, null, null, null, 50);
                var command = new NpgsqlBatchCommand(text);
                command.Parameters.AddRange(parameters);
                b.BatchCommands.Add(command);
                return b;
            }
            var load = new[] { LoadAverage() };
            await Shape("summary, the patient with 1,000 visits", () => heavy, id => $"/api/v1/patients/{id}/summary", Summary);
            await Shape("summary, a typical patient", () => typical[rng.Next(typical.Count)], id => $"/api/v1/patients/{id}/summary", Summary);
            await Shape("timeline page 1, the patient with 1,000 visits", () => heavy, id => $"/api/v1/patients/{id}/timeline", TimelinePage);
            await Shape("timeline page 1, a typical patient", () => typical[rng.Next(typical.Count)], id => $"/api/v1/patients/{id}/timeline", TimelinePage);
            var recording = await RecordVisitsAsync(http, typical, o.Iterations, rng);
            load = [load[0], LoadAverage()];

            var file = Path.Combine(o.ResultsDirectory, "patient-record.md");
            await File.WriteAllTextAsync(file, Report(o, fill.Rows, rows, fillTime, results, recording, load));
            Console.WriteLine($"Results: {file}");
            return 0;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    /// <summary>
    /// Records a visit with vitals and two diagnoses, one request at a time, both ways in turn: in one request (POST /visits
    /// carrying them) and as four (the visit, then its vitals and each diagnosis), with each of the four timed too.
    /// </summary>
    static async Task<Dictionary<string, List<double>>> RecordVisitsAsync(HttpClient http, List<Guid> typical, int iterations, Random rng)
    {
        const string One = "one request: POST /visits with vitals and 2 diagnoses", Four = "four requests together";
        var times = new Dictionary<string, List<double>>
            { [One] = [], [Four] = [], ["POST /visits"] = [], ["POST /visits/{id}/vitals"] = [], ["POST /visits/{id}/diagnoses"] = [] };
        var vitals = new { systolicMmHg = 128, diastolicMmHg = 82, pulsePerMin = 72, weightKg = 70, heightCm = 172 };
        object[] diagnoses = [new { code = "I10", kind = "PRIMARY" }, new { code = "E78.5", kind = "SECONDARY" }];
        for (var i = -10; i < iterations; i++)
        {
            async Task<JsonObject> Post(string key, string url, object body)
            {
                var sw = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync(url, body);
                var json = await response.Content.ReadFromJsonAsync<JsonObject>();
                response.EnsureSuccessStatusCode();
                if (i >= 0) times[key].Add(sw.Elapsed.TotalMilliseconds);
                return json!;
            }
            await Post(One, "/api/v1/visits", new { patientId = typical[rng.Next(typical.Count)], chiefComplaint = "Follow-up", vitals, diagnoses });

            var total = Stopwatch.StartNew();
            var visit = await Post("POST /visits", "/api/v1/visits", new { patientId = typical[rng.Next(typical.Count)], chiefComplaint = "Follow-up" });
            var id = visit["id"]!.GetValue<Guid>();
            await Post("POST /visits/{id}/vitals", $"/api/v1/visits/{id}/vitals", vitals);
            foreach (var diagnosis in diagnoses) await Post("POST /visits/{id}/diagnoses", $"/api/v1/visits/{id}/diagnoses", diagnosis);
            if (i >= 0) times[Four].Add(total.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    /// <summary>
    /// About 50 history rows for every patient but one, and 1,000 visits (with vitals and two diagnoses each) and some 18,000
    /// list items for that one: in SQL, once per data folder (a marker table says it was done).
    /// </summary>
    static async Task<(Guid heavy, long rows, TimeSpan took)> FillHistoryAsync(NpgsqlDataSource sql)
    {
        await using var conn = await sql.OpenConnectionAsync();
        async Task<object?> Scalar(string text) { await using var c = new NpgsqlCommand(text, conn); return await c.ExecuteScalarAsync(); }
        await Scalar("CREATE TABLE IF NOT EXISTS bench_record_fill (heavy uuid NOT NULL, rows bigint NOT NULL, seconds double precision NOT NULL)");
        await using (var done = new NpgsqlCommand("SELECT heavy, rows, seconds FROM bench_record_fill", conn))
        await using (var r = await done.ExecuteReaderAsync())
            if (await r.ReadAsync()) return (r.GetGuid(0), r.GetInt64(1), TimeSpan.FromSeconds(r.GetDouble(2)));

        var sw = Stopwatch.StartNew();
        var doctor = (Guid)(await Scalar("SELECT id FROM doctors ORDER BY license_number LIMIT 1"))!;
        var heavy = (Guid)(await Scalar("SELECT id FROM patients WHERE NOT confidential AND deleted_at IS NULL ORDER BY patient_code DESC LIMIT 1"))!;
        string[] statements =
        [
            // Visits: 6 per patient, 1,000 for the heavy one, all signed.
            $"""
            INSERT INTO visits (id, patient_id, doctor_id, type, status, chief_complaint, assessment, started_at, completed_at, created_at, updated_at)
            SELECT gen_random_uuid(), p.id, '{doctor}', 'OPD', 'COMPLETED', 'Bench follow-up', 'Stable.', t, t + interval '20 minutes', t, t
            FROM patients p CROSS JOIN LATERAL generate_series(1, CASE WHEN p.id = '{heavy}' THEN 1000 ELSE 6 END) g
            CROSS JOIN LATERAL (SELECT now() - g * interval '3 days' - (random() * interval '2 days') AS t) x
            WHERE p.deleted_at IS NULL
            """,
            """
            INSERT INTO vitals (id, patient_id, visit_id, recorded_at, systolic_mmhg, diastolic_mmhg, pulse_per_min, weight_kg, height_cm, bmi, flags, created_at, updated_at)
            SELECT gen_random_uuid(), v.patient_id, v.id, v.started_at, 110 + (random() * 40)::int, 70 + (random() * 15)::int, 60 + (random() * 30)::int,
                   70, 172, 23.7, '{}', v.started_at, v.started_at
            FROM visits v WHERE v.chief_complaint = 'Bench follow-up'
            """,
            """
            INSERT INTO visit_diagnoses (id, visit_id, patient_id, code, text, kind, status, created_at, updated_at)
            SELECT gen_random_uuid(), v.id, v.patient_id, CASE g WHEN 1 THEN 'I10' ELSE 'E78.5' END,
                   CASE g WHEN 1 THEN 'Essential (primary) hypertension' ELSE 'Hyperlipidemia, unspecified' END,
                   CASE g WHEN 1 THEN 'PRIMARY' ELSE 'SECONDARY' END, 'CONFIRMED', v.started_at, v.started_at
            FROM visits v CROSS JOIN generate_series(1, 2) g WHERE v.chief_complaint = 'Bench follow-up'
            """,
            Items("allergies (id, patient_id, substance, category, severity, status, created_at, updated_at)",
                "'Substance ' || g, 'DRUG', 'MODERATE', CASE WHEN g % 3 = 0 THEN 'RESOLVED' ELSE 'ACTIVE' END, t, t", heavy, 3, 300),
            Items("conditions (id, patient_id, code, text, status, created_at, updated_at)",
                "'E11.9', 'Type 2 diabetes mellitus without complications ' || g, CASE WHEN g % 2 = 0 THEN 'RESOLVED' ELSE 'ACTIVE' END, t, t", heavy, 5, 3000),
            Items("medications (id, patient_id, name, dose, status, source, created_at, updated_at)",
                "'Medicine ' || g, '10 mg', CASE WHEN g % 2 = 0 THEN 'STOPPED' ELSE 'ACTIVE' END, 'REPORTED', t, t", heavy, 6, 5000),
            Items("immunizations (id, patient_id, vaccine, dose_number, date_given, next_due_date, created_at, updated_at)",
                "'Vaccine ' || (g % 40), 1 + g % 5, t::date, t::date + 400, t, t", heavy, 6, 3700),
            Items("procedures (id, patient_id, name, status, performed_on, created_at, updated_at)",
                "'Procedure ' || g, 'DONE', t::date, t, t", heavy, 3, 2000),
            Items("clinical_notes (id, patient_id, title, text, created_at, updated_at)",
                "'Note ' || g, 'Seen and examined. Plan discussed with the patient.', t, t", heavy, 6, 4000),
            "ANALYZE",
        ];
        long rows = 0;
        await using var tx = await conn.BeginTransactionAsync(); // all or nothing: a failed fill leaves no half of it
        foreach (var text in statements.Where(t => t != "ANALYZE"))
        {
            await using var c = new NpgsqlCommand(text, conn, tx) { CommandTimeout = 0 };
            rows += Math.Max(0, await c.ExecuteNonQueryAsync());
            Console.WriteLine($"  filled: {rows:N0} rows, {sw.Elapsed.TotalSeconds:F0} s");
        }
        await using (var mark = new NpgsqlCommand("INSERT INTO bench_record_fill VALUES ($1, $2, $3)", conn, tx)
        { Parameters = { new() { Value = heavy }, new() { Value = rows }, new() { Value = sw.Elapsed.TotalSeconds } } })
            await mark.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        await Scalar("ANALYZE");
        return (heavy, rows, sw.Elapsed);
    }

    /// <summary>An INSERT of <paramref name="each"/> items per patient (<paramref name="heavyCount"/> for the heavy one), dated over ten years.</summary>
    static string Items(string table, string values, Guid heavy, int each, int heavyCount) => $"""
        INSERT INTO {table}
        SELECT gen_random_uuid(), p.id, {values}
        FROM patients p CROSS JOIN LATERAL generate_series(1, CASE WHEN p.id = '{heavy}' THEN {heavyCount} ELSE {each} END) g
        CROSS JOIN LATERAL (SELECT now() - (random() * interval '3650 days') AS t) x
        WHERE p.deleted_at IS NULL
        """;

    static async Task<List<Guid>> TypicalAsync(NpgsqlDataSource sql, Guid heavy)
    {
        var list = new List<Guid>();
        await using var c = sql.CreateCommand("SELECT id FROM patients TABLESAMPLE SYSTEM (1) WHERE NOT confidential AND deleted_at IS NULL AND id <> $1 LIMIT 500");
        c.Parameters.AddWithValue(heavy);
        await using var r = await c.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetGuid(0));
        return list;
    }

    static double P(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    static string Report(BenchOptions o, long patients, long rows, TimeSpan fillTime, List<(string name, double[] api, double[] sql)> results,
        Dictionary<string, List<double>> recording, string[] load)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# The patient record at volume: summary, timeline, recording a visit").AppendLine();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode record --patients {o.Patients} --iterations {o.Iterations}`.").AppendLine();
        md.AppendLine($"- {Environment.ProcessorCount} cores, .NET {Environment.Version}; the API (Release, separate process), PostgreSQL (shared_buffers=1GB) and this client share the cores; load average before {load[0]}, after {load[^1]}.");
        md.AppendLine(string.Create(inv, $"- Data: {patients:N0} patients in the demo hospital, {rows:N0} history rows (about 50 per patient: visits, vitals, diagnoses, allergies, conditions, medications, immunizations, procedures, notes; filled in {fillTime.TotalSeconds:F0} s), one patient with 1,000 visits (2,000 diagnoses, 1,000 vitals) and 18,000 list items."));
        md.AppendLine("- One request at a time, 20 warm-up requests per shape; the SQL side runs the statements the API sends (the summary's batch and the patient row; the timeline's query), on a pooled connection.").AppendLine();
        md.AppendLine("| shape | API p50 | API p95 | API p99 | SQL p50 | SQL p95 | API/SQL p95 | target p95 | met |").AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var (name, apiTimes, sqlTimes) in results)
        {
            var target = name.Contains("1,000") ? 30 : 15;
            var p95 = P(apiTimes, 0.95);
            md.AppendLine(string.Create(inv, $"| {name} | {P(apiTimes, 0.5):F1} | {p95:F1} | {P(apiTimes, 0.99):F1} | {P(sqlTimes, 0.5):F1} | {P(sqlTimes, 0.95):F1} | {p95 / P(sqlTimes, 0.95):F1} | {target} | {(p95 < target ? "yes" : "**no**")} |"));
        }
        md.AppendLine().AppendLine("Recording a visit with vitals and two diagnoses (target p95 < 20 ms):").AppendLine();
        md.AppendLine("| request | p50 | p95 | p99 |").AppendLine("|---|---:|---:|---:|");
        foreach (var (name, times) in recording)
            md.AppendLine(string.Create(inv, $"| {name} | {P(times, 0.5):F1} | {P(times, 0.95):F1} | {P(times, 0.99):F1} |"));
        return md.ToString();
    }
}
