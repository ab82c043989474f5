using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Patients;

/// <summary>What is known about a person being registered (or searched for as a possible duplicate).</summary>
public sealed record PersonKey(string? FirstName, string? LastName, DateOnly? DateOfBirth, string? Phone, string? NationalId);

/// <summary>
/// Finds live patients that are probably the same person, ranked: the same national id (100), the
/// same name and date of birth (80), the same phone (60), the same date of birth with a similar name,
/// typo tolerant (50). Each lookup is an index probe, so this stays cheap on a million patients.
/// </summary>
public sealed class DuplicateFinder(CarebaseDb db, PatientAccess access)
{
    public const int LikelyDuplicateScore = 50;

    public async Task<IReadOnlyList<DuplicateCandidate>> FindAsync(PersonKey key, Guid? excludeId, CancellationToken ct, int limit = 10)
    {
        var digits = key.Phone is null ? null : new string(key.Phone.Where(char.IsDigit).ToArray());
        // Compare the last 9 digits: the same number written with and without a country code.
        var phoneTail = digits is { Length: >= 6 } ? digits[^Math.Min(9, digits.Length)..] : null;
        var name = $"{key.FirstName} {key.LastName}".Trim();
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant()).ToArray();
        var nationalId = string.IsNullOrWhiteSpace(key.NationalId) ? null : key.NationalId.Trim();
        if (nationalId is null && phoneTail is null && key.DateOfBirth is null) return [];

        List<DuplicateCandidate> found;
        // One batch: the tenant's search_path, when owed, travels with the query.
        await using var batch = await db.OpenSqlBatchAsync(ct);
        try
        {
            var cmd = new NpgsqlBatchCommand("""
                WITH c AS (
                    SELECT p.id, p.patient_code, p.first_name, p.last_name, p.date_of_birth, p.phone, p.national_id, p.confidential,
                           -- coalesce: a candidate without a phone or national id compares as NULL, which is "no"
                           coalesce($1::text IS NOT NULL AND p.national_id = $1, false) AS same_id,
                           coalesce($2::text IS NOT NULL AND right(p.phone_digits, 9) = $2, false) AS same_phone,
                           coalesce($3::date IS NOT NULL AND p.date_of_birth = $3, false) AS same_dob,
                           coalesce(p.search_name = public.search_text($4), false) AS same_name,
                           coalesce(similarity(p.search_name, public.search_text($4)) >= 0.3
                            OR (cardinality($5::text[]) > 0 AND (SELECT bool_and(word_similarity(public.search_text(w), p.search_name) >= 0.4) FROM unnest($5::text[]) w)), false) AS similar_name
                    FROM patients p
                    WHERE p.deleted_at IS NULL AND p.id <> $6
                      AND (($1::text IS NOT NULL AND p.national_id = $1)
                        OR ($2::text IS NOT NULL AND p.phone_digits LIKE '%' || $2)
                        OR ($3::date IS NOT NULL AND p.date_of_birth = $3))
                )
                SELECT id, patient_code, first_name, last_name, date_of_birth, phone, national_id, same_id, same_phone, same_dob, same_name, similar_name,
                       confidential
                FROM c
                WHERE same_id OR same_phone OR (same_dob AND similar_name)
                LIMIT 200
                """);
            batch.BatchCommands.Add(cmd);
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)nationalId ?? DBNull.Value);
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)phoneTail ?? DBNull.Value);
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Date, key.DateOfBirth is { } d ? d : DBNull.Value);
            cmd.Parameters.AddWithValue(name);
            cmd.Parameters.AddWithValue(words);
            cmd.Parameters.AddWithValue(excludeId ?? Guid.Empty);
            var list = new List<DuplicateCandidate>();
            await using var r = await batch.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var reasons = new List<string>();
                var score = 0;
                if (r.GetBoolean(7)) { score = Math.Max(score, 100); reasons.Add("SAME_NATIONAL_ID"); }
                if (r.GetBoolean(9) && r.GetBoolean(10)) { score = Math.Max(score, 80); reasons.Add("SAME_NAME_AND_DATE_OF_BIRTH"); }
                else if (r.GetBoolean(9) && r.GetBoolean(11)) { score = Math.Max(score, 50); reasons.Add("SAME_DATE_OF_BIRTH_SIMILAR_NAME"); }
                if (r.GetBoolean(8)) { score = Math.Max(score, 60); reasons.Add("SAME_PHONE"); }
                // Several signals together are stronger than any one of them.
                score = Math.Min(100, score + 10 * (reasons.Count - 1));
                list.Add(new DuplicateCandidate(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3),
                    r.GetFieldValue<DateOnly>(4), r.GetFieldValue<DateOnly>(4).Year, r.IsDBNull(5) ? null : r.GetString(5),
                    r.IsDBNull(6) ? null : r.GetString(6), score, reasons, r.GetBoolean(12), false));
            }
            found = list.OrderByDescending(c => c.Score).ThenBy(c => c.LastName).ThenBy(c => c.PatientCode).Take(limit).ToList();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        // A confidential patient outside the caller's reach is still named (so it is not registered twice), nothing more.
        var hidden = await access.HiddenAmongAsync(found.Where(c => c.Confidential).Select(c => c.Id).ToList(), ct);
        return hidden.Count == 0 ? found : found.Select(c => hidden.Contains(c.Id) ? c.Restrict() : c).ToList();
    }
}
