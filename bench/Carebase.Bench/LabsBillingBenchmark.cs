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
/// The lab worklist and the invoice list at volume: the demo hospital filled (set-based SQL, once per data folder) with
/// N patients, 100,000 lab orders with their items and results (mostly VERIFIED, some still open, STAT/URGENT/ROUTINE)
/// and 100,000 invoices (every status, with lines and payments) over two years. Page 1 of each list shape through the API,
/// one request at a time, and the same statements EF Core sends (taken from its command log: the count for
/// <c>total</c>, the page, and for orders their tests) straight on PostgreSQL, side by side; then again without the list
/// indexes of tenant/0022_list_indexes.sql (dropped for that pass and created again after it).
/// </summary>
public static class LabsBillingBenchmark
{
    const string Schema = "tenant_general";
    const string Marker = "Bench fill";
    const int PageSize = Paging.DefaultPageSize;
    const double TargetMs = 25;

    // The statements of LabReader.ListAsync and InvoiceReader.ListAsync as EF Core logs them ({0}: the filter, if any):
    // total counts the filtered table alone, the page joins the names.
    const string LabCount = """
        SELECT count(*)::int
        FROM lab_orders AS l{0}
        """;
    // The count the lists sent before (the joined query), timed apart: the joins must not drop a row.
    const string LabJoinedCount = """
        SELECT count(*)::int
        FROM lab_orders AS l
        INNER JOIN patients AS p ON l.patient_id = p.id
        INNER JOIN doctors AS d ON l.doctor_id = d.id
        INNER JOIN platform.users AS u ON d.user_id = u.id{0}
        """;
    const string LabPage = """
        SELECT l.id AS "Id", l.patient_id AS "PatientId", p.patient_code AS "PatientCode", p.first_name || ' ' || p.last_name AS "PatientName", l.doctor_id AS "DoctorId", u.first_name || ' ' || u.last_name AS "DoctorName", l.priority AS "Priority", l.priority_rank AS "PriorityRank", l.status AS "Status", l.created_at AS "CreatedAt", l.specimen_id AS "SpecimenId", l.collected_at AS "CollectedAt", l.verified_at AS "VerifiedAt", p.confidential AS "Confidential"
        FROM lab_orders AS l
        INNER JOIN patients AS p ON l.patient_id = p.id
        INNER JOIN doctors AS d ON l.doctor_id = d.id
        INNER JOIN platform.users AS u ON d.user_id = u.id{0}
        ORDER BY l.priority_rank, l.created_at, l.id
        LIMIT @limit OFFSET @offset
        """;
    const string LabTests = """
        SELECT l.order_id AS "OrderId", l.test_name AS "TestName"
        FROM lab_order_items AS l
        WHERE l.order_id = ANY (@ids)
        ORDER BY l.position
        """;
    const string InvoiceCount = """
        SELECT count(*)::int
        FROM invoices AS i{0}
        """;
    const string InvoiceJoinedCount = """
        SELECT count(*)::int
        FROM invoices AS i
        INNER JOIN patients AS p ON i.patient_id = p.id{0}
        """;
    const string InvoicePage = """
        SELECT i.id, i.admission_id, i.created_at, i.created_by, i.currency, i.discount_kind, i.discount_total, i.discount_value, i.issued_at, i.issued_by, i.notes, i.number, i.paid, i.patient_id, i.status, i.subtotal, i.tax_total, i.total, i.updated_at, i.updated_by, i.version, i.visit_id, i.void_reason, i.voided_at, i.voided_by, i.year, p.first_name || ' ' || p.last_name AS "Name", p.patient_code AS "PatientCode", p.confidential AS "Confidential"
        FROM invoices AS i
        INNER JOIN patients AS p ON i.patient_id = p.id{0}
        ORDER BY i.created_at DESC, i.id
        LIMIT @limit OFFSET @offset
        """;

    /// <summary>
    /// The indexes of tenant/0022_list_indexes.sql (a filter's column first, then the list's order), as that migration
    /// creates them: dropped for the second pass and created again after it (and at the start, should a run have stopped in
    /// between), so the data folder stays as the migrations leave it.
    /// </summary>
    static readonly string[] ListIndexes =
    [
        "lab_orders_rank_created_idx ON lab_orders (priority_rank, created_at, id)",
        "lab_orders_status_rank_idx ON lab_orders (status, priority_rank, created_at, id)",
        "lab_orders_priority_rank_idx ON lab_orders (priority, priority_rank, created_at, id)",
        "invoices_status_created_idx ON invoices (status, created_at DESC, id)",
    ];

    /// <summary>
    /// A list shape: its URL for a drawn value, the count and page statements, whether the page's tests are read after, and
    /// the count of the joined query (what <c>total</c> counted before: the joins to patients, doctors and users cannot drop
    /// a row, their foreign keys are NOT NULL).
    /// </summary>
    sealed record Shape(string Name, string User, Func<Random, object?> Pick, Func<object?, string> Url, string Count, string Page, bool Tests, string JoinedCount);

    sealed record Measured(string Name, Stats Api, Stats Sql, Stats SqlCount, Stats JoinedCount, double AvgTotal, string CountPlan, string PagePlan);

    sealed record Fill(long Orders, long Items, long Results, long Invoices, long Lines, long Payments, double Seconds);

    public static async Task<int> RunAsync(BenchOptions o, string[] args)
    {
        int Arg(string name, int fallback) => int.Parse(args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var (patients, orders, invoices) = (Arg("--patients", 20_000), Arg("--orders", 100_000), Arg("--invoices", 100_000));
        Console.WriteLine($"labs-billing benchmark: {patients:N0} patients, {orders:N0} lab orders, {invoices:N0} invoices, {o.Iterations} requests per shape");
        var dataRoot = Path.Combine(o.DataDirectory, $"labs-billing-{patients}-{orders}-{invoices}");
        var pg = EmbeddedPostgres.Create(dataRoot, "-c shared_buffers=1GB", "-c work_mem=32MB", "-c random_page_cost=1.1", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            var people = await PatientFiller.EnsureAsync(pg.ConnectionString, Schema, patients, Path.Combine(dataRoot, "fill-report.json"), true);
            await using var sql = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(pg.ConnectionString)
            { SearchPath = $"{Schema},public", MaxPoolSize = 20, ApplicationName = "bench-sql" }.ConnectionString).Build();
            var fill = await FillAsync(sql, orders, invoices);
            Console.WriteLine($"{fill.Orders:N0} lab orders, {fill.Invoices:N0} invoices ({fill.Seconds:F0} s to fill)");

            var billed = new List<Guid>();
            await using (var cmd = sql.CreateCommand("""
                SELECT DISTINCT i.patient_id FROM invoices i TABLESAMPLE SYSTEM (5) JOIN patients p ON p.id = i.patient_id
                WHERE NOT p.confidential LIMIT 500
                """))
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) billed.Add(r.GetGuid(0));

            Shape[] shapes =
            [
                Lab("lab worklist, default (all statuses)", _ => null, _ => "/api/v1/lab-orders", ""),
                Lab("lab worklist, status=ORDERED", _ => "ORDERED", v => $"/api/v1/lab-orders?status={v}", "\nWHERE l.status = @value"),
                Lab("lab worklist, priority=STAT", _ => "STAT", v => $"/api/v1/lab-orders?priority={v}", "\nWHERE l.priority = @value"),
                Invoice("invoices, default", _ => null, _ => "/api/v1/invoices", ""),
                Invoice("invoices, status=ISSUED", _ => "ISSUED", v => $"/api/v1/invoices?status={v}", "\nWHERE i.status = @value"),
                Invoice("invoices, patientId=(a patient's)", rng => billed[rng.Next(billed.Count)], v => $"/api/v1/invoices?patientId={v}",
                    "\nWHERE i.patient_id = @value"),
            ];

            var clients = new Dictionary<string, HttpClient>();
            foreach (var user in shapes.Select(s => s.User).Distinct())
            {
                var http = new HttpClient { BaseAddress = api.BaseAddress };
                var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = $"{user}@general.demo", password = "Carebase!Demo2026" });
                login.EnsureSuccessStatusCode();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                    (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>());
                clients[user] = http;
            }

            async Task<List<Measured>> PassAsync(string title)
            {
                Console.WriteLine(title);
                var measured = new List<Measured>();
                var rng = new Random(7);
                foreach (var shape in shapes)
                {
                    var m = await MeasureAsync(shape, clients[shape.User], sql, rng, o.Iterations);
                    measured.Add(m);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {m.Name}: API p50 {m.Api.P50:F1} p95 {m.Api.P95:F1} ms; SQL p50 {m.Sql.P50:F1} p95 {m.Sql.P95:F1} ms (count p50 {m.SqlCount.P50:F1}, joined {m.JoinedCount.P50:F1}); total {m.AvgTotal:N0}"));
                }
                return measured;
            }
            await CreateListIndexesAsync(sql);
            var load = new List<string> { DispensingBenchmark.LoadAverage() };
            var results = await PassAsync("as migrated:");
            load.Add(DispensingBenchmark.LoadAverage());
            List<Measured> without;
            try
            {
                foreach (var index in ListIndexes) await sql.CreateCommand($"DROP INDEX {index.Split(' ')[0]}").ExecuteNonQueryAsync();
                await sql.CreateCommand("ANALYZE lab_orders; ANALYZE invoices").ExecuteNonQueryAsync();
                without = await PassAsync("without the 0022 list indexes:");
                load.Add(DispensingBenchmark.LoadAverage());
            }
            finally
            {
                await CreateListIndexesAsync(sql);
            }
            foreach (var http in clients.Values) http.Dispose();

            var file = Path.Combine(o.ResultsDirectory, "labs-billing.md");
            Directory.CreateDirectory(o.ResultsDirectory);
            await File.WriteAllTextAsync(file, await ReportAsync(o, pg, patients, orders, invoices, people.Rows, fill, results, without, load));
            Console.WriteLine($"Results: {file}");
            return 0;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    static string Fmt(string text, string where) => string.Format(CultureInfo.InvariantCulture, text, where);

    static Shape Lab(string name, Func<Random, object?> pick, Func<object?, string> url, string where) =>
        new(name, "lab", pick, url, Fmt(LabCount, where), Fmt(LabPage, where), true, Fmt(LabJoinedCount, where));

    static Shape Invoice(string name, Func<Random, object?> pick, Func<object?, string> url, string where) =>
        new(name, "reception", pick, url, Fmt(InvoiceCount, where), Fmt(InvoicePage, where), false, Fmt(InvoiceJoinedCount, where));

    static async Task CreateListIndexesAsync(NpgsqlDataSource sql)
    {
        foreach (var index in ListIndexes) await sql.CreateCommand($"CREATE INDEX IF NOT EXISTS {index}").ExecuteNonQueryAsync();
        await sql.CreateCommand("ANALYZE lab_orders; ANALYZE invoices").ExecuteNonQueryAsync();
    }

    /// <summary>
    /// One request at a time (20 warm-up), each followed by the same statements on a pooled connection, as the API sends
    /// them: the count, then the page, then (orders) the page's tests; then, timed apart, the count of the joined query
    /// (what <c>total</c> counted before; it must agree). Then the count and the page once under EXPLAIN ANALYZE.
    /// </summary>
    static async Task<Measured> MeasureAsync(Shape shape, HttpClient http, NpgsqlDataSource sql, Random rng, int iterations)
    {
        var (api, all, count, joinedCount) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        long totals = 0;
        object? last = null;
        for (var i = -20; i < iterations; i++)
        {
            var value = last = shape.Pick(rng);
            var sw = Stopwatch.StartNew();
            using (var response = await http.GetAsync(shape.Url(value)))
            {
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {shape.Url(value)} answered {(int)response.StatusCode}: {body}");
            }
            if (i >= 0) api.Add(sw.Elapsed.TotalMilliseconds);

            await using var conn = await sql.OpenConnectionAsync();
            sw.Restart();
            int total;
            await using (var cmd = Command(conn, shape.Count, value, null))
                total = (int)(await cmd.ExecuteScalarAsync())!;
            var counted = sw.Elapsed.TotalMilliseconds;
            var ids = new List<Guid>();
            if (total > 0)
            {
                await using (var cmd = Command(conn, shape.Page, value, PageSize))
                await using (var r = await cmd.ExecuteReaderAsync())
                    while (await r.ReadAsync()) ids.Add(r.GetGuid(0));
                if (shape.Tests)
                {
                    await using var cmd = new NpgsqlCommand(LabTests, conn) { Parameters = { new("ids", ids.ToArray()) } };
                    await using var r = await cmd.ExecuteReaderAsync();
                    while (await r.ReadAsync()) { }
                }
            }
            var elapsed = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            await using (var cmd = Command(conn, shape.JoinedCount, value, null))
                if ((int)(await cmd.ExecuteScalarAsync())! != total) throw new InvalidOperationException($"{shape.Name}: the joins dropped rows");
            if (i < 0) continue;
            joinedCount.Add(sw.Elapsed.TotalMilliseconds);
            all.Add(elapsed);
            count.Add(counted);
            totals += total;
        }
        await using var explain = await sql.OpenConnectionAsync();
        async Task<string> Plan(string text, int? size)
        {
            await using var cmd = Command(explain, "EXPLAIN (ANALYZE, BUFFERS) " + text, last, size);
            var lines = new List<string>();
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) lines.Add(r.GetString(0));
            return string.Join('\n', lines);
        }
        return new Measured(shape.Name, Stats.Of(api), Stats.Of(all), Stats.Of(count), Stats.Of(joinedCount), (double)totals / iterations,
            await Plan(shape.Count, null), await Plan(shape.Page, PageSize));
    }

    /// <summary>The statement with @value the filter's value (when it has one), @limit/@offset page 1's.</summary>
    static NpgsqlCommand Command(NpgsqlConnection conn, string text, object? value, int? size)
    {
        var cmd = new NpgsqlCommand(text, conn);
        if (value is not null) cmd.Parameters.AddWithValue("value", value);
        if (size is { } s)
        {
            cmd.Parameters.AddWithValue("limit", s);
            cmd.Parameters.AddWithValue("offset", 0);
        }
        return cmd;
    }

    /// <summary>
    /// Once per data folder (a marker table says it was done), in one transaction: the lab orders, their items (one to four
    /// numeric tests of the catalog) and the results of those resulted or verified, then the invoices (<see cref="InvoiceFiller"/>).
    /// </summary>
    static async Task<Fill> FillAsync(NpgsqlDataSource sql, int orders, int invoices)
    {
        await using var conn = await sql.OpenConnectionAsync();
        await InvoiceFiller.ExecAsync(conn, null,
            "CREATE TABLE IF NOT EXISTS bench_labs_billing_fill (orders bigint, items bigint, results bigint, invoices bigint, lines bigint, payments bigint, seconds double precision)");
        await using (var done = new NpgsqlCommand("SELECT orders, items, results, invoices, lines, payments, seconds FROM bench_labs_billing_fill", conn))
        await using (var r = await done.ExecuteReaderAsync())
            if (await r.ReadAsync())
                return new Fill(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetDouble(6));

        var sw = Stopwatch.StartNew();
        await using var tx = await conn.BeginTransactionAsync();
        async Task<Guid> User(string local)
        {
            await using var cmd = new NpgsqlCommand("SELECT id FROM platform.users WHERE normalized_email = upper($1)", conn, tx) { Parameters = { new() { Value = $"{local}@general.demo" } } };
            return (Guid)(await cmd.ExecuteScalarAsync())!;
        }
        var (lab, desk) = (await User("lab"), await User("reception"));
        await InvoiceFiller.PeopleAsync(conn, tx);
        await InvoiceFiller.ExecAsync(conn, tx, "SELECT setseed(0.42)");
        await InvoiceFiller.ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_doctors ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, user_id FROM doctors;
            CREATE TEMP TABLE fill_tests ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY code) - 1 AS n, id, code, name, price FROM lab_tests WHERE result_kind = 'NUMERIC' AND active;
            """);
        // Verified orders over two years; the open and cancelled ones are recent (the last 60 days).
        var orderRows = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO lab_orders (id, patient_id, doctor_id, priority, status, clinical_note, specimen_id, collected_at, collected_by, resulted_at,
                verified_at, verified_by, cancelled_at, cancelled_by, cancel_reason, created_at, created_by, updated_at, updated_by)
            SELECT o.id, p.id, d.id, o.priority, o.status, $2,
                   CASE WHEN o.status NOT IN ('ORDERED','CANCELLED') THEN 'SP-' || o.g END,
                   CASE WHEN o.status NOT IN ('ORDERED','CANCELLED') THEN o.at + interval '20 minutes' END,
                   CASE WHEN o.status NOT IN ('ORDERED','CANCELLED') THEN $3::uuid END,
                   CASE WHEN o.status IN ('RESULTED','VERIFIED') THEN o.at + interval '3 hours' END,
                   CASE WHEN o.status = 'VERIFIED' THEN o.at + interval '5 hours' END,
                   CASE WHEN o.status = 'VERIFIED' THEN d.user_id END,
                   CASE WHEN o.status = 'CANCELLED' THEN o.at + interval '1 hour' END,
                   CASE WHEN o.status = 'CANCELLED' THEN d.user_id END,
                   CASE WHEN o.status = 'CANCELLED' THEN 'Ordered twice' END,
                   o.at, d.user_id, o.at + interval '5 hours', d.user_id
            FROM (
                SELECT r.g, r.id, r.rp, r.rd, s.status, s.priority,
                       date_trunc('milliseconds', now() - r.rt * CASE WHEN s.status = 'VERIFIED' THEN interval '730 days' ELSE interval '60 days' END) AS at
                FROM (SELECT g, gen_random_uuid() AS id, random() AS rs, random() AS rq, random() AS rt, random() AS rp, random() AS rd
                      FROM generate_series(1, $1) g) r
                CROSS JOIN LATERAL (SELECT
                    CASE WHEN r.rs < 0.02 THEN 'ORDERED' WHEN r.rs < 0.04 THEN 'SAMPLE_COLLECTED' WHEN r.rs < 0.06 THEN 'RESULTED'
                         WHEN r.rs < 0.08 THEN 'CANCELLED' ELSE 'VERIFIED' END AS status,
                    CASE WHEN r.rq < 0.05 THEN 'STAT' WHEN r.rq < 0.20 THEN 'URGENT' ELSE 'ROUTINE' END AS priority) s
            ) o
            JOIN fill_people p ON p.n = floor(o.rp * (SELECT count(*) FROM fill_people))
            JOIN fill_doctors d ON d.n = floor(o.rd * (SELECT count(*) FROM fill_doctors))
            """, orders, Marker, lab);
        Console.WriteLine($"  filled: {orderRows:N0} lab orders, {sw.Elapsed.TotalSeconds:F0} s");
        var items = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO lab_order_items (id, order_id, test_id, position, test_code, test_name, price, status)
            SELECT gen_random_uuid(), o.id, t.id, k - 1, t.code, t.name, t.price,
                   CASE o.status WHEN 'VERIFIED' THEN 'VERIFIED' WHEN 'RESULTED' THEN 'RESULTED' WHEN 'CANCELLED' THEN 'CANCELLED' ELSE 'ORDERED' END
            FROM lab_orders o
            CROSS JOIN LATERAL generate_series(1, 1 + (hashtext(o.id::text) & 2147483647) % 4) k
            JOIN fill_tests t ON t.n = ((hashtext(o.id::text || 't') & 2147483647) + k) % (SELECT count(*) FROM fill_tests)
            WHERE o.clinical_note = $1
            """, Marker);
        var results = await InvoiceFiller.ExecAsync(conn, tx, """
            INSERT INTO lab_results (id, item_id, order_id, patient_id, value_numeric, unit, range_low, range_high, flags, status,
                entered_at, entered_by, verified_at, verified_by)
            SELECT gen_random_uuid(), x.item_id, x.order_id, x.patient_id, x.value, 'mg/dL', 70, 110,
                   CASE WHEN x.value > 110 THEN '{HIGH}'::text[] WHEN x.value < 70 THEN '{LOW}'::text[] ELSE '{}'::text[] END,
                   'FINAL', x.resulted_at, $2, x.verified_at, x.verified_by
            FROM (SELECT i.id AS item_id, o.id AS order_id, o.patient_id, o.resulted_at, o.verified_at, o.verified_by,
                         round((60 + random() * 60)::numeric, 1) AS value
                  FROM lab_order_items i JOIN lab_orders o ON o.id = i.order_id
                  WHERE o.clinical_note = $1 AND i.status IN ('RESULTED','VERIFIED')) x
            """, Marker, lab);
        Console.WriteLine($"  filled: {items:N0} items, {results:N0} results, {sw.Elapsed.TotalSeconds:F0} s");
        // Invoices: 3% drafts, 12% issued, 10% partly paid, 70% paid, 5% void.
        var (inv, lines, payments) = await InvoiceFiller.InsertAsync(conn, tx, invoices, new InvoiceFiller.Mix(0.03, 0.12, 0.10, 0.70), 730, "INV-B-",
            "USD", desk, new Random(42));
        Console.WriteLine($"  filled: {inv:N0} invoices, {lines:N0} lines, {payments:N0} payments, {sw.Elapsed.TotalSeconds:F0} s");
        var fill = new Fill(orderRows, items, results, inv, lines, payments, sw.Elapsed.TotalSeconds);
        await InvoiceFiller.ExecAsync(conn, tx, "INSERT INTO bench_labs_billing_fill VALUES ($1, $2, $3, $4, $5, $6, $7)",
            fill.Orders, fill.Items, fill.Results, fill.Invoices, fill.Lines, fill.Payments, fill.Seconds);
        await tx.CommitAsync();
        await InvoiceFiller.ExecAsync(conn, null, "VACUUM ANALYZE");
        return fill;
    }

    static async Task<string> ReportAsync(BenchOptions o, EmbeddedPostgres pg, int patients, int orders, int invoices, long patientRows, Fill fill,
        List<Measured> results, List<Measured> without, List<string> load)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# The lab worklist and the invoice list at volume").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode labs-billing --patients {patients} --orders {orders} --invoices {invoices} --iterations {o.Iterations}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=1GB, work_mem=32MB, random_page_cost=1.1");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores, and the machine is shared with other engineers' builds and tests.");
        md.AppendLine(inv, $"- Load average (1, 5, 15 min) before the timed requests: {load[0]}; after the first pass: {load[1]}; after the second: {load[2]}.").AppendLine();
        md.AppendLine("## Data").AppendLine();
        md.AppendLine(inv, $"The demo hospital `general` with {patientRows:N0} patients (binary COPY), then in SQL (set-based `INSERT … SELECT` over `generate_series`, one transaction, {fill.Seconds:F0} s, then `VACUUM ANALYZE`):").AppendLine();
        md.AppendLine(inv, $"- {fill.Orders:N0} lab orders over ~2 years (92% VERIFIED; 2% each ORDERED, SAMPLE_COLLECTED, RESULTED and CANCELLED, those in the last 60 days; 5% STAT, 15% URGENT, 80% ROUTINE), {fill.Items:N0} items (1–4 tests each), {fill.Results:N0} results;");
        md.AppendLine(inv, $"- {fill.Invoices:N0} invoices over ~2 years (3% DRAFT, 12% ISSUED, 10% PARTIALLY_PAID, 70% PAID, 5% VOID), {fill.Lines:N0} lines, {fill.Payments:N0} payments.").AppendLine();
        md.AppendLine("## What runs").AppendLine();
        md.AppendLine(inv, $"Page 1 (page size {PageSize}) of each shape, {o.Iterations} requests one at a time after 20 warm-up ones: the lab worklist as `lab@general.demo` (LAB_TECHNICIAN), the invoices as `reception@general.demo` (RECEPTIONIST).");
        md.AppendLine("Each request is followed by the same statements straight on PostgreSQL on a pooled connection, as EF Core sends them (copied from its command log): the `count(*)` of the filtered table for `total`, then the page (joined to the names), then for lab orders the page's tests. What the SQL side leaves out is the API's own work: HTTP, the bearer session, EF Core materialisation, JSON, and the audit entry every list writes (`LAB_ORDER_LISTED`, `INVOICE_LISTED`).");
        md.AppendLine("*Joined count* is timed apart and is not part of the SQL column: the count of the joined query, what `total` counted before this change (the benchmark checks both counts agree on every request: the joins to patients, doctors and users cannot drop a row, their foreign keys are NOT NULL).");
        md.AppendLine("The second pass drops the list indexes of `tenant/0022_list_indexes.sql` and creates them again after it: the count change alone. The figures before both changes (the joined count, no list indexes) are in `git show 2879498:bench/results/labs-billing.md`.").AppendLine();
        void Table(List<Measured> rows)
        {
            md.AppendLine("| shape | total | API p50 | API p95 | API p99 | SQL p50 | SQL p95 | of which count p50 | joined count p50 | API/SQL p50 | API/SQL p95 | API p95 < 25 ms |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
            foreach (var m in rows)
                md.AppendLine(inv, $"| {m.Name} | {m.AvgTotal:N0} | {m.Api.P50:F1} | {m.Api.P95:F1} | {m.Api.P99:F1} | {m.Sql.P50:F1} | {m.Sql.P95:F1} | {m.SqlCount.P50:F1} | {m.JoinedCount.P50:F1} | {m.Api.P50 / m.Sql.P50:F2} | {m.Api.P95 / m.Sql.P95:F2} | {(m.Api.P95 < TargetMs ? "yes" : "**no**")} |");
            md.AppendLine();
        }
        md.AppendLine("## Results as migrated (ms)").AppendLine();
        Table(results);
        md.AppendLine("## Results without the list indexes (ms)").AppendLine();
        md.AppendLine("The same requests again after dropping (then creating again, as the migration does):").AppendLine();
        md.AppendLine("```sql");
        foreach (var index in ListIndexes) md.AppendLine("CREATE INDEX " + index + ";");
        md.AppendLine("```").AppendLine();
        Table(without);
        md.AppendLine("## Reading").AppendLine();
        var missed = results.Where(m => m.Api.P95 >= TargetMs).ToList();
        md.AppendLine(inv, $"As migrated, {results.Count - missed.Count} of {results.Count} shapes meet p95 < 25 ms through the API; without the list indexes (the count change alone), {without.Count(m => m.Api.P95 < TargetMs)} of {without.Count}.").AppendLine();
        foreach (var m in missed)
            md.AppendLine(inv, $"- *{m.Name}*: API p95 {m.Api.P95:F1} ms; the SQL alone {m.Sql.P50:F1} ms at p50 ({m.Sql.P95:F1} at p95), {m.SqlCount.P50:F1} ms of it the `count(*)` for `total` ({m.AvgTotal:N0} rows counted).");
        if (missed.Count > 0) md.AppendLine();
        md.AppendLine("What the lists do now (see the plans below):").AppendLine();
        md.AppendLine("- **`total` counts the filtered table, not the joined query.** `LabReader.ListAsync` and `InvoiceReader.ListAsync` page the joined query but pass the filtered `lab_orders`/`invoices` to `Paging.ToPagedAsync(counted, …)`: every filter is on that table and the inner joins cannot drop a row, and PostgreSQL never removes an inner join by itself.");
        md.AppendLine("- **Each filter has an index that starts with its column and goes on in the list's order** (`tenant/0022_list_indexes.sql`), so page 1 is the first 50 entries of one index range and a filtered count an index-only scan of that range. The partial `lab_orders_worklist_idx` (open orders only) stays: an open-orders worklist would read it in order.");
        md.AppendLine(inv, $"- **The unfiltered lists still count every row**: {results[0].SqlCount.P50:F1} ms at p50 for the {results[0].AvgTotal:N0} lab orders, {results[3].SqlCount.P50:F1} ms for the {results[3].AvgTotal:N0} invoices (an index-only scan of the whole table). `total` stays exact here; counting up to a cap and answering the planner's estimate past it with `totalExact: false`, as patient search does, would take this off the unfiltered lists at the price of an exact total.").AppendLine();
        md.AppendLine("## Plans (EXPLAIN ANALYZE, the last request's values)").AppendLine();
        foreach (var (pass, rows) in new[] { ("as migrated", results), ("without the list indexes", without) })
            foreach (var m in rows)
            {
                md.AppendLine(inv, $"<details><summary>{m.Name}, {pass}</summary>").AppendLine();
                md.AppendLine("```").AppendLine("-- count").AppendLine(m.CountPlan).AppendLine("-- page").AppendLine(m.PagePlan).AppendLine("```").AppendLine();
                md.AppendLine("</details>").AppendLine();
            }
        return md.ToString();
    }
}
