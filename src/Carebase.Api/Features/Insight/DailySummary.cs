using System.Globalization;
using System.Text;
using System.Text.Json;
using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Queue;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;
using Npgsql;

namespace Carebase.Api.Features.Insight;

/// <summary>
/// The hospital's day in figures (<c>GET /reports/daily-summary</c>): one statement, so every figure comes from the same
/// snapshot and the report costs one round trip. The day is the hospital's local day, its bounds computed in its time
/// zone (<see cref="SlotCalculator.Instant"/>, as every local day of the API), so a daylight-saving day has 23 or 25 hours.
/// </summary>
public static class DailySummary
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/reports/daily-summary", GetDailySummary).WithTags("Reports").AddEndpointFilter<ValidationFilter>().RequirePermission(Permissions.ReportsRead)
            // The JSON answer with its schema; DescribeCsv adds the sheet (a second Produces(200, "text/csv") would replace the schema).
            .Produces<DailySummaryResponse>(200).AddOpenApiOperationTransformer(DescribeCsv)
            .WithSummary("One day of the hospital in figures (its local day; today when left out): patients seen and registered, visits, "
                + "appointments and queue tokens by status, prescriptions and dispensings, lab orders, invoices, revenue per payment method net of "
                + "refunds, and the outstanding balance at the end of the day (now, for today); JSON or CSV");

    static Task DescribeCsv(OpenApiOperation op, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (op.Responses?.GetValueOrDefault("200") is OpenApiResponse { Content: { } content })
            content["text/csv"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "format=csv: a header (section,name,currency,value), then one row per figure." },
            };
        return Task.CompletedTask;
    }

    static async Task<Results<Ok<DailySummaryResponse>, EmptyHttpResult>> GetDailySummary([AsParameters] DailySummaryQuery query, CarebaseDb db,
        TenantClock clock, Caller caller, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var summary = await ReadAsync(db, clock, caller.Tenant, query.Date, ct);
        await audit.WriteAsync("DAILY_SUMMARY_REPORTED", "REPORT", null, new { date = summary.Date, format = query.Format ?? "json" }, ct: ct);
        if (query.Format != "csv") return TypedResults.Ok(summary);

        var zone = await clock.ZoneAsync(ct);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"daily-summary-{summary.Date:yyyy-MM-dd}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(true), 16 * 1024) { NewLine = "\r\n" };   // RFC 4180, like the patient export
        await writer.WriteLineAsync("section,name,currency,value");
        // Text goes through the export's cell rule (quoted, formulas neutralised); numbers are ours, written as they are (a net may be negative).
        foreach (var (section, name, currency, value) in Figures(summary, zone))
            await writer.WriteLineAsync(string.Join(',', PatientExport.Cell(section), PatientExport.Cell(name), PatientExport.Cell(currency), value switch
            {
                int n => n.ToString(CultureInfo.InvariantCulture),
                decimal m => m.ToString(CultureInfo.InvariantCulture),
                _ => PatientExport.Cell(value.ToString()),
            }));
        return TypedResults.Empty;
    }

    /// <summary>The report of <paramref name="date"/> (the hospital's today when null).</summary>
    public static async Task<DailySummaryResponse> ReadAsync(CarebaseDb db, TenantClock clock, Guid tenantId, DateOnly? date, CancellationToken ct)
    {
        var zone = await clock.ZoneAsync(ct);
        var day = date ?? await clock.TodayAsync(ct);
        var from = SlotCalculator.Instant(zone, day.ToDateTime(TimeOnly.MinValue));
        var to = SlotCalculator.Instant(zone, day.AddDays(1).ToDateTime(TimeOnly.MinValue));
        var now = clock.UtcNow;
        var asOf = to < now ? to : now;

        await using var batch = await db.OpenSqlBatchAsync(ct);
        try
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql)
            {
                Parameters =
                {
                    new() { Value = from.ToUniversalTime() }, new() { Value = to.ToUniversalTime() }, new() { Value = day },
                    new() { Value = tenantId }, new() { Value = asOf.ToUniversalTime() },
                },
            });
            await using var r = await batch.ExecuteReaderAsync(ct);
            // The search_path, when the batch had to send it first, answers an empty result of its own.
            while (r.FieldCount == 0) await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            int N(int i) => (int)r.GetInt64(i);
            T Json<T>(int i) => JsonSerializer.Deserialize<T>(r.GetString(i), JsonOptions)!;

            var currency = r.GetString(0).Trim();
            return new DailySummaryResponse(day, zone.Id, from, to, asOf,
                new DailyPatients(N(1), N(2)),
                Counts(Json<Dictionary<string, int>>(3), VisitValues.Statuses),
                Counts(Json<Dictionary<string, int>>(4), AppointmentStatus.All),
                Counts(Json<Dictionary<string, int>>(5), QueueFields.Statuses),
                new DailyPrescriptions(N(6), N(7), N(8)),
                new DailyLabs(N(9), N(10), N(11), N(12), N(13)),
                Billing(currency, Json<List<InvoiceRow>>(14), Json<List<RevenueRow>>(15)));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// $1 and $2: the day's bounds; $3: the local day (appointments and queue tokens keep it); $4: the tenant; $5: when
    /// outstanding balances are taken. Indexes: visits_started_idx, patients_created_idx, appointments_date_status_idx,
    /// dispensings_dispensed_at_idx, payments_received_idx (the day's payments, and those since $5, which turn what an
    /// invoice owes now into what it owed then without reading its whole ledger); queue_tokens_number_key and
    /// prescriptions_timeline_idx are scanned whole (their time is not the leading column); lab orders and issued
    /// invoices have no index on these times and are read in one pass each (invoices once for every billing figure).
    /// </summary>
    const string Sql = """
        WITH day_visits AS (SELECT patient_id, status FROM visits WHERE started_at >= $1 AND started_at < $2),
             late_payments AS (SELECT invoice_id, sum(amount) AS amount FROM payments WHERE received_at >= $5 GROUP BY invoice_id)
        SELECT
            (SELECT currency FROM platform.tenants WHERE id = $4),
            (SELECT count(DISTINCT patient_id) FROM day_visits),
            (SELECT count(*) FROM patients WHERE created_at >= $1 AND created_at < $2 AND deleted_at IS NULL),
            (SELECT coalesce(json_object_agg(status, n), '{}')::text FROM (SELECT status, count(*) AS n FROM day_visits GROUP BY status) s),
            (SELECT coalesce(json_object_agg(status, n), '{}')::text FROM (SELECT status, count(*) AS n FROM appointments WHERE local_date = $3 GROUP BY status) s),
            (SELECT coalesce(json_object_agg(status, n), '{}')::text FROM (SELECT status, count(*) AS n FROM queue_tokens WHERE local_date = $3 GROUP BY status) s),
            (SELECT count(*) FROM prescriptions WHERE issued_at >= $1 AND issued_at < $2),
            d.dispensings, d.prescriptions,
            l.ordered, l.collected, l.resulted, l.verified, l.cancelled,
            (SELECT coalesce(json_agg(json_build_object('currency', currency, 'issued', issued, 'issuedTotal', issued_total, 'voided', voided,
                                                        'owing', owing, 'owed', owed)), '[]')::text
             FROM (SELECT i.currency,
                          count(*) FILTER (WHERE i.issued_at >= $1 AND i.issued_at < $2) AS issued,
                          coalesce(sum(i.total) FILTER (WHERE i.issued_at >= $1 AND i.issued_at < $2), 0) AS issued_total,
                          count(*) FILTER (WHERE i.voided_at >= $1 AND i.voided_at < $2) AS voided,
                          count(*) FILTER (WHERE b.owed > 0) AS owing,
                          coalesce(sum(b.owed) FILTER (WHERE b.owed > 0), 0) AS owed
                   FROM invoices i
                   LEFT JOIN late_payments l ON l.invoice_id = i.id
                   -- What it owed at $5: what it owes now, plus what was paid since (a refund since gives back, so it counts negative).
                   CROSS JOIN LATERAL (SELECT CASE WHEN i.issued_at < $5 AND (i.voided_at IS NULL OR i.voided_at >= $5)
                                                   THEN i.total - i.paid + coalesce(l.amount, 0) ELSE 0 END AS owed) b
                   -- Only rows with a figure: issued or voided that day, or possibly owing at $5 (open now, voided since, or paid since).
                   WHERE i.issued_at IS NOT NULL
                     AND ((i.issued_at >= $1 AND i.issued_at < $2) OR (i.voided_at >= $1 AND i.voided_at < $2)
                          OR (i.issued_at < $5 AND (i.status IN ('ISSUED','PARTIALLY_PAID') OR i.voided_at >= $5 OR l.invoice_id IS NOT NULL)))
                   GROUP BY i.currency) i),
            (SELECT coalesce(json_agg(json_build_object('currency', currency, 'method', method, 'received', received, 'refunded', refunded)), '[]')::text
             FROM (SELECT i.currency, p.method,
                          coalesce(sum(p.amount) FILTER (WHERE p.kind = 'PAYMENT'), 0) AS received,
                          coalesce(-sum(p.amount) FILTER (WHERE p.kind = 'REFUND'), 0) AS refunded
                   FROM payments p JOIN invoices i ON i.id = p.invoice_id
                   WHERE p.received_at >= $1 AND p.received_at < $2
                   GROUP BY i.currency, p.method) m)
        FROM (SELECT count(*) AS dispensings, count(DISTINCT prescription_id) AS prescriptions
              FROM dispensings WHERE dispensed_at >= $1 AND dispensed_at < $2) d,
             (SELECT count(*) FILTER (WHERE created_at >= $1 AND created_at < $2) AS ordered,
                     count(*) FILTER (WHERE collected_at >= $1 AND collected_at < $2) AS collected,
                     count(*) FILTER (WHERE resulted_at >= $1 AND resulted_at < $2) AS resulted,
                     count(*) FILTER (WHERE verified_at >= $1 AND verified_at < $2) AS verified,
                     count(*) FILTER (WHERE cancelled_at >= $1 AND cancelled_at < $2) AS cancelled
              FROM lab_orders
              WHERE (created_at >= $1 AND created_at < $2) OR (collected_at >= $1 AND collected_at < $2) OR (resulted_at >= $1 AND resulted_at < $2)
                 OR (verified_at >= $1 AND verified_at < $2) OR (cancelled_at >= $1 AND cancelled_at < $2)) l
        """;

    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    sealed record InvoiceRow(string Currency, int Issued, decimal IssuedTotal, int Voided, int Owing, decimal Owed);
    sealed record RevenueRow(string Currency, string Method, decimal Received, decimal Refunded);

    /// <summary>Every status named, in the workflow's order, zero when none.</summary>
    static DailyStatusCounts Counts(Dictionary<string, int> counted, IReadOnlyList<string> statuses) =>
        new(counted.Values.Sum(), statuses.ToDictionary(s => s, s => counted.GetValueOrDefault(s)));

    /// <summary>The hospital's currency first (always there), then any other that has a figure.</summary>
    static List<DailyBilling> Billing(string currency, List<InvoiceRow> invoices, List<RevenueRow> revenue)
    {
        var others = invoices.Where(x => x.Issued + x.Voided + x.Owing > 0).Select(x => x.Currency).Concat(revenue.Select(x => x.Currency))
            .Select(c => c.Trim()).Where(c => c != currency).Distinct().Order(StringComparer.Ordinal);
        return [.. new[] { currency }.Concat(others).Select(c =>
        {
            decimal M(decimal amount) => InvoiceMath.Scaled(amount, c);
            var i = invoices.SingleOrDefault(x => x.Currency.Trim() == c);
            var byMethod = PaymentValues.Methods.Select(method =>
            {
                var m = revenue.SingleOrDefault(x => x.Currency.Trim() == c && x.Method == method);
                return new DailyRevenue(method, M(m?.Received ?? 0), M(m?.Refunded ?? 0), M((m?.Received ?? 0) - (m?.Refunded ?? 0)));
            }).ToList();
            var received = byMethod.Sum(m => m.Received);
            var refunded = byMethod.Sum(m => m.Refunded);
            return new DailyBilling(c, i?.Issued ?? 0, M(i?.IssuedTotal ?? 0), i?.Voided ?? 0, M(received), M(refunded), M(received - refunded), byMethod,
                i?.Owing ?? 0, M(i?.Owed ?? 0));
        })];
    }

    /// <summary>The report as rows of a sheet: section, name (the JSON's), currency (money only) and value.</summary>
    static IEnumerable<(string Section, string Name, string? Currency, object Value)> Figures(DailySummaryResponse s, TimeZoneInfo zone)
    {
        string T(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

        yield return ("day", "date", null, s.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        yield return ("day", "timezone", null, s.Timezone);
        yield return ("day", "from", null, T(s.From));
        yield return ("day", "to", null, T(s.To));
        yield return ("day", "outstandingAsOf", null, T(s.OutstandingAsOf));
        yield return ("patients", "seen", null, s.Patients.Seen);
        yield return ("patients", "registered", null, s.Patients.Registered);
        foreach (var (section, counts) in new[] { ("visits", s.Visits), ("appointments", s.Appointments), ("queueTokens", s.QueueTokens) })
        {
            yield return (section, "total", null, counts.Total);
            foreach (var (status, n) in counts.ByStatus) yield return (section, status, null, n);
        }
        yield return ("prescriptions", "issued", null, s.Prescriptions.Issued);
        yield return ("prescriptions", "dispensings", null, s.Prescriptions.Dispensings);
        yield return ("prescriptions", "prescriptionsDispensed", null, s.Prescriptions.PrescriptionsDispensed);
        yield return ("labs", "ordered", null, s.Labs.Ordered);
        yield return ("labs", "collected", null, s.Labs.Collected);
        yield return ("labs", "resulted", null, s.Labs.Resulted);
        yield return ("labs", "verified", null, s.Labs.Verified);
        yield return ("labs", "cancelled", null, s.Labs.Cancelled);
        foreach (var b in s.Billing)
        {
            yield return ("billing", "invoicesIssued", b.Currency, b.InvoicesIssued);
            yield return ("billing", "invoicedTotal", b.Currency, b.InvoicedTotal);
            yield return ("billing", "invoicesVoided", b.Currency, b.InvoicesVoided);
            yield return ("billing", "received", b.Currency, b.Received);
            yield return ("billing", "refunded", b.Currency, b.Refunded);
            yield return ("billing", "netRevenue", b.Currency, b.NetRevenue);
            yield return ("billing", "outstandingInvoices", b.Currency, b.OutstandingInvoices);
            yield return ("billing", "outstanding", b.Currency, b.Outstanding);
            foreach (var m in b.RevenueByMethod)
            {
                yield return ("revenueByMethod", $"{m.Method}.received", b.Currency, m.Received);
                yield return ("revenueByMethod", $"{m.Method}.refunded", b.Currency, m.Refunded);
                yield return ("revenueByMethod", $"{m.Method}.net", b.Currency, m.Net);
            }
        }
    }
}
