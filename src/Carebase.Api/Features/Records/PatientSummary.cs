using Carebase.Api.Features.Labs;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Records;

public sealed record SummaryAllergy(Guid Id, string Substance, string Category, string? Severity, string? Reaction);
public sealed record SummaryCondition(Guid Id, string? Code, string Text, string Status, DateOnly? OnsetDate);
public sealed record SummaryMedication(Guid Id, string Name, string? Dose, string? Route, string? Frequency, DateOnly? StartDate, string Source);
public sealed record SummaryImmunizationDue(Guid Id, string Vaccine, int? DoseNumber, DateOnly DateGiven, DateOnly NextDueDate, bool Overdue);
public sealed record SummaryDiagnosis(string? Code, string Text, string Kind);
public sealed record SummaryVisit(Guid Id, DateTimeOffset StartedAt, string Status, string DoctorName, string? ChiefComplaint, IReadOnlyList<SummaryDiagnosis> Diagnoses);
/// <summary>A measurement's latest value and the one before it (null when there is none), with when each was taken.</summary>
public sealed record SummaryMeasurement(decimal Value, DateTimeOffset RecordedAt, decimal? Previous, DateTimeOffset? PreviousRecordedAt, string[] Flags);
/// <summary>
/// A verified lab result: the test, the value (a number with its unit, a code or text), its flags and when it was verified.
/// <c>status</c> CORRECTED means a correction of it waits for verification (this value is still the latest verified one).
/// </summary>
public sealed record SummaryLabResult(Guid Id, Guid OrderId, string TestCode, string TestName,
    [property: Platform.Errors.OneOf(typeof(LabValues), nameof(LabValues.ResultStatuses))] string Status,
    decimal? Value, string? ValueCode, string? ValueText, string? Unit,
    [property: Platform.Errors.OneOf(typeof(LabValues), nameof(LabValues.Flags))] IReadOnlyList<string> Flags, DateTimeOffset VerifiedAt);
/// <summary>The latest verified lab results (at most <see cref="PatientSummary.LabResultLimit"/>, newest first) and how many of them are flagged.</summary>
public sealed record SummaryLabResults(IReadOnlyList<SummaryLabResult> Latest, int Abnormal);
public sealed record SummaryCounts(int Visits, int Vitals, int Allergies, int Conditions, int Medications, int Immunizations, int Procedures,
    int Notes, int Documents);

/// <summary>
/// One page about a patient: who they are, what they are allergic to (or that they have no known allergies, or that
/// nobody asked), what they have, what they take, how their last vital signs compare with the ones before, what vaccine
/// is due, their last five visits, their latest verified lab results, and how much of everything there is. The active lists hold at most
/// <see cref="PatientSummary.ListLimit"/> items each (the history routes have them all).
/// </summary>
public sealed record PatientSummaryResponse(
    PatientResponse Patient,
    [property: Platform.Errors.OneOf(typeof(PatientSummary), nameof(PatientSummary.AllergyStatuses))] string AllergyStatus,
    IReadOnlyList<SummaryAllergy> ActiveAllergies, IReadOnlyList<SummaryCondition> ActiveConditions,
    IReadOnlyList<SummaryMedication> CurrentMedications, IReadOnlyDictionary<string, SummaryMeasurement> LatestVitals,
    IReadOnlyList<SummaryImmunizationDue> ImmunizationsDue, IReadOnlyList<SummaryVisit> RecentVisits, SummaryCounts Counts,
    SummaryLabResults LabResults)
{
    /// <summary>The patient's ACTIVE admission, if any.</summary>
    public SummaryAdmission? CurrentAdmission { get; init; }
}

public sealed record SummaryAdmission(Guid Id, DateTimeOffset AdmittedAt, string AdmittingDiagnosis, string Department, string PrimaryDoctorName,
    string? Ward, string? Bed);

/// <summary>Reads the summary in one batch (one round trip) after the patient gate.</summary>
public sealed class PatientSummary(CarebaseDb db, Caller caller, TenantClock clock)
{
    public static readonly string[] AllergyStatuses = ["UNKNOWN", "NO_KNOWN_ALLERGIES", "HAS_ALLERGIES"];
    const int DueWithinDays = 30;
    /// <summary>A page, not the whole history: at most this many active allergies, conditions and medications (the lists have them all).</summary>
    public const int ListLimit = 100;
    /// <summary>The latest verified lab results shown (the lab orders have them all).</summary>
    public const int LabResultLimit = 10;

    public async Task<PatientSummaryResponse> ReadAsync(Patient patient, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        var id = patient.Id;
        await using var batch = await db.OpenSqlBatchAsync(ct);
        try
        {
            foreach (var command in Statements(id, today.AddDays(DueWithinDays), !caller.IsPatient)) batch.BatchCommands.Add(command);
            await using var r = await batch.ExecuteReaderAsync(ct);
            // The search_path, when the batch had to send it first, answers an empty result of its own.
            while (r.FieldCount == 0) await r.NextResultAsync(ct);
            string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            DateOnly? D(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);

            var allergies = new List<SummaryAllergy>();
            while (await r.ReadAsync(ct)) allergies.Add(new(r.GetGuid(0), r.GetString(1), r.GetString(2), S(3), S(4)));
            await r.NextResultAsync(ct);
            var noKnown = await r.ReadAsync(ct) && r.GetBoolean(0);
            await r.NextResultAsync(ct);
            var conditions = new List<SummaryCondition>();
            while (await r.ReadAsync(ct)) conditions.Add(new(r.GetGuid(0), S(1), r.GetString(2), r.GetString(3), D(4)));
            await r.NextResultAsync(ct);
            var medications = new List<SummaryMedication>();
            while (await r.ReadAsync(ct)) medications.Add(new(r.GetGuid(0), r.GetString(1), S(2), S(3), S(4), D(5), r.GetString(6)));
            await r.NextResultAsync(ct);
            var readings = new List<(DateTimeOffset at, decimal?[] values, Dictionary<string, string[]> flags)>();
            while (await r.ReadAsync(ct))
                readings.Add((r.GetFieldValue<DateTimeOffset>(0), Enumerable.Range(1, 10).Select(i => r.IsDBNull(i) ? (decimal?)null : Convert.ToDecimal(r.GetValue(i))).ToArray(),
                    System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string[]>>(r.GetString(11)) ?? []));
            await r.NextResultAsync(ct);
            var due = new List<SummaryImmunizationDue>();
            while (await r.ReadAsync(ct))
            {
                var next = r.GetFieldValue<DateOnly>(4);
                due.Add(new(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetFieldValue<DateOnly>(3), next, next < today));
            }
            await r.NextResultAsync(ct);
            var visits = new List<SummaryVisit>();
            while (await r.ReadAsync(ct))
                visits.Add(new(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), S(4),
                    System.Text.Json.JsonSerializer.Deserialize<List<SummaryDiagnosis>>(r.GetString(5), Json) ?? []));
            await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            var counts = new SummaryCounts(Count(0), Count(1), Count(2), Count(3), Count(4), Count(5), Count(6), Count(7), Count(8));
            int Count(int i) => (int)r.GetInt64(i);
            await r.NextResultAsync(ct);
            var labs = new List<SummaryLabResult>();
            while (await r.ReadAsync(ct))
                labs.Add(new(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetDecimal(5),
                    S(6), S(7), S(8), r.GetFieldValue<string[]>(9), r.GetFieldValue<DateTimeOffset>(10)));
            await r.NextResultAsync(ct);
            var admission = await r.ReadAsync(ct) ? new SummaryAdmission(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3),
                r.GetString(4), S(5), S(6)) : null;

            return new PatientSummaryResponse(PatientResponse.From(patient, today),
                allergies.Count > 0 ? "HAS_ALLERGIES" : noKnown ? "NO_KNOWN_ALLERGIES" : "UNKNOWN",
                allergies, conditions, medications, Latest(readings), due, visits, counts,
                new SummaryLabResults(labs, labs.Count(l => l.Flags.Count > 0))) { CurrentAdmission = admission };
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The statements of one summary, in the order they are read (the benchmark runs them straight on PostgreSQL too).</summary>
    public static List<NpgsqlBatchCommand> Statements(Guid id, DateOnly dueBy, bool staff)
    {
        var batch = new List<NpgsqlBatchCommand>();
        void Add(string sql, params object[] more)
        {
            var command = new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = id } } };
            foreach (var value in more) command.Parameters.Add(new NpgsqlParameter { Value = value });
            batch.Add(command);
        }
        Add($"""
            SELECT id, substance, category, severity, reaction FROM allergies
            WHERE patient_id = $1 AND deleted_at IS NULL AND status = 'ACTIVE'
            ORDER BY CASE severity WHEN 'LIFE_THREATENING' THEN 0 WHEN 'SEVERE' THEN 1 WHEN 'MODERATE' THEN 2 ELSE 3 END, substance
            LIMIT {ListLimit}
            """);
        Add("SELECT no_known_allergies FROM allergy_statements WHERE patient_id = $1 ORDER BY seq DESC LIMIT 1");
        Add($"""
            SELECT id, code, text, status, onset_date FROM conditions
            WHERE patient_id = $1 AND deleted_at IS NULL AND status IN ('ACTIVE','RECURRENCE','RELAPSE')
            ORDER BY onset_date DESC NULLS LAST, created_at DESC
            LIMIT {ListLimit}
            """);
        Add($"""
            SELECT id, name, dose, route, frequency, start_date, source FROM medications
            WHERE patient_id = $1 AND deleted_at IS NULL AND status = 'ACTIVE'
            ORDER BY name
            LIMIT {ListLimit}
            """);
        // The last readings are enough to find each measurement's latest and previous value.
        Add("""
            SELECT recorded_at, height_cm, weight_kg, bmi, systolic_mmhg, diastolic_mmhg, pulse_per_min, temperature_c,
                   respiratory_rate_per_min, spo2_percent, pain_score, flags::text
            FROM vitals WHERE patient_id = $1 AND deleted_at IS NULL
            ORDER BY recorded_at DESC LIMIT 50
            """);
        // Due within 30 days (overdue included); a dose followed by a later one of the same vaccine is not due.
        Add("""
            SELECT i.id, i.vaccine, i.dose_number, i.date_given, i.next_due_date FROM immunizations i
            WHERE i.patient_id = $1 AND i.deleted_at IS NULL AND i.next_due_date <= $2
              AND NOT EXISTS (SELECT 1 FROM immunizations j WHERE j.patient_id = i.patient_id AND j.deleted_at IS NULL
                              AND lower(j.vaccine) = lower(i.vaccine) AND j.date_given > i.date_given)
            ORDER BY i.next_due_date
            """, dueBy);
        Add("""
            SELECT v.id, v.started_at, v.status, u.first_name || ' ' || u.last_name, v.chief_complaint,
                   coalesce((SELECT json_agg(json_build_object('code', d.code, 'text', d.text, 'kind', d.kind) ORDER BY (d.kind = 'PRIMARY') DESC, d.created_at)
                             FROM visit_diagnoses d WHERE d.visit_id = v.id AND d.deleted_at IS NULL), '[]')::text
            FROM visits v JOIN doctors doc ON doc.id = v.doctor_id JOIN platform.users u ON u.id = doc.user_id
            WHERE v.patient_id = $1
            ORDER BY v.started_at DESC LIMIT 5
            """);
        Add("""
            SELECT (SELECT count(*) FROM visits WHERE patient_id = $1),
                   (SELECT count(*) FROM vitals WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM allergies WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM conditions WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM medications WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM immunizations WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM procedures WHERE patient_id = $1 AND deleted_at IS NULL),
                   (SELECT count(*) FROM clinical_notes WHERE patient_id = $1 AND deleted_at IS NULL AND (NOT staff_only OR $2)),
                   (SELECT count(*) FROM documents WHERE patient_id = $1 AND deleted_at IS NULL)
            """, staff);
        // Verified results only, for everyone: what a portal patient may see of their labs (LabReader: never a value nobody
        // verified) and what staff should act on. A corrected value stays until its correction is verified too, so each
        // test shows its latest verified value. Read through lab_results_patient_idx (patient_id, verified_at DESC); the correction
        // is looked up by its key (a scalar subquery: NOT EXISTS would let the planner hash every verified result of the hospital).
        Add($"""
            SELECT r.id, r.order_id, i.test_code, i.test_name, r.status, r.value_numeric, r.value_code, r.value_text, r.unit, r.flags, r.verified_at
            FROM lab_results r JOIN lab_order_items i ON i.id = r.item_id
            WHERE r.patient_id = $1 AND r.verified_at IS NOT NULL
              AND (r.status = 'FINAL' OR (SELECT c.verified_at FROM lab_results c WHERE c.id = r.corrected_by_result_id) IS NULL)
            ORDER BY r.verified_at DESC, r.order_id, i.position
            LIMIT {LabResultLimit}
            """);
        Add("""
            SELECT a.id, a.admitted_at, a.admitting_diagnosis, dep.name::text, u.first_name || ' ' || u.last_name, w.name::text, b.code::text
            FROM admissions a JOIN departments dep ON dep.id = a.department_id
            JOIN doctors doc ON doc.id = a.primary_doctor_id JOIN platform.users u ON u.id = doc.user_id
            LEFT JOIN bed_assignments s ON s.admission_id = a.id AND s.ended_at IS NULL
            LEFT JOIN beds b ON b.id = s.bed_id LEFT JOIN wards w ON w.id = s.ward_id
            WHERE a.patient_id = $1 AND a.status = 'ACTIVE'
            """);
        return batch;
    }

    static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The measurement names, in the column order of the vitals query.</summary>
    static readonly string[] Measurements =
        ["heightCm", "weightKg", "bmi", "systolicMmHg", "diastolicMmHg", "pulsePerMin", "temperatureC", "respiratoryRatePerMin", "spo2Percent", "painScore"];

    static Dictionary<string, SummaryMeasurement> Latest(List<(DateTimeOffset at, decimal?[] values, Dictionary<string, string[]> flags)> readings)
    {
        var latest = new Dictionary<string, SummaryMeasurement>();
        for (var m = 0; m < Measurements.Length; m++)
        {
            var taken = readings.Where(x => x.values[m] is not null).Take(2).ToList();
            if (taken.Count == 0) continue;
            latest[Measurements[m]] = new SummaryMeasurement(taken[0].values[m]!.Value, taken[0].at, taken.ElementAtOrDefault(1).values?[m],
                taken.Count > 1 ? taken[1].at : null, taken[0].flags.GetValueOrDefault(Measurements[m]) ?? []);
        }
        return latest;
    }
}
