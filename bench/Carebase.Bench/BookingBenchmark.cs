using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// Booking under contention, through the API process over real HTTP: many clients racing for one slot
/// (exactly one may win each round), for distinct slots (all should win), and for a small pool of slots
/// (some collide). Successful bookings per second are reported per phase, and the same run then checks
/// in SQL that no two active appointments of a doctor, or of a patient, overlap.
/// </summary>
public static class BookingBenchmark
{
    const int Doctors = 4;
    const int SlotsPerDay = 48; // 08:00–20:00 in 15-minute slots: clear of the night-time daylight-saving switches

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var clients = o.Concurrency;
        var rounds = Math.Max(10, o.Iterations / 4);
        Console.WriteLine($"Booking benchmark: {clients} concurrent clients, {rounds} same-slot rounds, {o.Seconds}s per throughput phase");
        var pg = EmbeddedPostgres.Create(Path.Combine(o.DataDirectory, "booking"), "-c shared_buffers=512MB", "-c max_connections=300");
        await pg.StartAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(pg.ConnectionString);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = api.BaseAddress };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = "admin@general.demo", password = "Carebase!Demo2026" });
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York"); // the general demo hospital's zone

            Console.WriteLine("Creating doctors and patients…");
            var run = Guid.NewGuid().ToString("N")[..8];
            var doctors = new List<Guid>();
            for (var i = 0; i < Doctors; i++) doctors.Add(await CreateDoctorAsync(http, run, i));
            var patients = await ParallelAsync(Enumerable.Range(0, Doctors * SlotsPerDay), 16, i => CreatePatientAsync(http, run, i));

            // Each run books on its own far-future days (the doctors are new, so nothing else is there).
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
            var day0 = today.AddDays(30);
            DateTimeOffset Slot(int day, int slot) =>
                SlotCalculator.Instant(zone, day0.AddDays(day).ToDateTime(new TimeOnly(8, 0)).AddMinutes(15 * slot));

            // 1. Same slot: every round, all clients race for one slot of doctor 0 (each a different patient).
            Console.WriteLine("Phase 1: racing for one slot…");
            var same = new PhaseCounts();
            var sw = Stopwatch.StartNew();
            for (var r = 0; r < rounds; r++)
            {
                var at = Slot(r, r % SlotsPerDay);
                var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => BookAsync(http, patients[(r * clients + c) % patients.Count], doctors[0], at)));
                same.Add(results);
                if (results.Count(s => s == HttpStatusCode.Created) != 1) same.RoundsWithoutExactlyOneWinner++;
            }
            same.Elapsed = sw.Elapsed;

            // 2. Distinct slots: clients take bookings from one counter; booking i has its own doctor, slot and patient.
            Console.WriteLine("Phase 2: distinct slots…");
            var distinct = await ThroughputAsync(clients, o.Seconds, i =>
            {
                var perDay = Doctors * SlotsPerDay;
                var (day, r) = (rounds + 1 + i / perDay, i % perDay);
                var (doctor, slot) = (r / SlotsPerDay, r % SlotsPerDay);
                return BookAsync(http, patients[r], doctors[doctor], Slot(day, slot));
            });

            // 3. A small pool: each request picks one of 8 slots of one day at random, with a random patient: collisions happen.
            Console.WriteLine("Phase 3: a small pool of slots…");
            var poolDay = rounds + 2 + distinct.Attempts / (Doctors * SlotsPerDay) + 1;
            var pool = await ThroughputAsync(clients, o.Seconds, i =>
            {
                var rng = Random.Shared;
                var day = poolDay + i / 200; // a fresh day every 200 attempts keeps some slots free
                return BookAsync(http, patients[rng.Next(patients.Count)], doctors[rng.Next(Doctors)], Slot(day, rng.Next(8)));
            });

            Console.WriteLine("Checking invariants…");
            var (doctorOverlaps, patientOverlaps, booked) = await InvariantsAsync(pg.ConnectionString, doctors);
            var file = await WriteResultsAsync(o, pg, clients, rounds, same, distinct, pool, doctorOverlaps, patientOverlaps, booked);
            Console.WriteLine($"Results: {file}");
            return doctorOverlaps == 0 && patientOverlaps == 0 && same.RoundsWithoutExactlyOneWinner == 0 ? 0 : 1;
        }
        finally
        {
            await pg.StopAsync();
        }
    }

    sealed class PhaseCounts
    {
        public int Attempts, Created, Conflicts, Other, RoundsWithoutExactlyOneWinner;
        public TimeSpan Elapsed;
        public double CreatedPerSecond => Created / Elapsed.TotalSeconds;
        public double AttemptsPerSecond => Attempts / Elapsed.TotalSeconds;

        public void Add(IEnumerable<HttpStatusCode> statuses)
        {
            foreach (var s in statuses)
            {
                Attempts++;
                if (s == HttpStatusCode.Created) Created++;
                else if (s == HttpStatusCode.Conflict) Conflicts++;
                else Other++;
            }
        }
    }

    static async Task<PhaseCounts> ThroughputAsync(int clients, int seconds, Func<int, Task<HttpStatusCode>> book)
    {
        var counts = new PhaseCounts();
        var next = -1;
        var deadline = Stopwatch.StartNew();
        var all = new ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
                all.Add(await book(Interlocked.Increment(ref next)));
        }));
        counts.Elapsed = deadline.Elapsed;
        counts.Add(all);
        return counts;
    }

    static async Task<HttpStatusCode> BookAsync(HttpClient http, Guid patientId, Guid doctorId, DateTimeOffset startsAt)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/appointments", new { patientId, doctorId, startsAt, reason = "Benchmark" });
        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.UnprocessableEntity)
            throw new InvalidOperationException($"Booking {doctorId} at {startsAt:O} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.StatusCode;
    }

    internal static async Task<Guid> CreateDoctorAsync(HttpClient http, string run, int i)
    {
        var response = await http.PostAsJsonAsync("/api/v1/doctors", new
        {
            user = new { email = $"bench-{run}-{i}@general.demo", firstName = "Bench", lastName = $"Doctor{i}", temporaryPassword = "Bench-Doctor-2026!x" },
            specialization = "General Medicine", licenseNumber = $"BENCH-{run}-{i}", yearsOfExperience = 5, consultationFee = 100m,
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Doctor: {(int)response.StatusCode} {body}");
        var id = JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
        var blocks = Enumerable.Range(1, 7).Select(d => new { weekday = d, startTime = "08:00", endTime = "20:00" });
        (await http.PutAsJsonAsync($"/api/v1/doctors/{id}/working-hours", new { blocks })).EnsureSuccessStatusCode();
        return id;
    }

    internal static async Task<Guid> CreatePatientAsync(HttpClient http, string run, int i)
    {
        var response = await http.PostAsJsonAsync("/api/v1/patients", new
        {
            firstName = $"Bench{run}", lastName = $"Patient{i:D4}", dateOfBirth = "1980-01-01", gender = "FEMALE",
            phone = $"+1 555 {i:D7}", nationalId = $"B-{run}-{i}", allowDuplicate = true, duplicateReason = "benchmark",
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Patient: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
    }

    internal static async Task<List<T>> ParallelAsync<T>(IEnumerable<int> items, int degree, Func<int, Task<T>> work)
    {
        var results = new ConcurrentDictionary<int, T>();
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = degree }, async (i, _) => results[i] = await work(i));
        return results.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
    }

    static async Task<(long doctor, long patient, long booked)> InvariantsAsync(string connectionString, List<Guid> doctors)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = "tenant_general,public" }.ConnectionString);
        await conn.OpenAsync();
        const string active = "('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION')";
        async Task<long> Scalar(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        // Over the whole tenant (demo data included), not only this run's rows.
        var doctor = await Scalar($"""
            SELECT count(*) FROM appointments a JOIN appointments b ON a.doctor_id = b.doctor_id AND a.id < b.id
              AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
            WHERE a.status IN {active} AND b.status IN {active}
            """);
        var patient = await Scalar($"""
            SELECT count(*) FROM appointments a JOIN appointments b ON a.patient_id = b.patient_id AND a.id < b.id
              AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
            WHERE a.status IN {active} AND b.status IN {active}
            """);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM appointments WHERE doctor_id = ANY($1)", conn);
        count.Parameters.AddWithValue(doctors.ToArray());
        return (doctor, patient, (long)(await count.ExecuteScalarAsync())!);
    }

    static async Task<string> WriteResultsAsync(BenchOptions o, EmbeddedPostgres pg, int clients, int rounds, PhaseCounts same, PhaseCounts distinct,
        PhaseCounts pool, long doctorOverlaps, long patientOverlaps, long booked)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Booking under contention").AppendLine();
        md.AppendLine(inv, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project bench/Carebase.Bench -- --mode booking --concurrency {clients} --iterations {o.Iterations} --seconds {o.Seconds}`.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine(inv, $"- {Environment.ProcessorCount} cores ({PatientSearchBenchmark.Cpu()}), {PatientSearchBenchmark.Memory()} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine(inv, $"- .NET {Environment.Version}, {await PatientSearchBenchmark.ServerVersionAsync(pg)}; shared_buffers=512MB");
        md.AppendLine("- The API (Release build, separate process, Kestrel on loopback), PostgreSQL and this client share the same cores.").AppendLine();
        md.AppendLine("## Throughput").AppendLine();
        md.AppendLine(inv, $"{clients} concurrent clients, one bearer token (a hospital admin), `POST /api/v1/appointments` over HTTP. Every booking is checked against working hours, time off and the slot grid; overlaps are refused by the exclusion constraints.").AppendLine();
        md.AppendLine("| phase | attempts | 201 created | 409 refused | other | seconds | successful bookings/s | requests/s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        void Row(string name, PhaseCounts p) => md.AppendLine(inv,
            $"| {name} | {p.Attempts:N0} | {p.Created:N0} | {p.Conflicts:N0} | {p.Other:N0} | {p.Elapsed.TotalSeconds:F1} | {p.CreatedPerSecond:F1} | {p.AttemptsPerSecond:F1} |");
        Row($"same slot ({rounds} rounds × {clients} clients)", same);
        Row("distinct slots", distinct);
        Row("pool of 8 slots per day, random doctor and patient", pool);
        md.AppendLine();
        md.AppendLine(inv, $"Ratio distinct / same-slot successful bookings per second: {distinct.CreatedPerSecond / same.CreatedPerSecond:F1}. In the same-slot phase each round is one winner and {clients - 1} refusals, so its requests/s is the rate of contended attempts.").AppendLine();
        md.AppendLine("## Invariants (checked in SQL after the run)").AppendLine();
        md.AppendLine(inv, $"- Same-slot rounds without exactly one winner: **{same.RoundsWithoutExactlyOneWinner}** of {rounds}");
        md.AppendLine(inv, $"- Pairs of active appointments of one doctor that overlap (whole tenant): **{doctorOverlaps}**");
        md.AppendLine(inv, $"- Pairs of active appointments of one patient that overlap (whole tenant): **{patientOverlaps}**");
        md.AppendLine(inv, $"- Appointments of this run's doctors in the database: {booked:N0} (created answers: {same.Created + distinct.Created + pool.Created:N0})");
        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "booking-contention.md");
        await File.WriteAllTextAsync(file, md.ToString());
        Console.Write(md.ToString());
        return file;
    }
}
