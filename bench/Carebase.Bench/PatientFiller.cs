using System.Diagnostics;
using Carebase.Api.Features.Demo;
using Npgsql;
using NpgsqlTypes;

namespace Carebase.Bench;

/// <summary>
/// Fills a tenant's patients table to N rows with binary COPY: secondary indexes are dropped first and
/// rebuilt after (much faster than maintaining them row by row), then the table is analysed.
/// </summary>
public static class PatientFiller
{
    public sealed record FillReport(bool Reused, long Rows, TimeSpan Copy, TimeSpan Indexes, TimeSpan Analyze);

    /// <summary>Fills (or reuses) the table; a fill's timings are kept in <paramref name="reportFile"/> so a reusing run still reports them.</summary>
    public static async Task<FillReport> EnsureAsync(string connectionString, string schema, int target, string reportFile, bool realisticNames)
    {
        var report = await FillAsync(connectionString, schema, target, realisticNames);
        if (!report.Reused)
            await File.WriteAllTextAsync(reportFile, System.Text.Json.JsonSerializer.Serialize(report));
        else if (File.Exists(reportFile))
            report = System.Text.Json.JsonSerializer.Deserialize<FillReport>(await File.ReadAllTextAsync(reportFile))! with { Reused = true };
        return report;
    }

    static async Task<FillReport> FillAsync(string connectionString, string schema, int target, bool realisticNames)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await Exec(conn, $"SET search_path TO \"{schema}\", public");
        var existing = (long)(await Scalar(conn, "SELECT count(*) FROM patients"))!;
        if (existing >= target) return new FillReport(true, existing, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

        var indexes = new List<(string name, string def)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_namespace n ON n.nspname = i.schemaname
            JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = n.oid JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = $1 AND i.tablename = 'patients' AND NOT x.indisprimary AND NOT x.indisunique
            """, conn))
        {
            cmd.Parameters.AddWithValue(schema);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) indexes.Add((r.GetString(0), r.GetString(1)));
        }
        foreach (var (name, _) in indexes) await Exec(conn, $"DROP INDEX \"{schema}\".\"{name}\"");

        // The name dictionary is filled once after the load rather than by the per-row trigger.
        await Exec(conn, "ALTER TABLE patients DISABLE TRIGGER patients_name_words");
        var copy = Stopwatch.StartNew();
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var now = DateTimeOffset.UtcNow;
        var rng = new Random(42);
        var toAdd = target - (int)existing;
        // Realistic: thousands of names with a Zipf-like frequency. Narrow: the demo's ~60 surnames (16k people each).
        var names = realisticNames ? new RealisticNames() : null;
        var nameRng = new Random(11);
        await using (var writer = await conn.BeginBinaryImportAsync("""
            COPY patients (id, patient_code, first_name, last_name, date_of_birth, gender, phone, email, city, state, country,
                blood_type, insurance_type, marital_status, patient_type, national_id, occupation, consent_sms, consent_email,
                last_visit_at, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """))
        {
            var i = 0;
            foreach (var demo in DemoPeople.Generate(seed: 7, toAdd, today))
            {
                var p = demo;
                if (names is not null)
                {
                    var (first, last) = names.Next(nameRng, demo.Gender == "FEMALE");
                    p = demo with { FirstName = first, LastName = last };
                }
                var created = now.AddMinutes(-rng.Next(0, 3 * 365 * 24 * 60));
                await writer.StartRowAsync();
                await writer.WriteAsync(Guid.CreateVersion7(created), NpgsqlDbType.Uuid);
                await writer.WriteAsync($"P-{created.Year}-{1_000_000 + i:D7}", NpgsqlDbType.Text);
                await writer.WriteAsync(p.FirstName, NpgsqlDbType.Text);
                await writer.WriteAsync(p.LastName, NpgsqlDbType.Text);
                await writer.WriteAsync(p.DateOfBirth, NpgsqlDbType.Date);
                await writer.WriteAsync(p.Gender, NpgsqlDbType.Text);
                await writer.WriteAsync(p.Phone, NpgsqlDbType.Text);
                await writer.WriteAsync(p.Email, NpgsqlDbType.Citext);
                await writer.WriteAsync(p.City, NpgsqlDbType.Text);
                await writer.WriteAsync(p.State, NpgsqlDbType.Text);
                await writer.WriteAsync(p.Country, NpgsqlDbType.Text);
                await writer.WriteAsync(p.BloodType, NpgsqlDbType.Text);
                await writer.WriteAsync(p.InsuranceType, NpgsqlDbType.Text);
                await writer.WriteAsync(p.MaritalStatus, NpgsqlDbType.Text);
                await writer.WriteAsync(p.PatientType, NpgsqlDbType.Text);
                await writer.WriteAsync(p.NationalId, NpgsqlDbType.Text);
                if (p.Occupation is null) await writer.WriteNullAsync(); else await writer.WriteAsync(p.Occupation, NpgsqlDbType.Text);
                await writer.WriteAsync(true, NpgsqlDbType.Boolean);
                await writer.WriteAsync(rng.Next(3) > 0, NpgsqlDbType.Boolean);
                if (rng.Next(10) < 7) await writer.WriteAsync(created.AddDays(rng.Next(0, 300)).ToUniversalTime(), NpgsqlDbType.TimestampTz);
                else await writer.WriteNullAsync();
                await writer.WriteAsync(created.ToUniversalTime(), NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(created.ToUniversalTime(), NpgsqlDbType.TimestampTz);
                if (++i % 100_000 == 0) Console.WriteLine($"  copied {i:N0} / {toAdd:N0}");
            }
            await writer.CompleteAsync();
        }
        copy.Stop();
        await Exec(conn, "ALTER TABLE patients ENABLE TRIGGER patients_name_words");

        var build = Stopwatch.StartNew();
        await Exec(conn, "SET maintenance_work_mem = '512MB'");
        foreach (var (name, def) in indexes)
        {
            Console.WriteLine($"  building {name}");
            await Exec(conn, def);
        }
        await Exec(conn, "INSERT INTO patient_name_words (word) SELECT DISTINCT w FROM patients, unnest(search_words) w WHERE w <> '' ON CONFLICT DO NOTHING");
        build.Stop();
        var analyze = Stopwatch.StartNew();
        await Exec(conn, "VACUUM ANALYZE patients");
        analyze.Stop();
        var rows = (long)(await Scalar(conn, "SELECT count(*) FROM patients"))!;
        return new FillReport(false, rows, copy.Elapsed, build.Elapsed, analyze.Elapsed);
    }

    static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task<object?> Scalar(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return await cmd.ExecuteScalarAsync();
    }
}
