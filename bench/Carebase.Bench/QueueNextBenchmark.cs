using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// The waiting room at full speed: many doctors of the demo hospital, each with a queue of waiting tokens and one
/// worker that loops <c>POST /queue/next</c> → <c>POST /queue/{id}/serve</c> on its doctor through the API process
/// until the queue is empty (a doctor sees one patient at a time). Side by side, as many workers run the same SQL
/// straight on PostgreSQL on as many other doctors: the statements the API sends, in the same transactions, with the
/// same audit insert and the same notification (the trigger). Each side is checked in SQL: every token served once,
/// called and served audited once, never two tokens of a doctor SERVING.
/// </summary>
public static class QueueNextBenchmark
{
    const string Schema = "tenant_general";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        var tokens = int.Parse(args.SkipWhile(a => a != "--tokens").Skip(1).FirstOrDefault() ?? "4000", CultureInfo.InvariantCulture);
        var workers = o.Concurrency;
        var perDoctor = Math.Max(1, tokens / workers);
        var rounds = int.Parse(args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() ?? "2", CultureInfo.InvariantCulture);
        Console.WriteLine($"queue benchmark: {workers} doctors per side, {perDoctor:N0} waiting tokens each, next → serve");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "queue"), "-c shared_buffers=256MB", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
            var tenantId = await sql.CreateCommand($"SELECT id FROM platform.tenants WHERE schema_name = '{Schema}'").ExecuteScalarAsync() as Guid?
                ?? throw new InvalidOperationException("The demo hospital is missing.");
            var doctors = await DoctorsAsync(sql, tenantId, 4 * workers);
            var (apiDoctors, sqlDoctors) = (doctors[..workers], doctors[workers..(2 * workers)]);
            var (apiWarm, sqlWarm) = (doctors[(2 * workers)..(3 * workers)], doctors[(3 * workers)..]);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "doctor@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            var signIn = (await login.Content.ReadFromJsonAsync<JsonObject>())!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signIn["accessToken"]!.GetValue<string>());
            var caller = await CallerAsync(sql, "doctor@general.demo", tenantId);

            // Warm-up on other doctors, so neither timed side pays for JIT, pool growth or cold caches.
            await FillAsync(sql, apiWarm, today, 20);
            await RaceApiAsync(http, apiWarm);
            await FillAsync(sql, sqlWarm, today, 20);
            await RaceSqlAsync(sql, sqlWarm, today, caller);

            // Rounds alternate which side goes first, so a change of the machine's load during the run weighs on both.
            var load = new List<string> { LoadAverage() };
            var runs = new List<Side>();
            for (var round = 1; round <= rounds; round++)
                foreach (var api1 in round % 2 == 1 ? new[] { true, false } : [false, true])
                {
                    var side = api1 ? apiDoctors : sqlDoctors;
                    var ids = await FillAsync(sql, side, today, perDoctor);
                    using var sampling = new CancellationTokenSource();
                    var waits = SampleWaitsAsync(pg, api1 ? "carebase" : "bench-sql", sampling.Token);
                    var run = api1 ? await RaceApiAsync(http, side) : await RaceSqlAsync(sql, side, today, caller);
                    await sampling.CancelAsync();
                    var check = await CheckAsync(sql, side, today, ids, run.Served);
                    runs.Add(new Side(api1, round, run, check, await waits));
                    Console.WriteLine($"round {round} {(api1 ? "API" : "SQL")}: {run.Served.Count:N0} patients in {run.Elapsed.TotalSeconds:F2} s = {run.Rate:F0}/s; {check}");
                }
            load.Add(LoadAverage());

            var file = await WriteResultsAsync(o, tokens, workers, perDoctor, rounds, runs, load, pg);
            Console.WriteLine($"Results written to {file}");
            return runs.All(r => r.Check.Ok) ? 0 : 1;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    sealed record Side(bool Api, int Round, Run Run, Check Check, Dictionary<string, int> Waits);

    /// <summary>
    /// What the side's database sessions are doing, sampled from pg_stat_activity every 50 ms while it runs: counts of
    /// busy sessions by wait event ("cpu" when running), and of sessions idle inside a transaction (waiting for their client).
    /// </summary>
    static async Task<Dictionary<string, int>> SampleWaitsAsync(EmbeddedPostgres pg, string application, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>();
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(pg.ConnectionString) { ApplicationName = "bench-sampler" }.ConnectionString);
        await conn.OpenAsync(CancellationToken.None);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await using (var cmd = new NpgsqlCommand("""
                    SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (client)'
                                ELSE coalesce(wait_event_type || ': ' || wait_event, 'cpu') END
                    FROM pg_stat_activity WHERE application_name = $1 AND state IN ('active', 'idle in transaction')
                    """, conn) { Parameters = { new() { Value = application } } })
                await using (var r = await cmd.ExecuteReaderAsync(CancellationToken.None))
                    while (await r.ReadAsync(CancellationToken.None)) counts[r.GetString(0)] = counts.GetValueOrDefault(r.GetString(0)) + 1;
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
        }
        catch (OperationCanceledException) { /* the side finished */ }
        return counts;
    }

    /// <summary>The 1-, 5- and 15-minute load averages: other work on the machine shows here.</summary>
    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Patients served (next, then serve) and how long it took; <c>Refused</c> counts 409s from next.</summary>
    sealed record Run(List<Guid> Served, TimeSpan Elapsed, int Refused)
    {
        public double Rate => Served.Count / Elapsed.TotalSeconds;
    }

    sealed record Check(int Expected, int Served, int Distinct, int Lost, int ServedInDb, int LeftOver, int Called, int ServedAudit)
    {
        public bool Ok => Served == Expected && Distinct == Expected && Lost == 0 && ServedInDb == Expected && LeftOver == 0
            && Called == Expected && ServedAudit == Expected;
        public override string ToString() =>
            $"served {Served:N0}, distinct {Distinct:N0}, lost {Lost}, SERVED in the database {ServedInDb:N0}, still waiting or serving {LeftOver}, " +
            $"audit called/served {Called:N0}/{ServedAudit:N0} → {(Ok ? "OK" : "BROKEN")}";
    }

    /// <summary>The signed-in doctor as the audit trail records them (the raw side writes the same entries).</summary>
    sealed record Caller(Guid UserId, string Email, string[] Roles, Guid TenantId);

    static async Task<Caller> CallerAsync(NpgsqlDataSource sql, string email, Guid tenantId)
    {
        await using var cmd = sql.CreateCommand("""
            SELECT u.id, u.email, array_agg(r.name::text) FROM platform.users u
            JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
            WHERE u.normalized_email = upper($1) GROUP BY u.id, u.email
            """);
        cmd.Parameters.AddWithValue(email);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new Caller(r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), tenantId);
    }

    /// <summary>Bench doctors (accounts and profiles) of the demo hospital, made once and kept with the data.</summary>
    static async Task<Guid[]> DoctorsAsync(NpgsqlDataSource sql, Guid tenantId, int count)
    {
        await using (var cmd = sql.CreateCommand("""
            WITH missing AS (
                SELECT n, gen_random_uuid() AS user_id FROM generate_series(1, $2) n
                WHERE NOT EXISTS (SELECT 1 FROM doctors WHERE license_number = 'BENCH-' || n)
            ), users AS (
                INSERT INTO platform.users (id, tenant_id, user_name, normalized_user_name, email, normalized_email, first_name, last_name,
                    created_at, updated_at)
                SELECT user_id, $1, 'bench' || n || '@general.demo', upper('bench' || n || '@general.demo'), 'bench' || n || '@general.demo',
                    upper('bench' || n || '@general.demo'), 'Bench', 'Doctor ' || n, now(), now()
                FROM missing RETURNING id
            )
            INSERT INTO doctors (id, user_id, specialization, license_number, years_of_experience, consultation_fee, created_at, updated_at)
            SELECT gen_random_uuid(), m.user_id, 'General Medicine', 'BENCH-' || m.n, 5, 100, now(), now()
            FROM missing m JOIN users u ON u.id = m.user_id
            """))
        {
            cmd.Parameters.AddWithValue(tenantId);
            cmd.Parameters.AddWithValue(count);
            await cmd.ExecuteNonQueryAsync();
        }
        var ids = new List<Guid>();
        await using (var cmd = sql.CreateCommand(
            "SELECT id FROM doctors WHERE license_number LIKE 'BENCH-%' ORDER BY substr(license_number::text, 7)::int LIMIT $1"))
        {
            cmd.Parameters.AddWithValue(count);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) ids.Add(r.GetGuid(0));
        }
        return [.. ids];
    }

    /// <summary>Empties each doctor's queue of today and puts <paramref name="count"/> new patients in it, waiting.</summary>
    static async Task<Guid[]> FillAsync(NpgsqlDataSource sql, Guid[] doctors, DateOnly today, int count)
    {
        await using var conn = await sql.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("""
            DELETE FROM queue_tokens WHERE doctor_id = ANY($1) AND local_date = $2;
            """, conn, tx) { Parameters = { new() { Value = doctors }, new() { Value = today } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("""
            WITH n AS (SELECT i, gen_random_uuid() AS id FROM generate_series(0, $3 * cardinality($1::uuid[]) - 1) i),
            p AS (
                INSERT INTO patients (id, patient_code, first_name, last_name, date_of_birth, gender, created_at, updated_at)
                SELECT id, 'QB-' || replace(id::text, '-', ''), 'Bench', 'Patient ' || i, date '1990-01-01', 'OTHER', now(), now() FROM n
            )
            INSERT INTO queue_tokens (id, doctor_id, local_date, number, patient_id, priority, status, arrived_at, updated_at)
            SELECT gen_random_uuid(), ($1::uuid[])[i / $3 + 1], $2, i % $3 + 1, id,
                CASE WHEN i % 10 = 0 THEN 1 WHEN i % 4 = 0 THEN 2 ELSE 3 END, 'WAITING', now() - make_interval(secs => $3 - i % $3), now()
            FROM n
            """, conn, tx) { Parameters = { new() { Value = doctors }, new() { Value = today }, new() { Value = count } } })
            await cmd.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO queue_counters (doctor_id, local_date, last_number) SELECT unnest($1::uuid[]), $2, $3
            ON CONFLICT (doctor_id, local_date) DO UPDATE SET last_number = excluded.last_number
            """, conn, tx) { Parameters = { new() { Value = doctors }, new() { Value = today }, new() { Value = count } } })
            await cmd.ExecuteNonQueryAsync();
        var list = new List<Guid>();
        await using (var ids = new NpgsqlCommand("SELECT id FROM queue_tokens WHERE doctor_id = ANY($1) AND local_date = $2", conn, tx)
        { Parameters = { new() { Value = doctors }, new() { Value = today } } })
        await using (var r = await ids.ExecuteReaderAsync())
            while (await r.ReadAsync()) list.Add(r.GetGuid(0));
        await tx.CommitAsync();
        return [.. list];
    }

    /// <summary>One worker per doctor: next, then serve what it got, until next answers 204.</summary>
    static async Task<Run> RaceApiAsync(HttpClient http, Guid[] doctors)
    {
        var served = new ConcurrentBag<Guid>();
        var refused = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(doctors.Select(doctorId => Task.Run(async () =>
        {
            while (true)
            {
                using var next = await http.PostAsJsonAsync("/api/v1/queue/next", new { doctorId });
                if (next.StatusCode == HttpStatusCode.NoContent) return;
                if (next.StatusCode == HttpStatusCode.Conflict) { Interlocked.Increment(ref refused); continue; }
                if (!next.IsSuccessStatusCode) throw new InvalidOperationException($"queue/next: {(int)next.StatusCode} {await next.Content.ReadAsStringAsync()}");
                var id = (await next.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
                using var serve = await http.PostAsync($"/api/v1/queue/{id}/serve", null);
                if (!serve.IsSuccessStatusCode) throw new InvalidOperationException($"queue/serve: {(int)serve.StatusCode} {await serve.Content.ReadAsStringAsync()}");
                served.Add(id);
            }
        })));
        clock.Stop();
        return new Run([.. served], clock.Elapsed, refused);
    }

    // The statements the API sends, as EF Core writes them (copied from the server's statement log). A read of the head of the line
    // (the SERVING token if any, else the next WAITING one, with the patient and the appointment), then one batch in a
    // transaction: the audit entry (the chaining trigger numbers it) and the token's UPDATE checked against the status
    // it was read with (the notification comes from the trigger); then COMMIT.
    const string HeadSql = """
        SELECT q.id, q.appointment_id, q.appointment_starts_at, q.arrived_at, q.called_at, q.called_by, q.doctor_id, q.left_at, q.local_date,
            q.number, q.patient_id, q.priority, q.priority_reason, q.served_at, q.status, q.updated_at, p.first_name || ' ' || p.last_name,
            a.id, a.cancel_reason, a.cancelled_at, a.checked_in_at, a.completed_at, a.confirmed_at, a.created_at, a.created_by, a.department_id,
            a.doctor_id, a.ends_at, a.local_date, a.needs_reschedule, a.no_show_at, a.notes, a.patient_id, a.reason, a.scheduled_at, a.series_id,
            a.started_at, a.starts_at, a.status, a.updated_at, a.updated_by, a.version
        FROM (
            SELECT * FROM queue_tokens WHERE doctor_id = $1 AND local_date = $2 AND status = 'SERVING'
            UNION ALL
            (SELECT * FROM queue_tokens WHERE doctor_id = $3 AND local_date = $4 AND status = 'WAITING'
             ORDER BY priority, appointment_starts_at NULLS LAST, arrived_at, number LIMIT 1)
        ) AS q
        INNER JOIN patients AS p ON q.patient_id = p.id
        LEFT JOIN appointments AS a ON q.appointment_id = a.id
        """;

    const string TokenSql = """
        SELECT q.id, q.appointment_id, q.appointment_starts_at, q.arrived_at, q.called_at, q.called_by, q.doctor_id, q.left_at, q.local_date,
            q.number, q.patient_id, q.priority, q.priority_reason, q.served_at, q.status, q.updated_at, p.first_name || ' ' || p.last_name,
            a.id, a.cancel_reason, a.cancelled_at, a.checked_in_at, a.completed_at, a.confirmed_at, a.created_at, a.created_by, a.department_id,
            a.doctor_id, a.ends_at, a.local_date, a.needs_reschedule, a.no_show_at, a.notes, a.patient_id, a.reason, a.scheduled_at, a.series_id,
            a.started_at, a.starts_at, a.status, a.updated_at, a.updated_by, a.version
        FROM queue_tokens AS q
        INNER JOIN patients AS p ON q.patient_id = p.id
        LEFT JOIN appointments AS a ON q.appointment_id = a.id
        WHERE q.id = $1
        LIMIT 2
        """;

    const string AuditSql = """
        INSERT INTO audit_log (id, action, changes, ip, occurred_at, outcome, request_id, resource_id, resource_type, roles, tenant_id, user_agent, user_email, user_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        RETURNING hash, prev_hash, seq
        """;

    const string CallSql = "UPDATE queue_tokens SET called_at = $1, called_by = $2, status = $3, updated_at = $4 WHERE id = $5 AND status = $6";
    const string ServeSql = "UPDATE queue_tokens SET served_at = $1, status = $2, updated_at = $3 WHERE id = $4 AND status = $5";

    /// <summary>The same work as <see cref="RaceApiAsync"/>, as the API's statements on a direct connection per worker.</summary>
    static async Task<Run> RaceSqlAsync(NpgsqlDataSource sql, Guid[] doctors, DateOnly today, Caller caller)
    {
        var served = new ConcurrentBag<Guid>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(doctors.Select(doctorId => Task.Run(async () =>
        {
            while (true)
            {
                // next
                Guid id;
                int number;
                await using (var conn = await sql.OpenConnectionAsync())
                {
                    await using (var head = new NpgsqlCommand(HeadSql, conn)
                        { Parameters = { new() { Value = doctorId }, new() { Value = today }, new() { Value = doctorId }, new() { Value = today } } })
                    await using (var r = await head.ExecuteReaderAsync())
                    {
                        if (!await r.ReadAsync()) return;
                        if (r.GetString(14) != "WAITING") throw new InvalidOperationException("A patient is being served.");
                        (id, number) = (r.GetGuid(0), r.GetInt32(9));
                    }
                    var now = DateTimeOffset.UtcNow;
                    await SaveAsync(conn, caller, "queue.called", id, new { from = "WAITING", to = "SERVING", doctorId, number, appointmentId = (Guid?)null, reason = (string?)null },
                        new NpgsqlBatchCommand(CallSql) { Parameters = { new() { Value = now }, new() { Value = caller.UserId }, new() { Value = "SERVING" },
                            new() { Value = now }, new() { Value = id }, new() { Value = "WAITING" } } });
                }
                // serve
                await using (var conn = await sql.OpenConnectionAsync())
                {
                    await using (var token = new NpgsqlCommand(TokenSql, conn) { Parameters = { new() { Value = id } } })
                    await using (var r = await token.ExecuteReaderAsync())
                        if (!await r.ReadAsync() || r.GetString(14) != "SERVING") throw new InvalidOperationException("The token is not being served.");
                    var now = DateTimeOffset.UtcNow;
                    await SaveAsync(conn, caller, "queue.served", id, new { from = "SERVING", to = "SERVED", doctorId, number, appointmentId = (Guid?)null, reason = (string?)null },
                        new NpgsqlBatchCommand(ServeSql) { Parameters = { new() { Value = now }, new() { Value = "SERVED" }, new() { Value = now },
                            new() { Value = id }, new() { Value = "SERVING" } } });
                }
                served.Add(id);
            }
        })));
        clock.Stop();
        return new Run([.. served], clock.Elapsed, 0);
    }

    /// <summary>BEGIN with the batch (audit entry, then the token's UPDATE, checked to have hit its row), then COMMIT.</summary>
    static async Task SaveAsync(NpgsqlConnection conn, Caller caller, string action, Guid tokenId, object changes, NpgsqlBatchCommand update)
    {
        await using var tx = await conn.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(AuditSql)
                {
                    Parameters =
                    {
                        new() { Value = Guid.CreateVersion7() }, new() { Value = action }, new() { Value = JsonSerializer.Serialize(changes, Json), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb },
                        new() { Value = "127.0.0.1" }, new() { Value = DateTimeOffset.UtcNow }, new() { Value = "SUCCESS" }, new() { Value = Guid.NewGuid().ToString() },
                        new() { Value = tokenId.ToString() }, new() { Value = "queue_token" }, new() { Value = caller.Roles }, new() { Value = caller.TenantId },
                        new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text }, new() { Value = caller.Email }, new() { Value = caller.UserId },
                    },
                },
                update,
            },
        };
        await using (var r = await batch.ExecuteReaderAsync())
            while (await r.ReadAsync()) { }
        if (update.RecordsAffected != 1) throw new InvalidOperationException("The token moved meanwhile.");
        await tx.CommitAsync();
    }

    static async Task<Check> CheckAsync(NpgsqlDataSource sql, Guid[] doctors, DateOnly today, Guid[] filled, List<Guid> served)
    {
        await using var cmd = sql.CreateCommand("""
            SELECT count(*) FILTER (WHERE status = 'SERVED'), count(*) FILTER (WHERE status IN ('WAITING', 'SERVING')),
                (SELECT count(*) FROM audit_log WHERE action = 'queue.called' AND resource_id = ANY($3)),
                (SELECT count(*) FROM audit_log WHERE action = 'queue.served' AND resource_id = ANY($3))
            FROM queue_tokens WHERE doctor_id = ANY($1) AND local_date = $2
            """);
        cmd.Parameters.AddWithValue(doctors);
        cmd.Parameters.AddWithValue(today);
        cmd.Parameters.AddWithValue(filled.Select(f => f.ToString()).ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        var lost = filled.Except(served).Count();
        return new Check(filled.Length, served.Count, served.Distinct().Count(), lost, (int)r.GetInt64(0), (int)r.GetInt64(1),
            (int)r.GetInt64(2), (int)r.GetInt64(3));
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, int tokens, int workers, int perDoctor, int rounds, List<Side> runs, List<string> load,
        EmbeddedPostgres pg)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# The queue at full speed: {workers} doctors, next → serve").AppendLine();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode queue --tokens {tokens} --concurrency {workers} --rounds {rounds}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine($"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=256MB");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.");
        md.AppendLine($"- Load average (1, 5, 15 min) when the timed rounds began: {load[0]}; when they ended: {load[^1]}.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine($"A doctor sees one patient at a time, so the load is many doctors: {workers} doctors of the demo hospital each have {perDoctor:N0} WAITING");
        md.AppendLine("tokens of today (a tenth emergencies, some elderly), and one worker per doctor loops `POST /api/v1/queue/next` then");
        md.AppendLine("`POST /api/v1/queue/{id}/serve` until next answers 204. Every call is authenticated; next reads the head of the line,");
        md.AppendLine("then saves the token (its UPDATE checks the status it read) with its audit entry, and the database's trigger sends");
        md.AppendLine("the queue's `pg_notify`; serve does the same for SERVING → SERVED.").AppendLine();
        md.AppendLine($"Side by side, {workers} workers on {workers} other doctors run the same SQL straight on PostgreSQL: the statements the API");
        md.AppendLine("sends, as the API sends them (the read; BEGIN with the audit insert and the UPDATE in one batch; COMMIT), with the same");
        md.AppendLine("audit entries (the chaining trigger) and the same notification trigger. What the raw side does not do is the API's own");
        md.AppendLine("work: HTTP, the bearer token and session, the tenant's `search_path` on each connection, EF Core, JSON. Rounds alternate");
        md.AppendLine("which side goes first.").AppendLine();
        md.AppendLine("| round | side | patients served (next + serve) | seconds | patients/s | 409 from next | served twice | lost | left waiting or serving | audit called / served | invariant |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var (api, round, run, c, _) in runs)
            md.AppendLine(string.Create(inv,
                $"| {round} | {(api ? "API (`queue/next` + `queue/{id}/serve`)" : "the same SQL on PostgreSQL")} | {c.Served:N0} | {run.Elapsed.TotalSeconds:F2} | {run.Rate:F0} | {run.Refused} | {c.Served - c.Distinct} | {c.Lost} | {c.LeftOver} | {c.Called:N0} / {c.ServedAudit:N0} | {(c.Ok ? "held" : "**broken**")} |"));
        double Rate(bool api) => runs.Where(r => r.Api == api).Sum(r => r.Run.Served.Count) / runs.Where(r => r.Api == api).Sum(r => r.Run.Elapsed.TotalSeconds);
        md.AppendLine().AppendLine(string.Create(inv,
            $"All rounds: API {Rate(true):F0} patients/s ({2 * Rate(true):F0} HTTP calls/s), SQL {Rate(false):F0} patients/s. **Ratio API / SQL: {Rate(true) / Rate(false):F2}.**"));
        md.AppendLine().AppendLine("## Where the time goes").AppendLine();
        md.AppendLine("Database sessions of each side, sampled from `pg_stat_activity` every 50 ms during its rounds (share of the samples):").AppendLine();
        md.AppendLine("| side | what the busy sessions were doing |");
        md.AppendLine("|---|---|");
        foreach (var api in new[] { true, false })
        {
            var all = runs.Where(r => r.Api == api).SelectMany(r => r.Waits).GroupBy(w => w.Key).Select(g => (g.Key, n: g.Sum(w => w.Value)))
                .OrderByDescending(w => w.n).ToList();
            var total = Math.Max(1, all.Sum(w => w.n));
            md.AppendLine($"| {(api ? "API" : "SQL")} | {string.Join("; ", all.Take(5).Select(w => string.Create(inv, $"{w.Key} {100.0 * w.n / total:F0}%")))} |");
        }
        md.AppendLine().AppendLine("`Lock: advisory` is the hospital's audit chain: the chaining trigger of `audit_log` takes a transaction-level advisory");
        md.AppendLine("lock on the trail for each insert, held until that transaction commits, so the audited changes of one hospital take");
        md.AppendLine("turns from their audit insert to the end of their COMMIT, whichever side sends them.");
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "queue-next.md");
        await File.WriteAllTextAsync(file, md.ToString());
        return file;
    }
}
