using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// The pharmacy at full speed: a shared catalog of 200 medicines (a few hot ones most prescriptions use, four batches
/// each), N issued prescriptions of one to three items, and 32 clients dispensing them at once: through the API process
/// (<c>POST /api/v1/dispensings</c> with an Idempotency-Key), then as the handler's own statements straight on
/// PostgreSQL (<see cref="DispensingLocks"/>: the prescription locked, the reads, the batches locked in id order, the
/// writes in one batch, the commit, the audit seal) over 32 connections. After each side the stock invariants are checked.
/// </summary>
public static class DispensingBenchmark
{
    const string Schema = "tenant_general";
    const int Medicines = 200, Hot = 5, BatchesPerMedicine = 4;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    sealed record Medicine(Guid Id, string Name, decimal Price);
    sealed record Rx(Guid Id, Guid PatientId);
    sealed record Side(string Name, int Done, int Refused, TimeSpan Elapsed, List<double> Latencies, Check Check)
    {
        public double Rate => Done / Elapsed.TotalSeconds;
    }
    sealed record Check(long Negative, long FefoViolations, long LedgerMismatches, long Dispensed, long Units)
    {
        public bool Ok => Negative == 0 && FefoViolations == 0 && LedgerMismatches == 0;
    }

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var count = o.Iterations;
        var clients = o.Concurrency;
        Console.WriteLine($"dispense benchmark: {count:N0} prescriptions per side, {clients} concurrent clients");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "dispense"), "-c shared_buffers=256MB", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            await using var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 100, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var run = Guid.NewGuid().ToString("N")[..8];
            var tenantId = (Guid)(await sql.CreateCommand($"SELECT id FROM platform.tenants WHERE schema_name = '{Schema}'").ExecuteScalarAsync())!;
            var catalog = await CatalogAsync(sql, run);
            var rng = new Random(11);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "admin@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>());
            var caller = await CallerAsync(sql, "admin@general.demo", tenantId);

            // Warm-up on both sides (JIT, pools, caches), then the timed runs.
            await RunApiAsync(http, await PrescriptionsAsync(sql, catalog, 64, rng, run + "w1"), clients);
            await RunSqlAsync(sql, await PrescriptionsAsync(sql, catalog, 64, rng, run + "w2"), clients, caller);
            var load = new List<string> { LoadAverage() };
            var apiRun = await RunApiAsync(http, await PrescriptionsAsync(sql, catalog, count, rng, run + "a"), clients);
            var apiSide = apiRun with { Check = await CheckAsync(sql, catalog) };
            Console.WriteLine($"API: {apiSide.Done:N0} in {apiSide.Elapsed.TotalSeconds:F1} s = {apiSide.Rate:F0}/s; {apiSide.Check}");
            var sqlRun = await RunSqlAsync(sql, await PrescriptionsAsync(sql, catalog, count, rng, run + "s"), clients, caller);
            var sqlSide = sqlRun with { Check = await CheckAsync(sql, catalog) };
            Console.WriteLine($"SQL: {sqlSide.Done:N0} in {sqlSide.Elapsed.TotalSeconds:F1} s = {sqlSide.Rate:F0}/s; {sqlSide.Check}");
            load.Add(LoadAverage());

            var file = await WriteResultsAsync(o, pg, count, clients, apiSide, sqlSide, load);
            Console.WriteLine($"Results: {file}");
            return apiSide.Check.Ok && sqlSide.Check.Ok ? 0 : 1;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    /// <summary>200 medicines of this run, four batches each (expiring in 2 to 11 months), received with IN movements.</summary>
    static async Task<List<Medicine>> CatalogAsync(NpgsqlDataSource sql, string run)
    {
        var medicines = Enumerable.Range(0, Medicines).Select(i => new Medicine(Guid.CreateVersion7(), $"Bench {run} {i:D3}", 0.25m * (1 + i % 20))).ToList();
        await using var conn = await sql.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO stock_items (id, kind, name, generic_name, unit, sale_price, created_at, updated_at)
            SELECT id, 'MEDICINE', name, name, 'tablet', price, now(), now() FROM unnest($1::uuid[], $2::text[], $3::numeric[]) AS t(id, name, price)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(medicines.Select(m => m.Id).ToArray());
            cmd.Parameters.AddWithValue(medicines.Select(m => m.Name).ToArray());
            cmd.Parameters.AddWithValue(medicines.Select(m => m.Price).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
        var batches = medicines.SelectMany((m, i) => Enumerable.Range(0, BatchesPerMedicine).Select(k =>
            (id: Guid.CreateVersion7(), item: m.Id, number: $"BB-{k}", days: 60 + 90 * k, quantity: i < Hot ? 100_000 : 10_000))).ToList();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO stock_batches (id, stock_item_id, batch_number, expiry_date, quantity_received, unit_cost, received_at, updated_at)
            SELECT id, item, number, current_date + days, quantity, 0.1, now(), now()
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[]) AS t(id, item, number, days, quantity);
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(batches.Select(b => b.id).ToArray());
            cmd.Parameters.AddWithValue(batches.Select(b => b.item).ToArray());
            cmd.Parameters.AddWithValue(batches.Select(b => b.number).ToArray());
            cmd.Parameters.AddWithValue(batches.Select(b => b.days).ToArray());
            cmd.Parameters.AddWithValue(batches.Select(b => b.quantity).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO stock_movements (id, batch_id, stock_item_id, kind, quantity, document_type, occurred_at)
            SELECT gen_random_uuid(), id, stock_item_id, 'IN', quantity_received, 'RECEIPT', now() FROM stock_batches WHERE id = ANY($1)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(batches.Select(b => b.id).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return medicines;
    }

    /// <summary>Issued prescriptions of demo patients (not confidential ones: the admin is on no care team), 1–3 distinct medicines each, 80% of the items one of the hot medicines.</summary>
    static async Task<List<Rx>> PrescriptionsAsync(NpgsqlDataSource sql, List<Medicine> catalog, int count, Random rng, string tag)
    {
        var patients = new List<Guid>();
        await using (var cmd = sql.CreateCommand("SELECT id FROM patients WHERE deleted_at IS NULL AND NOT confidential ORDER BY id LIMIT 500"))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) patients.Add(r.GetGuid(0));
        var doctor = (Guid)(await sql.CreateCommand("SELECT id FROM doctors ORDER BY id LIMIT 1").ExecuteScalarAsync())!;
        var rxs = Enumerable.Range(0, count).Select(_ => new Rx(Guid.CreateVersion7(), patients[rng.Next(patients.Count)])).ToList();
        var items = new List<(Guid rx, int position, Medicine medicine, int quantity, int days)>();
        foreach (var rx in rxs)
        {
            var picked = new HashSet<Medicine>();
            var n = 1 + rng.Next(3);
            while (picked.Count < n) picked.Add(rng.NextDouble() < 0.8 ? catalog[rng.Next(Hot)] : catalog[Hot + rng.Next(Medicines - Hot)]);
            items.AddRange(picked.Select((m, i) => (rx.Id, i, m, 1 + rng.Next(30), 5 + rng.Next(26))));
        }
        await using var conn = await sql.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO prescriptions (id, patient_id, doctor_id, status, code, issued_at, created_at, updated_at)
            SELECT id, patient, $3, 'ISSUED', $4 || '-' || n, now(), now(), now() FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS t(id, patient, n)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(rxs.Select(r => r.Id).ToArray());
            cmd.Parameters.AddWithValue(rxs.Select(r => r.PatientId).ToArray());
            cmd.Parameters.AddWithValue(doctor);
            cmd.Parameters.AddWithValue($"RX-BENCH-{tag}");
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO prescription_items (id, prescription_id, position, stock_item_id, medicine, dose_amount, dose_unit, frequency, route, duration_days, quantity)
            SELECT gen_random_uuid(), rx, position, item, medicine, 1, 'tablet', 'BID', 'oral', days, quantity
            FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::int[]) AS t(rx, position, item, medicine, days, quantity)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(items.Select(i => i.rx).ToArray());
            cmd.Parameters.AddWithValue(items.Select(i => i.position).ToArray());
            cmd.Parameters.AddWithValue(items.Select(i => i.medicine.Id).ToArray());
            cmd.Parameters.AddWithValue(items.Select(i => i.medicine.Name).ToArray());
            cmd.Parameters.AddWithValue(items.Select(i => i.days).ToArray());
            cmd.Parameters.AddWithValue(items.Select(i => i.quantity).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return rxs;
    }

    /// <summary>Clients take the next prescription from a shared counter and dispense all of it.</summary>
    static async Task<Side> RaceAsync(string name, List<Rx> rxs, int clients, Func<Rx, Task<bool>> dispense)
    {
        var next = -1;
        var (done, refused) = (0, 0);
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < rxs.Count; i = Interlocked.Increment(ref next))
            {
                var sw = Stopwatch.StartNew();
                var ok = await dispense(rxs[i]);
                latencies.Add(sw.Elapsed.TotalMilliseconds);
                if (ok) Interlocked.Increment(ref done);
                else Interlocked.Increment(ref refused);
            }
        })));
        clock.Stop();
        return new Side(name, done, refused, clock.Elapsed, [.. latencies], new Check(0, 0, 0, 0, 0));
    }

    static Task<Side> RunApiAsync(HttpClient http, List<Rx> rxs, int clients) => RaceAsync("API", rxs, clients, async rx =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dispensings") { Content = JsonContent.Create(new { prescriptionId = rx.Id }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        if (response.StatusCode == System.Net.HttpStatusCode.Created) return true;
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == System.Net.HttpStatusCode.Conflict) return false;
        throw new InvalidOperationException($"POST /dispensings answered {(int)response.StatusCode}: {body}");
    });

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

    sealed record Item(Guid Id, Guid StockItemId, int Remaining, int? Days, int Version);

    /// <summary>
    /// The handler's statements on one connection: BEGIN; the prescription locked; the patient, its items, their stock items
    /// and medications read; the batches locked in id order; FEFO in memory; one batch of writes (dispensing, lines, OUT
    /// movements, items, prescription, medications, audit); COMMIT; the audit seal.
    /// </summary>
    static Task<Side> RunSqlAsync(NpgsqlDataSource sql, List<Rx> rxs, int clients, Caller caller) => RaceAsync("SQL", rxs, clients, async rx =>
    {
        await using var conn = await sql.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        int version;
        await using (var cmd = new NpgsqlCommand(DispensingLocks.Prescription, conn, tx) { Parameters = { new("id", rx.Id) } })
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            version = r.GetInt32(r.GetOrdinal("version"));
        }
        await using (var cmd = new NpgsqlCommand("SELECT * FROM patients WHERE id = $1", conn, tx) { Parameters = { new() { Value = rx.PatientId } } })
            await cmd.ExecuteScalarAsync();
        var items = new List<Item>();
        await using (var cmd = new NpgsqlCommand("SELECT id, stock_item_id, quantity - quantity_dispensed, duration_days FROM prescription_items WHERE prescription_id = $1 ORDER BY position",
            conn, tx) { Parameters = { new() { Value = rx.Id } } })
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) items.Add(new Item(r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetInt32(3), version));
        var stock = new Dictionary<Guid, (string name, decimal price)>();
        await using (var cmd = new NpgsqlCommand("SELECT id, name::text, sale_price FROM stock_items WHERE id = ANY($1)", conn, tx)
        { Parameters = { new() { Value = items.Select(i => i.StockItemId).ToArray() } } })
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) stock[r.GetGuid(0)] = (r.GetString(1), r.GetDecimal(2));
        await using (var cmd = new NpgsqlCommand("SELECT * FROM medications WHERE prescription_item_id = ANY($1) AND deleted_at IS NULL", conn, tx)
        { Parameters = { new() { Value = items.Select(i => i.Id).ToArray() } } })
            await cmd.ExecuteScalarAsync();
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var until = items.GroupBy(i => i.StockItemId).Select(g => (item: g.Key, until: g.Min(i => DispensingLocks.UsableUntil(today, i.Days)))).ToList();
        var batches = new List<(Guid id, Guid item, DateOnly? expiry, int onHand, DateTime received)>();
        await using (var cmd = new NpgsqlCommand(DispensingLocks.Batches, conn, tx)
        { Parameters = { new("items", until.Select(u => u.item).ToArray()), new("until", until.Select(u => u.until).ToArray()) } })
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                batches.Add((r.GetGuid(0), r.GetGuid(1), r.IsDBNull(3) ? null : r.GetFieldValue<DateOnly>(3), r.GetInt32(4), r.GetDateTime(5)));

        var left = batches.ToDictionary(b => b.id, b => b.onHand);
        var takes = new List<(Item item, Guid batch, int quantity)>();
        foreach (var item in items)
        {
            var need = item.Remaining;
            foreach (var b in batches.Where(b => b.item == item.StockItemId && (b.expiry is null || b.expiry >= DispensingLocks.UsableUntil(today, item.Days)))
                         .OrderBy(b => b.expiry ?? DateOnly.MaxValue).ThenBy(b => b.received).ThenBy(b => b.id))
            {
                var n = Math.Min(need, left[b.id]);
                if (n <= 0) continue;
                left[b.id] -= n;
                need -= n;
                takes.Add((item, b.id, n));
                if (need == 0) break;
            }
            if (need > 0) return false; // all or nothing, as the API without allowPartial (the transaction rolls back)
        }

        var now = DateTimeOffset.UtcNow;
        var dispensingId = Guid.CreateVersion7();
        await using var batch = new NpgsqlBatch(conn, tx);
        void Add(string text, params object?[] values)
        {
            var c = new NpgsqlBatchCommand(text);
            foreach (var v in values) c.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
            batch.BatchCommands.Add(c);
        }
        Add("INSERT INTO dispensings (id, dispensed_at, dispensed_by, notes, patient_id, prescription_id) VALUES ($1, $2, $3, $4, $5, $6)",
            dispensingId, now, caller.UserId, null, rx.PatientId, rx.Id);
        foreach (var (item, batchId, quantity) in takes)
        {
            Add("""
                INSERT INTO dispensing_lines (id, batch_id, dispensing_id, prescription_item_id, quantity, quantity_returned, stock_item_id, substituted_from, unit_price)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, Guid.CreateVersion7(), batchId, dispensingId, item.Id, quantity, 0, item.StockItemId, null, stock[item.StockItemId].price);
            Add("""
                INSERT INTO stock_movements (id, batch_id, document_id, document_type, kind, occurred_at, quantity, reason, recorded_by, stock_item_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq
                """, Guid.CreateVersion7(), batchId, dispensingId, DispensingDocuments.Dispensing, MovementKinds.Out, now, -quantity, null, caller.UserId, item.StockItemId);
        }
        foreach (var item in items)
            Add("UPDATE prescription_items SET quantity_dispensed = quantity_dispensed + $1 WHERE id = $2", item.Remaining, item.Id);
        Add("UPDATE prescriptions SET status = $1, updated_at = $2, updated_by = $3, version = $4 WHERE id = $5 AND version = $6",
            "DISPENSED", now, caller.UserId, version + 1, rx.Id, version);
        foreach (var item in items)
            Add("""
                INSERT INTO medications (id, created_at, created_by, deleted_at, deleted_by, dose, end_date, frequency, name, notes, patient_id, prescription_item_id,
                    route, source, start_date, status, updated_at, updated_by, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                """, Guid.CreateVersion7(), now, caller.UserId, null, null, "1 tablet", item.Days is { } d ? today.AddDays(d - 1) : null, "BID",
                stock[item.StockItemId].name, null, rx.PatientId, item.Id, "oral", "PRESCRIBED", today, "ACTIVE", now, caller.UserId, 1);
        Add("""
            INSERT INTO audit_log (id, action, changes, ip, occurred_at, outcome, request_id, resource_id, resource_type, roles, tenant_id, user_agent, user_email, user_id)
            VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            """, Guid.CreateVersion7(), "DISPENSING_CREATED",
            JsonSerializer.Serialize(new { rx.PatientId, prescriptionId = rx.Id, lines = takes.Select(t => new { t.batch, t.quantity }) }, Json),
            "127.0.0.1", now, "SUCCESS", Guid.NewGuid().ToString(), dispensingId.ToString(), "DISPENSING", caller.Roles, caller.TenantId, null,
            caller.Email, caller.UserId);
        await using (var r = await batch.ExecuteReaderAsync())
            do { while (await r.ReadAsync()) { } } while (await r.NextResultAsync());
        await tx.CommitAsync();
        await using (var seal = AuditSeal.Batch(conn, [Schema]))
            await seal.ExecuteNonQueryAsync();
        return true;
    });

    /// <summary>
    /// On this run's medicines: batches below zero, batches whose on_hand is not the sum of their movements, and FEFO
    /// violations (replaying the movements a dispensing at a time in sequence order: a dispensing that takes from a batch
    /// while an earlier-expiring batch of the same medicine still holds stock once it is done).
    /// </summary>
    static async Task<Check> CheckAsync(NpgsqlDataSource sql, List<Medicine> catalog)
    {
        var ids = catalog.Select(m => m.Id).ToArray();
        async Task<long> Scalar(string text)
        {
            await using var cmd = sql.CreateCommand(text);
            cmd.Parameters.AddWithValue(ids);
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        var negative = await Scalar("SELECT count(*) FROM stock_batches WHERE stock_item_id = ANY($1) AND on_hand < 0");
        var mismatched = await Scalar("""
            SELECT count(*) FROM stock_batches b WHERE b.stock_item_id = ANY($1)
              AND b.on_hand <> (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.batch_id = b.id)
            """);
        var dispensed = await Scalar("SELECT count(DISTINCT document_id) FROM stock_movements WHERE stock_item_id = ANY($1) AND kind = 'OUT'");
        var units = await Scalar("SELECT coalesce(-sum(quantity), 0) FROM stock_movements WHERE stock_item_id = ANY($1) AND kind = 'OUT'");

        var rows = new List<(long seq, Guid batch, Guid item, DateOnly expiry, int quantity, bool isOut, Guid? document)>();
        await using (var cmd = sql.CreateCommand("""
            SELECT m.seq, m.batch_id, m.stock_item_id, b.expiry_date, m.quantity, m.kind = 'OUT', m.document_id
            FROM stock_movements m JOIN stock_batches b ON b.id = m.batch_id WHERE m.stock_item_id = ANY($1) ORDER BY m.seq
            """))
        {
            cmd.Parameters.AddWithValue(ids);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                rows.Add((r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetFieldValue<DateOnly>(3), r.GetInt32(4), r.GetBoolean(5), r.IsDBNull(6) ? null : r.GetGuid(6)));
        }
        var earlier = rows.GroupBy(m => m.batch).Select(g => g.First())
            .ToLookup(b => b.item, b => (b.batch, b.expiry));
        var balance = new Dictionary<Guid, int>();
        long violations = 0;
        foreach (var step in rows.GroupBy(m => m.isOut ? m.document : Guid.NewGuid()).OrderBy(g => g.Max(m => m.seq)))
        {
            foreach (var m in step) balance[m.batch] = balance.GetValueOrDefault(m.batch) + m.quantity;
            foreach (var taken in step.Where(m => m.isOut))
                violations += earlier[taken.item].Count(e => e.expiry < taken.expiry && balance.GetValueOrDefault(e.batch) > 0);
        }
        return new Check(negative, violations, mismatched, dispensed, units);
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    static async Task<string> WriteResultsAsync(BenchOptions o, EmbeddedPostgres pg, int count, int clients, Side api, Side sql, List<string> load)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# Dispensing under contention: {clients} clients, {count:N0} prescriptions per side").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode dispense --iterations {count} --concurrency {clients}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=256MB");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.");
        md.AppendLine(inv, $"- Load average (1, 5, 15 min) before the timed runs: {load[0]}; after: {load[^1]}.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine(inv, $"The demo hospital gets a catalog of {Medicines} medicines with {BatchesPerMedicine} batches each (expiring in 2 to 11 months, received by IN");
        md.AppendLine(inv, $"movements); {Hot} of them are hot: 80% of all prescribed items name one of them, so most dispensings queue on the same batch rows.");
        md.AppendLine(inv, $"Each side dispenses {count:N0} new ISSUED prescriptions of demo patients (1–3 distinct medicines, 1–30 units, 5–30-day courses),");
        md.AppendLine(inv, $"{clients} clients at once taking the next prescription from a shared counter and dispensing all of it.").AppendLine();
        md.AppendLine("- **API**: `POST /api/v1/dispensings {prescriptionId}` with a new `Idempotency-Key` each, as a hospital admin, over HTTP.");
        md.AppendLine("- **SQL**: the handler's statements straight on PostgreSQL over 32 pooled connections: BEGIN, `DispensingLocks.Prescription`, the patient,");
        md.AppendLine("  items, stock items and medications read, `DispensingLocks.Batches` (every candidate batch locked in id order), FEFO in memory, one batch");
        md.AppendLine("  of writes (dispensing, lines, OUT movements, items, prescription, medications, audit entry), COMMIT, the audit seal. What it leaves");
        md.AppendLine("  out is the API's own work: HTTP, the bearer session, the idempotency key's row (inserted first, answered last), EF Core, JSON.").AppendLine();
        md.AppendLine("## Results").AppendLine();
        md.AppendLine("| side | dispensed | refused (409) | seconds | dispensings/s | p50 ms | p95 ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in new[] { api, sql })
        {
            var stats = Stats.Of(s.Latencies);
            md.AppendLine(inv, $"| {s.Name} | {s.Done:N0} | {s.Refused:N0} | {s.Elapsed.TotalSeconds:F1} | {s.Rate:F1} | {stats.P50:F1} | {stats.P95:F1} |");
        }
        md.AppendLine();
        md.AppendLine(inv, $"**API / SQL throughput: {api.Rate / sql.Rate:F2}** (target ≥ 0.4).").AppendLine();
        md.AppendLine("## Invariants (checked in SQL after each side, over this run's medicines)").AppendLine();
        md.AppendLine("| after | batches below zero | FEFO violations | batches whose movements' sum ≠ on_hand | dispensings in the ledger | units out |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var s in new[] { api, sql })
            md.AppendLine(inv, $"| {s.Name} | **{s.Check.Negative}** | **{s.Check.FefoViolations}** | **{s.Check.LedgerMismatches}** | {s.Check.Dispensed:N0} | {s.Check.Units:N0} |");
        md.AppendLine();
        md.AppendLine("Counts after the SQL side include the API side's (and the warm-up's) dispensings: the ledger is one.");
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "dispensing.md");
        await File.WriteAllTextAsync(file, md.ToString());
        Console.Write(md.ToString());
        return file;
    }
}
