using System.Text.Json.Nodes;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Insight;

/// <summary>
/// GET /reports/daily-summary in a New York hospital, on the day clocks move forward (2025-03-09 has 23 hours:
/// 05:00Z to 04:00Z next day). Activity is made through the API where it can be, then moved in time in the database
/// (the API stamps everything with now; payments move the way the demo freshen moves them), to instants just inside
/// and just outside the local day. Appointments, queue tokens, issued prescriptions and dispensings are written
/// directly: only their day and status matter to the report.
/// </summary>
public sealed class DailySummaryTests
{
    const string Zone = "America/New_York";
    static readonly DateOnly Day = new(2025, 3, 9);
    static readonly DateTimeOffset First = new(2025, 3, 9, 5, 0, 0, TimeSpan.Zero);          // 00:00 EST
    static readonly DateTimeOffset Last = new(2025, 3, 10, 3, 59, 59, TimeSpan.Zero);        // 23:59:59 EDT
    static readonly DateTimeOffset Before = new(2025, 3, 9, 4, 59, 59, TimeSpan.Zero);       // 23:59:59 EST the day before
    static readonly DateTimeOffset After = new(2025, 3, 10, 4, 0, 0, TimeSpan.Zero);         // 00:00 EDT the day after (05:00Z with a fixed -05:00)

    [Fact]
    public async Task The_day_is_the_hospitals_local_day_and_every_figure_counts_only_what_happened_in_it()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("ds", Zone);
        using var admin = await tenant.AdminAsync();
        var (doctor, _, doctorId) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
        using var desk = await tenant.ClientAsync(SystemRoles.Receptionist);
        using var lab = await tenant.ClientAsync(SystemRoles.LabTechnician);
        var moves = new List<(string table, Guid id, string column, DateTimeOffset at)>();
        void Move(string table, Guid id, DateTimeOffset at, params string[] columns) => moves.AddRange(columns.Select(c => (table, id, c, at)));

        // Registrations: two in the day, one a second before it, one at the first instant after it.
        var p = new Guid[4];
        for (var i = 0; i < 4; i++) p[i] = (await PatientKit.RegisterAsync(desk, PatientKit.Person())).Id();
        Move("patients", p[0], First, "created_at");
        Move("patients", p[1], Last, "created_at");
        Move("patients", p[2], Before, "created_at");
        Move("patients", p[3], After, "created_at");

        // Visits: p0 twice (one completed) and p1 in the day; p2 and p3 outside it.
        async Task<Guid> VisitAsync(Guid patient, DateTimeOffset at, bool complete)
        {
            var id = (await (await doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient })).JsonAsync(HttpStatusCode.Created)).Id();
            if (complete) await (await doctor.PostAsync($"/api/v1/visits/{id}/complete", null)).EnsureStatusAsync(HttpStatusCode.OK);
            Move("visits", id, at, "started_at");
            return id;
        }
        await VisitAsync(p[0], First, complete: true);
        await VisitAsync(p[0], Last, complete: false);
        await VisitAsync(p[1], Last.AddHours(-1), complete: false);
        await VisitAsync(p[2], Before, complete: true);
        await VisitAsync(p[3], After, complete: true);

        // Lab orders: placed, collected, resulted, verified and cancelled at different moments.
        var hgb = (await (await admin.PostAsJsonAsync("/api/v1/lab-tests", new
        {
            code = "HGB", name = "Hemoglobin", specimen = "WHOLE_BLOOD", resultKind = "NUMERIC", unit = "g/dL", price = 4.50m, turnaroundHours = 4,
        })).JsonAsync(HttpStatusCode.Created)).Id();
        async Task<Guid> LabAsync(bool verify)
        {
            var order = await (await doctor.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = p[0], testIds = new[] { hgb }, priority = "ROUTINE" }))
                .JsonAsync(HttpStatusCode.Created);
            var id = order.Id();
            await (await lab.PostAsJsonAsync($"/api/v1/lab-orders/{id}/collect", new { specimenId = "S-" + id.ToString("N")[..8] })).EnsureStatusAsync(HttpStatusCode.OK);
            await (await lab.PostAsJsonAsync($"/api/v1/lab-orders/{id}/results", new { items = new[] { new { itemId = order["items"]![0]!.Id(), value = 13m } } }))
                .EnsureStatusAsync(HttpStatusCode.OK);
            if (verify) await (await doctor.PostAsync($"/api/v1/lab-orders/{id}/verify", null)).EnsureStatusAsync(HttpStatusCode.OK);
            return id;
        }
        var carriedOver = await LabAsync(verify: true);   // placed the day before, worked in the day, verified the day after
        Move("lab_orders", carriedOver, Before, "created_at");
        Move("lab_orders", carriedOver, First, "collected_at", "resulted_at");
        Move("lab_orders", carriedOver, After, "verified_at");
        var sameDay = await LabAsync(verify: true);
        Move("lab_orders", sameDay, First, "created_at", "collected_at", "resulted_at");
        Move("lab_orders", sameDay, Last, "verified_at");
        var waiting = (await (await doctor.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = p[1], testIds = new[] { hgb }, priority = "STAT" }))
            .JsonAsync(HttpStatusCode.Created)).Id();
        Move("lab_orders", waiting, Last, "created_at");
        var cancelled = (await (await doctor.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = p[1], testIds = new[] { hgb }, priority = "ROUTINE" }))
            .JsonAsync(HttpStatusCode.Created)).Id();
        await (await doctor.PostAsJsonAsync($"/api/v1/lab-orders/{cancelled}/cancel", new { reason = "Duplicate" })).EnsureStatusAsync(HttpStatusCode.OK);
        Move("lab_orders", cancelled, First, "created_at", "cancelled_at");

        // Billing (USD): payments and a refund in the day, a payment the day before and one the day after, a void.
        async Task<Guid> InvoiceAsync(decimal amount, DateTimeOffset issuedAt)
        {
            var draft = await (await desk.PostAsJsonAsync("/api/v1/invoices", new
            {
                patientId = p[0], lines = new[] { new { kind = "OTHER", description = "Consultation", quantity = 1, unitPrice = amount } },
            })).JsonAsync(HttpStatusCode.Created);
            await (await desk.PostAsync($"/api/v1/invoices/{draft.Id()}/issue", null)).EnsureStatusAsync(HttpStatusCode.OK);
            Move("invoices", draft.Id(), issuedAt, "issued_at");
            return draft.Id();
        }
        async Task<Guid> PayAsync(Guid invoice, decimal amount, string method, DateTimeOffset at)
        {
            var payment = await (await desk.PostAsJsonAsync($"/api/v1/invoices/{invoice}/payments", new { method, amount })).JsonAsync(HttpStatusCode.Created);
            Move("payments", payment.Id(), at, "received_at");
            return payment.Id();
        }
        var partlyRefunded = await InvoiceAsync(100m, First);
        var cash = await PayAsync(partlyRefunded, 60m, "CASH", First.AddHours(1));
        var refund = await (await desk.PostAsJsonAsync($"/api/v1/invoices/{partlyRefunded}/refunds", new { paymentId = cash, amount = 10m, reason = "Overcharged" }))
            .JsonAsync(HttpStatusCode.Created);
        Move("payments", refund.Id(), Last, "received_at");
        var paidByCard = await InvoiceAsync(200m, Last.AddHours(-2));
        await PayAsync(paidByCard, 200m, "CARD", Last.AddHours(-1));
        var older = await InvoiceAsync(80m, Before);
        await PayAsync(older, 30m, "CASH", Before);
        await PayAsync(older, 50m, "UPI", After);             // paid in full only the next day
        await InvoiceAsync(40m, After);
        var voided = await InvoiceAsync(25m, Before);
        await (await desk.PostAsJsonAsync($"/api/v1/invoices/{voided}/void", new { reason = "Wrong patient" })).EnsureStatusAsync(HttpStatusCode.OK);
        Move("invoices", voided, Last, "voided_at");

        await app.WithDbAsync(async db =>
        {
            // Appointments and queue tokens count by the local day they are for.
            Appointment Booked(Guid patient, DateOnly day, int hour)
            {
                var starts = new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.FromHours(-4)).ToUniversalTime();
                var a = Appointment.Book(patient, doctorId, null, starts, starts.AddMinutes(15), day, null, null, TimeProvider.System.GetUtcNow());
                db.Add(a);
                return a;
            }
            var appointments = new[]
            {
                (Booked(p[0], Day, 9), AppointmentStatus.Scheduled),
                (Booked(p[1], Day, 10), AppointmentStatus.Completed),
                (Booked(p[2], Day, 11), AppointmentStatus.Cancelled),
                (Booked(p[3], Day.AddDays(-1), 9), AppointmentStatus.Scheduled),
                (Booked(p[3], Day.AddDays(1), 9), AppointmentStatus.NoShow),
            };
            var now = TimeProvider.System.GetUtcNow();
            var rx = new[] { First, Last, Before, After }.Select((at, n) =>
            {
                var prescription = new Prescription { PatientId = p[0], DoctorId = doctorId, CreatedAt = at };
                prescription.Items.Add(new PrescriptionItem
                {
                    PrescriptionId = prescription.Id, Position = 0, Medicine = "Paracetamol", Frequency = "BID", DurationDays = 5, Quantity = 10,
                    DoseAmount = 1, DoseUnit = "tablet", Route = "oral",
                });
                prescription.Issue($"RX-DS-{Guid.NewGuid():N}"[..20], [], null, at);
                db.Add(prescription);
                return prescription.Id;
            }).ToArray();
            await db.SaveChangesAsync();
            foreach (var (a, status) in appointments)
                await db.Database.ExecuteSqlAsync($"UPDATE appointments SET status = {status} WHERE id = {a.Id}");
            var tokens = new[] { (Day, "SERVED"), (Day, "SERVED"), (Day, "LEFT"), (Day, "WAITING"), (Day.AddDays(-1), "SERVED"), (Day.AddDays(1), "LEFT") };
            for (var n = 0; n < tokens.Length; n++)
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO queue_tokens (id, doctor_id, local_date, number, patient_id, status, arrived_at, updated_at)
                    VALUES ({Guid.CreateVersion7()}, {doctorId}, {tokens[n].Item1}, {n + 1}, {p[n % 4]}, {tokens[n].Item2}, {now}, {now})
                    """);
            // Two dispensings of the first prescription and one of the second in the day, one the day after.
            foreach (var (prescription, at) in new[] { (rx[0], First), (rx[0], Last), (rx[1], Last), (rx[1], After) })
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO dispensings (id, prescription_id, patient_id, dispensed_at) VALUES ({Guid.CreateVersion7()}, {prescription}, {p[0]}, {at})
                    """);

            // Everything the API stamped with now goes to its moment; payments move only with the demo freshen's flag on.
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync("SELECT set_config('carebase.shift_dates', 'on', true)");
            foreach (var (table, id, column, at) in moves)
            {
                var sql = $"UPDATE {table} SET {column} = {{0}} WHERE id = {{1}}";   // our own names; the values are parameters
                await db.Database.ExecuteSqlRawAsync(sql, at, id);
            }
            await tx.CommitAsync();
            return 0;
        }, tenant);

        var reports = admin;
        var s = await (await reports.GetAsync($"/api/v1/reports/daily-summary?date={Day:yyyy-MM-dd}")).JsonAsync();
        Assert.Equal(("2025-03-09", Zone), (s.Str("date"), s.Str("timezone")));
        Assert.Equal(First, DateTimeOffset.Parse(s.Str("from")));
        Assert.Equal(After, DateTimeOffset.Parse(s.Str("to")));
        Assert.EndsWith("-05:00", s.Str("from"));                  // written in the hospital's offset
        Assert.EndsWith("-04:00", s.Str("to"));
        Assert.Equal(After, DateTimeOffset.Parse(s.Str("outstandingAsOf")));

        Assert.Equal((2, 2), (Int(s, "patients", "seen"), Int(s, "patients", "registered")));
        Assert.Equal("""{"total":3,"byStatus":{"IN_PROGRESS":2,"COMPLETED":1}}""", s["visits"]!.ToJsonString());
        Assert.Equal("""{"total":3,"byStatus":{"SCHEDULED":1,"CONFIRMED":0,"CHECKED_IN":0,"IN_CONSULTATION":0,"COMPLETED":1,"CANCELLED":1,"NO_SHOW":0}}""",
            s["appointments"]!.ToJsonString());
        Assert.Equal("""{"total":4,"byStatus":{"WAITING":1,"SERVING":0,"SERVED":2,"SKIPPED":0,"LEFT":1}}""", s["queueTokens"]!.ToJsonString());
        Assert.Equal("""{"issued":2,"dispensings":3,"prescriptionsDispensed":2}""", s["prescriptions"]!.ToJsonString());
        Assert.Equal("""{"ordered":3,"collected":2,"resulted":2,"verified":1,"cancelled":1}""", s["labs"]!.ToJsonString());

        var usd = Assert.Single(s["billing"]!.AsArray())!;
        Assert.Equal("USD", usd.Str("currency"));
        Assert.Equal((2, 300.00m, 1), (usd["invoicesIssued"]!.GetValue<int>(), usd["invoicedTotal"]!.GetValue<decimal>(), usd["invoicesVoided"]!.GetValue<int>()));
        Assert.Equal((260.00m, 10.00m, 250.00m), (Money(usd, "received"), Money(usd, "refunded"), Money(usd, "netRevenue")));
        var byMethod = usd["revenueByMethod"]!.AsArray().ToDictionary(m => m!.Str("method"), m => (Money(m!, "received"), Money(m!, "refunded"), Money(m!, "net")));
        Assert.Equal((60.00m, 10.00m, 50.00m), byMethod["CASH"]);
        Assert.Equal((200.00m, 0m, 200.00m), byMethod["CARD"]);
        Assert.Equal((0m, 0m, 0m), byMethod["UPI"]);
        Assert.Equal(["CASH", "CARD", "UPI", "BANK_TRANSFER", "INSURANCE"], byMethod.Keys);
        // At the end of the day: 50 left on the refunded invoice, 50 on the older one (its last 50 came the next day);
        // the void one and the one issued the next day owe nothing then.
        Assert.Equal((2, 100.00m), (usd["outstandingInvoices"]!.GetValue<int>(), Money(usd, "outstanding")));
        Assert.Contains("\"outstanding\":100.00", usd.ToJsonString());       // exact, with the currency's two decimals

        // The day before: the older invoice's first payment, and what was owed at its end (the void came later).
        var before = (await (await reports.GetAsync($"/api/v1/reports/daily-summary?date={Day.AddDays(-1):yyyy-MM-dd}")).JsonAsync())["billing"]![0]!;
        Assert.Equal((30.00m, 2, 75.00m), (Money(before, "netRevenue"), before["outstandingInvoices"]!.GetValue<int>(), Money(before, "outstanding")));

        // The same figures as a sheet, one row per figure.
        var csv = await reports.GetAsync($"/api/v1/reports/daily-summary?date={Day:yyyy-MM-dd}&format=csv");
        await csv.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Contains("daily-summary-2025-03-09.csv", csv.Content.Headers.ContentDisposition!.ToString());
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.Equal("section,name,currency,value", lines[0]);
        Assert.Contains("day,date,,2025-03-09", lines);
        Assert.Contains("day,from,,2025-03-09T00:00:00-05:00", lines);
        Assert.Contains("day,to,,2025-03-10T00:00:00-04:00", lines);
        Assert.Contains("patients,seen,,2", lines);
        Assert.Contains("visits,IN_PROGRESS,,2", lines);
        Assert.Contains("appointments,CANCELLED,,1", lines);
        Assert.Contains("queueTokens,LEFT,,1", lines);
        Assert.Contains("prescriptions,dispensings,,3", lines);
        Assert.Contains("labs,verified,,1", lines);
        Assert.Contains("billing,outstanding,USD,100.00", lines);
        Assert.Contains("revenueByMethod,CASH.net,USD,50.00", lines);
        Assert.Contains("revenueByMethod,CASH.refunded,USD,10.00", lines);
        Assert.Equal(lines.Count, lines.Distinct().Count());

        // Running it is in the audit trail.
        var audit = await (await reports.GetAsync("/api/v1/reports/audit-logs?action=DAILY_SUMMARY_REPORTED")).ItemsAsync();
        Assert.Equal(3, audit.Count);
        Assert.All(audit, e => Assert.Equal("REPORT", e!.Str("resourceType")));
    }

    [Fact]
    public async Task Today_is_the_default_other_hospitals_count_nothing_and_bad_input_or_a_missing_permission_is_refused()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("ds", "Asia/Kolkata");
        using var admin = await tenant.AdminAsync();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), zone).DateTime);
        var before = Today();
        var today = await (await admin.GetAsync("/api/v1/reports/daily-summary")).JsonAsync();
        Assert.Contains(DateOnly.Parse(today.Str("date")), new[] { before, Today() });
        Assert.EndsWith("+05:30", today.Str("from"));
        // A new hospital: nothing happened in it, whatever others did that day.
        Assert.Equal((0, 0), (Int(today, "patients", "seen"), Int(today, "patients", "registered")));
        Assert.Equal(0, Int(today, "visits", "total"));
        Assert.Equal((0, 0m), (today["billing"]![0]!["invoicesIssued"]!.GetValue<int>(), Money(today["billing"]![0]!, "outstanding")));

        foreach (var bad in new[] { "date=2025-13-01", "date=1899-12-31", "date=2025-03-09T00:00:00Z", "format=xml" })
            await (await admin.GetAsync($"/api/v1/reports/daily-summary?{bad}")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var problem = await (await admin.GetAsync("/api/v1/reports/daily-summary?date=2025-02-30")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["date"]);

        // Reports are the admin's: the front desk and the doctors have no reports:read.
        foreach (var role in new[] { SystemRoles.Receptionist, SystemRoles.Doctor })
        {
            using var client = await tenant.ClientAsync(role);
            await (await client.GetAsync("/api/v1/reports/daily-summary")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    static int Int(JsonNode s, string section, string name) => s[section]![name]!.GetValue<int>();
    static decimal Money(JsonNode o, string name) => o[name]!.GetValue<decimal>();
}
