using System.Data.Common;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Runs a <see cref="PatientQuery"/>: the page and its total in one round trip, or every matching
/// row as a stream (export). Raw SQL on the request's connection, so the tenant's search_path applies.
/// </summary>
public sealed class PatientSearch(CarebaseDb db)
{
    public const string Columns = """
        p.id, p.patient_code, p.first_name, p.middle_name, p.last_name, p.date_of_birth, p.gender, p.phone, p.email,
        p.city, p.state, p.blood_type, p.insurance_type, p.marital_status, p.patient_type, p.national_id,
        p.last_visit_at, p.created_at, p.deleted_at, p.confidential
        """;

    static string Threshold => $"SET pg_trgm.word_similarity_threshold = {PatientQuery.WordSimilarity.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public async Task<Paged<PatientListItem>> PageAsync(PatientQuery query, DateOnly today, Guid? onlyPatientId, int page, int size, CancellationToken ct)
    {
        var conn = await OpenAsync(ct);
        try
        {
            return await PageAsync(conn, query, today, onlyPatientId, page, size, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Totals are exact up to this many matches; beyond it the planner's estimate is given with totalExact false
    /// (counting thousands of matching rows costs more than finding the page, and nobody pages through them).
    /// </summary>
    public const int CountCap = 1_000;

    /// <summary>What one search page runs, exactly as sent (the benchmark runs it directly too).</summary>
    /// <param name="Rows">the page (after the trigram threshold when fuzzy)</param>
    /// <param name="Count">the capped count, run only when the page alone cannot tell the total</param>
    /// <param name="MatchSql">the matching rows without limit, for the planner's estimate past the cap</param>
    /// <param name="MatchParameters">the parameters of MatchSql</param>
    /// <param name="CountedInRows">the page rows carry the exact total (count(*) OVER ()) and Count is not needed</param>
    public sealed record SearchPlan(NpgsqlBatchCommand[] Rows, NpgsqlBatchCommand Count, string MatchSql, NpgsqlParameter[] MatchParameters, bool CountedInRows);

    public static SearchPlan Plan(PatientQuery query, DateOnly today, Guid? onlyPatientId, int page, int size, bool fuzzy,
        IReadOnlyDictionary<string, string>? normalized = null)
    {
        var rows = new List<NpgsqlBatchCommand>();
        // Session setting: Npgsql resets it when the connection goes back to the pool.
        if (fuzzy) rows.Add(new NpgsqlBatchCommand(Threshold));
        var rowParams = new List<NpgsqlParameter>();
        var (rowWith, rowWhere, score) = query.Build(rowParams, today, onlyPatientId, fuzzy, normalized);
        var orderBy = query.OrderBy(score != "NULL::float8");
        // Near spellings ranked by relevance: every match is read to rank the page anyway, and a second query would
        // look up the words' candidates and find the rows again, so they are counted in the same pass. Not for the
        // exact run: its matches can be a whole surname's thousands, which count(*) OVER () would all hold in memory
        // (a capped count stops at 1,001).
        var countedInRows = fuzzy && orderBy.StartsWith("score", StringComparison.Ordinal);
        var select = new NpgsqlBatchCommand(
            $"{rowWith}SELECT {Columns}, {score} AS score{(countedInRows ? ", count(*) OVER () AS total" : "")} FROM patients p WHERE {rowWhere} ORDER BY {orderBy} LIMIT {size} OFFSET {(page - 1) * size}");
        select.Parameters.AddRange(rowParams.ToArray());
        rows.Add(select);
        var countParams = new List<NpgsqlParameter>();
        var (with, where, _) = query.Build(countParams, today, onlyPatientId, fuzzy, normalized);
        var match = $"{with}SELECT 1 FROM patients p WHERE {where}";
        var count = new NpgsqlBatchCommand($"SELECT count(*) FROM ({match} LIMIT {CountCap + 1}) c");
        count.Parameters.AddRange(countParams.Select(p => p.Clone()).ToArray());
        return new SearchPlan([.. rows], count, match, [.. countParams], countedInRows);
    }

    /// <summary>Runs one page: exact words first; near spellings too when the exact matches do not fill it.</summary>
    public static async Task<Paged<PatientListItem>> PageAsync(NpgsqlConnection conn, PatientQuery query, DateOnly today, Guid? onlyPatientId,
        int page, int size, CancellationToken ct)
    {
        // A name's forms come back normalised with the exact page, for the forgiving run if one is needed.
        var forms = query.NameForms();
        NpgsqlBatchCommand? normalize = null;
        if (forms.Count > 0)
        {
            normalize = new NpgsqlBatchCommand("SELECT f, public.search_text(f) FROM unnest($1::text[]) f");
            normalize.Parameters.Add(new NpgsqlParameter { Value = forms.ToArray() });
        }
        var (result, normalized) = await RunAsync(conn, Plan(query, today, onlyPatientId, page, size, fuzzy: false), today, page, size, ct, normalize);
        // Too few with every word as typed: run again with near spellings ("Jonh Smiht", "Mohamed" for Muhammad).
        // The exact matches keep their order at the top, so the pages of both runs agree.
        if (result.Items.Count < size && query.SearchKind == PatientQuery.Kind.Name)
            (result, _) = await RunAsync(conn, Plan(query, today, onlyPatientId, page, size, fuzzy: true, normalized), today, page, size, ct);
        return result;
    }

    /// <summary>
    /// The page first. A page that is not full tells the exact total by itself (no count); otherwise the capped
    /// count runs, and past the cap the planner's estimate is given (never below what was counted).
    /// </summary>
    // also: a command sent in the same batch after the page, whose (text, text) rows come back as a map.
    static async Task<(Paged<PatientListItem>, Dictionary<string, string>?)> RunAsync(NpgsqlConnection conn, SearchPlan plan, DateOnly today,
        int page, int size, CancellationToken ct, NpgsqlBatchCommand? also = null)
    {
        var items = new List<PatientListItem>(size);
        long? counted = null;
        Dictionary<string, string>? map = null;
        await using (var batch = new NpgsqlBatch(conn))
        {
            foreach (var s in plan.Rows) batch.BatchCommands.Add(s);
            if (also is not null) batch.BatchCommands.Add(also);
            await using var r = await batch.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                items.Add(Read(r, today));
                if (plan.CountedInRows) counted = r.GetInt64(r.FieldCount - 1); // the total comes last, after the score
            }
            if (also is not null && await r.NextResultAsync(ct))
            {
                map = [];
                while (await r.ReadAsync(ct)) map[r.GetString(0)] = r.GetString(1);
            }
        }
        return (await TotalAsync(conn, plan, items, counted, page, size, ct), map);
    }

    static async Task<Paged<PatientListItem>> TotalAsync(NpgsqlConnection conn, SearchPlan plan, List<PatientListItem> items, long? counted,
        int page, int size, CancellationToken ct)
    {
        var offset = (long)(page - 1) * size;
        if (counted is { } all) return new Paged<PatientListItem>(items, page, size, all, true);
        if (items.Count is > 0 && items.Count < size || items.Count == 0 && page == 1)
            return new Paged<PatientListItem>(items, page, size, offset + items.Count, true);

        long total;
        await using (var batch = new NpgsqlBatch(conn))
        {
            batch.BatchCommands.Add(plan.Count);
            total = (long)(await batch.ExecuteScalarAsync(ct))!;
        }
        if (total <= CountCap) return new Paged<PatientListItem>(items, page, size, total, true);
        await using var explain = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + plan.MatchSql, conn);
        explain.Parameters.AddRange(plan.MatchParameters);
        using var json = System.Text.Json.JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(ct))!);
        var estimate = (long)json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
        return new Paged<PatientListItem>(items, page, size, Math.Max(estimate, total), false);
    }

    /// <summary>Every matching row in name order, read as it streams (constant memory).</summary>
    public async IAsyncEnumerable<PatientListItem> StreamAsync(PatientQuery query, DateOnly today, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var conn = await OpenAsync(ct);
        try
        {
            await using (var set = new NpgsqlCommand(Threshold, conn)) await set.ExecuteNonQueryAsync(ct);
            var parameters = new List<NpgsqlParameter>();
            var (with, where, score) = query.Build(parameters, today, null);
            await using var cmd = new NpgsqlCommand($"{with}SELECT {Columns}, {score} AS score FROM patients p WHERE {where} ORDER BY {query.OrderBy(false)}", conn);
            cmd.Parameters.AddRange(parameters.ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) yield return Read(r, today);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => db.OpenForSqlAsync(ct); // with the tenant's search_path

    static PatientListItem Read(DbDataReader r, DateOnly today)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var dob = r.GetFieldValue<DateOnly>(5);
        return new PatientListItem(r.GetGuid(0), r.GetString(1), r.GetString(2), S(3), r.GetString(4), dob, dob.Year, Patient.AgeOn(dob, today),
            r.GetString(6), S(7), S(8), S(9), S(10), r.GetString(11), r.GetString(12), r.GetString(13), r.GetString(14), S(15),
            r.IsDBNull(16) ? null : r.GetFieldValue<DateTimeOffset>(16), r.GetFieldValue<DateTimeOffset>(17),
            r.IsDBNull(18) ? null : r.GetFieldValue<DateTimeOffset>(18), r.IsDBNull(20) ? null : Math.Round(r.GetDouble(20), 4),
            r.GetBoolean(19), false);
    }
}
