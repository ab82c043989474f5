using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// <c>queue/next</c> under contention: one doctor's queue of the demo hospital filled with N waiting tokens, many
/// workers racing <c>POST /api/v1/queue/next</c> through the API process until it answers 204; then the same
/// claim as one SQL statement (<c>FOR UPDATE SKIP LOCKED</c>) straight on PostgreSQL with as many workers, side
/// by side. Each run checks that every token was handed out exactly once and none was lost.
/// </summary>
public static class QueueNextBenchmark
{
    const string Schema = "tenant_general";

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        var tokens = int.Parse(args.SkipWhile(a => a != "--tokens").Skip(1).FirstOrDefault() ?? "2000", CultureInfo.InvariantCulture);
        Console.WriteLine($"queue/next benchmark: {tokens:N0} waiting tokens, {o.Concurrency} workers");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "queue"), "-c shared_buffers=256MB", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
            var doctors = await DoctorsAsync(sql);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "doctor@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            var access = (await login.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["accessToken"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);

            // Warm-up on a small queue, so the first timed call does not pay for JIT and pool growth.
            await FillAsync(sql, doctors[0], today, 50);
            await RaceApiAsync(http, doctors[0], o.Concurrency);

            var apiIds = await FillAsync(sql, doctors[0], today, tokens);
            var apiRun = await RaceApiAsync(http, doctors[0], o.Concurrency);
            var apiCheck = await CheckAsync(sql, doctors[0], today, apiIds, apiRun.Handed);
            Console.WriteLine($"API: {apiRun.Handed.Count:N0} tokens in {apiRun.Elapsed.TotalSeconds:F2} s = {apiRun.Rate:F0}/s; {apiCheck}");

            var sqlIds = await FillAsync(sql, doctors[1], today, tokens);
            var sqlRun = await RaceSqlAsync(sql, doctors[1], today, o.Concurrency);
            var sqlCheck = await CheckAsync(sql, doctors[1], today, sqlIds, sqlRun.Handed);
            Console.WriteLine($"SQL: {sqlRun.Handed.Count:N0} tokens in {sqlRun.Elapsed.TotalSeconds:F2} s = {sqlRun.Rate:F0}/s; {sqlCheck}");

            var file = await WriteResultsAsync(o, tokens, apiRun, apiCheck, sqlRun, sqlCheck, pg);
            Console.WriteLine($"Results written to {file}");
            return apiCheck.Ok && sqlCheck.Ok ? 0 : 1;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    sealed record Run(List<Guid> Handed, TimeSpan Elapsed, int Empty)
    {
        public double Rate => Handed.Count / Elapsed.TotalSeconds;
    }

    sealed record Check(int Expected, int Handed, int Distinct, int Lost, int ServingInDb, int WaitingInDb)
    {
        public bool Ok => Handed == Expected && Distinct == Expected && Lost == 0 && ServingInDb == Expected && WaitingInDb == 0;
        public override string ToString() =>
            $"handed {Handed:N0}, distinct {Distinct:N0}, lost {Lost}, serving in the database {ServingInDb:N0}, still waiting {WaitingInDb} → {(Ok ? "OK" : "BROKEN")}";
    }

    static async Task<Guid[]> DoctorsAsync(NpgsqlDataSource sql)
    {
        var ids = new List<Guid>();
        await using var cmd = sql.CreateCommand("SELECT id FROM doctors ORDER BY license_number DESC LIMIT 2");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) ids.Add(r.GetGuid(0));
        return [.. ids];
    }

    /// <summary>Empties the doctor's queue of today and puts <paramref name="count"/> new patients in it, waiting.</summary>
    static async Task<Guid[]> FillAsync(NpgsqlDataSource sql, Guid doctorId, DateOnly today, int count)
    {
        var patients = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        await using var conn = await sql.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("""
            DELETE FROM queue_tokens WHERE doctor_id = $1 AND local_date = $2;
            """, conn, tx) { Parameters = { new() { Value = doctorId }, new() { Value = today } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO patients (id, patient_code, first_name, last_name, date_of_birth, gender, created_at, updated_at)
            SELECT id, 'QB-' || replace(id::text, '-', ''), 'Bench', 'Patient ' || ord, date '1990-01-01', 'OTHER', now(), now()
            FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord)
            """, conn, tx) { Parameters = { new() { Value = patients } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO queue_tokens (id, doctor_id, local_date, number, patient_id, priority, status, arrived_at, updated_at)
            SELECT gen_random_uuid(), $1, $2, ord, id, CASE WHEN ord % 10 = 0 THEN 1 WHEN ord % 4 = 0 THEN 2 ELSE 3 END, 'WAITING',
                now() - make_interval(secs => $3 - ord), now()
            FROM unnest($4::uuid[]) WITH ORDINALITY AS u(id, ord);
            """, conn, tx) { Parameters = { new() { Value = doctorId }, new() { Value = today }, new() { Value = (double)count }, new() { Value = patients } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO queue_counters (doctor_id, local_date, last_number) VALUES ($1, $2, $3)
            ON CONFLICT (doctor_id, local_date) DO UPDATE SET last_number = excluded.last_number
            """, conn, tx) { Parameters = { new() { Value = doctorId }, new() { Value = today }, new() { Value = count } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var ids = new NpgsqlCommand("SELECT id FROM queue_tokens WHERE doctor_id = $1 AND local_date = $2", conn, tx)
        { Parameters = { new() { Value = doctorId }, new() { Value = today } } })
        {
            var list = new List<Guid>();
            await using var r = await ids.ExecuteReaderAsync();
            while (await r.ReadAsync()) list.Add(r.GetGuid(0));
            await r.DisposeAsync();
            await tx.CommitAsync();
            return [.. list];
        }
    }

    static async Task<Run> RaceApiAsync(HttpClient http, Guid doctorId, int workers)
    {
        var handed = new ConcurrentBag<Guid>();
        var empty = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                using var r = await http.PostAsJsonAsync("/api/v1/queue/next", new { doctorId });
                if (r.StatusCode == HttpStatusCode.NoContent) { Interlocked.Increment(ref empty); return; }
                if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"queue/next: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
                handed.Add((await r.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>());
            }
        })));
        clock.Stop();
        return new Run([.. handed], clock.Elapsed, empty);
    }

    static async Task<Run> RaceSqlAsync(NpgsqlDataSource sql, Guid doctorId, DateOnly today, int workers)
    {
        var handed = new ConcurrentBag<Guid>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                await using var cmd = sql.CreateCommand("""
                    UPDATE queue_tokens SET status = 'SERVING', called_at = now(), updated_at = now()
                    WHERE id = (SELECT id FROM queue_tokens WHERE doctor_id = $1 AND local_date = $2 AND status = 'WAITING'
                                ORDER BY priority, appointment_starts_at NULLS LAST, arrived_at, number LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING id
                    """);
                cmd.Parameters.AddWithValue(doctorId);
                cmd.Parameters.AddWithValue(today);
                if (await cmd.ExecuteScalarAsync() is not Guid id) return;
                handed.Add(id);
            }
        })));
        clock.Stop();
        return new Run([.. handed], clock.Elapsed, workers);
    }

    static async Task<Check> CheckAsync(NpgsqlDataSource sql, Guid doctorId, DateOnly today, Guid[] filled, List<Guid> handed)
    {
        await using var cmd = sql.CreateCommand("""
            SELECT count(*) FILTER (WHERE status = 'SERVING'), count(*) FILTER (WHERE status = 'WAITING')
            FROM queue_tokens WHERE doctor_id = $1 AND local_date = $2
            """);
        cmd.Parameters.AddWithValue(doctorId);
        cmd.Parameters.AddWithValue(today);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        var lost = filled.Except(handed).Count();
        return new Check(filled.Length, handed.Count, handed.Distinct().Count(), lost, (int)r.GetInt64(0), (int)r.GetInt64(1));
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, int tokens, Run api, Check apiCheck, Run sql, Check sqlCheck, EmbeddedPostgres pg)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# queue/next under contention: {tokens:N0} waiting tokens, {o.Concurrency} workers").AppendLine();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode queue --tokens {tokens} --concurrency {o.Concurrency}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine($"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=256MB");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine($"One doctor's queue of today holds {tokens:N0} WAITING tokens (a tenth emergencies, some elderly). {o.Concurrency} workers each call");
        md.AppendLine("`POST /api/v1/queue/next` in a loop until it answers 204 (empty queue). Each call is authenticated, locks the next token with");
        md.AppendLine("`FOR UPDATE SKIP LOCKED`, moves it to SERVING, writes an audit entry and a `pg_notify`, and commits. Side by side, the same");
        md.AppendLine("claim as one SQL statement straight on PostgreSQL (a second doctor's queue of the same size, as many workers).").AppendLine();
        md.AppendLine("| | tokens handed | seconds | successful calls/s | handed twice | lost | SERVING in db | still WAITING | invariant |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|:---:|");
        string Row(string name, Run run, Check c) => string.Create(inv,
            $"| {name} | {c.Handed:N0} | {run.Elapsed.TotalSeconds:F2} | {run.Rate:F0} | {c.Handed - c.Distinct} | {c.Lost} | {c.ServingInDb:N0} | {c.WaitingInDb} | {(c.Ok ? "held" : "**broken**")} |");
        md.AppendLine(Row("`POST /api/v1/queue/next` (API)", api, apiCheck));
        md.AppendLine(Row("claim SQL on PostgreSQL", sql, sqlCheck));
        md.AppendLine().AppendLine(string.Create(inv, $"Ratio API / SQL: {api.Rate / sql.Rate:F2}."));
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "queue-next.md");
        await File.WriteAllTextAsync(file, md.ToString());
        return file;
    }
}
