using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// The census in one round trip of three statements: the wards with their beds counted by status; the ACTIVE admissions
/// with their current bed; and per day of the period (the hospital's days, bounds computed by PostgreSQL in its zone, so a
/// 23- or 25-hour day is one day) the admissions, discharges and the midnights of the stays discharged that day.
/// </summary>
public sealed class Census(CarebaseDb db, PatientAccess access, TenantClock clock)
{
    // The census's three statements, sent in one batch (kept here so the census benchmark times exactly these): the wards
    // with their beds by status, the inpatients, and per day admissions and discharges ($1 zone, $2 from, $3 to).
    internal static readonly string WardsSql = $"""
        SELECT w.id, w.name::text, w.type, w.department_id,
               {string.Join(", ", BedStatus.All.Select(s => $"count(b.id) FILTER (WHERE b.status = '{s}')"))}
        FROM wards w LEFT JOIN beds b ON b.ward_id = w.id
        GROUP BY w.id ORDER BY w.name, w.id
        """;

    internal const string InpatientsSql = """
        SELECT a.id, a.patient_id, p.first_name || ' ' || p.last_name, p.patient_code, p.confidential, s.bed_id, b.code::text, s.ward_id,
               u.first_name || ' ' || u.last_name, a.admitted_at
        FROM admissions a
        JOIN patients p ON p.id = a.patient_id
        JOIN doctors d ON d.id = a.primary_doctor_id JOIN platform.users u ON u.id = d.user_id
        LEFT JOIN bed_assignments s ON s.admission_id = a.id AND s.ended_at IS NULL
        LEFT JOIN beds b ON b.id = s.bed_id
        WHERE a.status = 'ACTIVE'
        ORDER BY b.code NULLS LAST, a.admitted_at, a.id
        """;

    internal const string DaysSql = """
        WITH days AS (SELECT d::date AS day, d::timestamp AT TIME ZONE $1 AS starts, (d + interval '1 day')::timestamp AT TIME ZONE $1 AS ends
                      FROM generate_series($2::date, $3::date, interval '1 day') d),
             admitted AS (SELECT (a.admitted_at AT TIME ZONE $1)::date AS day, count(*) AS n FROM admissions a
                          WHERE a.admitted_at >= (SELECT min(starts) FROM days) AND a.admitted_at < (SELECT max(ends) FROM days) GROUP BY 1),
             left_ AS (SELECT (a.discharged_at AT TIME ZONE $1)::date AS day, count(*) AS n,
                              sum((a.discharged_at AT TIME ZONE $1)::date - (a.admitted_at AT TIME ZONE $1)::date) AS midnights
                       FROM admissions a
                       WHERE a.discharged_at >= (SELECT min(starts) FROM days) AND a.discharged_at < (SELECT max(ends) FROM days) GROUP BY 1)
        SELECT d.day, coalesce(ad.n, 0), coalesce(l.n, 0), coalesce(l.midnights, 0)
        FROM days d LEFT JOIN admitted ad ON ad.day = d.day LEFT JOIN left_ l ON l.day = d.day
        ORDER BY d.day
        """;

    public async Task<CensusResponse> ReadAsync(CensusQuery query, CancellationToken ct)
    {
        var zone = await clock.ZoneAsync(ct);
        var now = clock.UtcNow;
        var today = await clock.TodayAsync(ct);
        var to = query.To ?? (query.From is { } f0 && f0.AddDays(6) < today ? f0.AddDays(6) : today);
        var from = query.From ?? to.AddDays(-6);

        var wards = new List<(Guid id, string name, string type, Guid? department, Dictionary<string, int> beds)>();
        var patients = new List<(Guid? ward, CensusPatient patient, bool confidential)>();
        var days = new List<CensusDay>();
        var (discharges, midnights) = (0, 0L);
        await using var batch = await db.OpenSqlBatchAsync(ct);
        try
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(WardsSql));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(InpatientsSql));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(DaysSql)
            {
                Parameters = { new() { Value = zone.Id }, new() { Value = from }, new() { Value = to } },
            });
            await using var r = await batch.ExecuteReaderAsync(ct);
            while (r.FieldCount == 0) await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
                wards.Add((r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                    BedStatus.All.Select((s, i) => (s, n: (int)r.GetInt64(4 + i))).ToDictionary(x => x.s, x => x.n)));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var admittedAt = r.GetFieldValue<DateTimeOffset>(9);
                patients.Add((r.IsDBNull(7) ? null : r.GetGuid(7), new CensusPatient(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), false,
                    r.IsDBNull(5) ? null : r.GetGuid(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(8), admittedAt,
                    BedDays.Midnights(admittedAt, now, zone)), r.GetBoolean(4)));
            }
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                days.Add(new CensusDay(r.GetFieldValue<DateOnly>(0), (int)r.GetInt64(1), (int)r.GetInt64(2)));
                discharges += (int)r.GetInt64(2);
                midnights += Convert.ToInt64(r.GetValue(3));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        var hidden = await access.HiddenAmongAsync(patients.Where(p => p.confidential).Select(p => p.patient.PatientId).Distinct().ToList(), ct);
        var shown = patients.Select(p => (p.ward, patient: p.patient with { Restricted = hidden.Contains(p.patient.PatientId) })).ToList();
        var wardCensus = wards.Select(w => new WardCensus(w.id, w.name, w.type, w.department, w.beds.Values.Sum(), w.beds,
            Rate(w.beds[BedStatus.Occupied], w.beds.Values.Sum() - w.beds[BedStatus.OutOfService]),
            shown.Where(p => p.ward == w.id).Select(p => p.patient).ToList())).ToList();
        var totalBeds = wardCensus.Sum(w => w.TotalBeds);
        var occupied = wardCensus.Sum(w => w.BedsByStatus[BedStatus.Occupied]);
        var inService = totalBeds - wardCensus.Sum(w => w.BedsByStatus[BedStatus.OutOfService]);
        return new CensusResponse(TimeZoneInfo.ConvertTime(now, zone), totalBeds, occupied, Rate(occupied, inService), patients.Count, wardCensus,
            shown.Where(p => p.ward is null).Select(p => p.patient).ToList(), from, to, days,
            discharges == 0 ? null : Math.Round((decimal)midnights / discharges, 2));
    }

    static decimal Rate(int part, int whole) => whole <= 0 ? 0 : Math.Round((decimal)part / whole, 4);
}
