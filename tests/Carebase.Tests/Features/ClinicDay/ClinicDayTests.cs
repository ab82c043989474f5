using System.Text.Json.Nodes;
using Carebase.Api.Features.Demo;
using Carebase.Tests.Features.Billing;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.ClinicDay;

/// <summary>
/// One patient through a whole clinic day, through HTTP only and with the demo logins, as <c>docs/clinic-day.sh</c> does it
/// against a running server: reception, queue, the doctor's visit, prescription over an allergy, a lab panel verified by a
/// second person, dispensing, an invoice paid by card and cash, the patient's portal, the daily summary and the audit chain.
/// </summary>
public sealed class ClinicDayTests
{
    [Fact]
    public async Task A_patient_goes_through_reception_doctor_lab_pharmacy_billing_and_the_portal_in_one_day()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("clinicday"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var reception = await app.SignInAsync("reception@general.demo", DemoData.Password);
        using var doctor = await app.SignInAsync("doctor@general.demo", DemoData.Password);
        using var lab = await app.SignInAsync("lab@general.demo", DemoData.Password);
        using var pharmacist = await app.SignInAsync("pharmacist@general.demo", DemoData.Password);
        using var admin = await app.SignInAsync("admin@general.demo", DemoData.Password);
        var doctorId = (await (await doctor.GetAsync("/api/v1/auth/me")).JsonAsync()).Str("doctorId");
        var zone = TimeZoneInfo.FindSystemTimeZoneById((await (await admin.GetAsync("/api/v1/tenant")).JsonAsync()).Str("timezone"));
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).ToString("yyyy-MM-dd");
        var activityBefore = await (await admin.GetAsync($"/api/v1/reports/daily-summary?date={today}")).JsonAsync();

        // Reception registers the patient, books the first free slot of today and checks her in.
        var person = PatientKit.Person(first: "Amara", last: "Okafor", gender: "FEMALE");
        var email = (string)person["email"]!;
        var patientId = (await PatientKit.RegisterAsync(reception, person)).Id();
        var token = await CheckInAsync(reception, admin, doctorId, patientId, today, zone);

        // The doctor finishes whoever is being seen, then calls the next patient until she comes up.
        var board = await (await doctor.GetAsync($"/api/v1/queue?doctorId={doctorId}")).JsonAsync();
        foreach (var serving in board["serving"] is JsonArray a ? a.Select(t => t!) : board["serving"] is { } one ? [one] : [])
            await (await doctor.PostAsJsonAsync($"/api/v1/queue/{serving.Str("id")}/serve", new { })).EnsureStatusAsync(HttpStatusCode.OK);
        JsonObject called;
        for (var calls = 0; ; calls++)
        {
            Assert.True(calls < 100, "The patient never came up in the doctor's queue.");
            called = await (await doctor.PostAsJsonAsync("/api/v1/queue/next", new { doctorId })).JsonAsync();
            if (called.Str("patientId") == patientId.ToString()) break;
            await (await doctor.PostAsJsonAsync($"/api/v1/queue/{called.Str("id")}/serve", new { })).EnsureStatusAsync(HttpStatusCode.OK);
        }
        Assert.Equal(token.Str("id"), called.Str("id"));

        // The visit: vitals and a diagnosis in one request; then an allergy.
        var visit = await (await doctor.PostAsJsonAsync("/api/v1/visits", new
        {
            queueTokenId = called.Str("id"), chiefComplaint = "Fever and sore throat for 3 days",
            vitals = new { heightCm = 165, weightKg = 62.5m, systolicMmHg = 118, diastolicMmHg = 76, pulsePerMin = 96, temperatureC = 38.4m, spo2Percent = 98 },
            diagnoses = new[] { new { code = "J02.9", kind = "PRIMARY" } },
        })).JsonAsync(HttpStatusCode.Created);
        var visitId = visit.Id();
        Assert.Equal("J02.9", visit["diagnoses"]![0]!.Str("code"));
        Assert.Equal(22.96m, visit["vitals"]![0]!["bmi"]!.GetValue<decimal>(), 1);
        await (await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/allergies",
            new { substance = "Penicillin", category = "DRUG", reaction = "Hives", severity = "MODERATE" })).EnsureStatusAsync(HttpStatusCode.Created);

        // Amoxicillin is a penicillin: issuing is refused until the doctor overrides with a reason.
        var capsules = (await (await doctor.GetAsync("/api/v1/stock-items?q=amoxicillin&kind=MEDICINE")).ItemsAsync()).First(i => i!.Str("unit") == "capsule")!;
        var prescription = await (await doctor.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            visitId, items = new[] { new { stockItemId = capsules.Str("id"), doseAmount = 1, frequency = "TID", durationDays = 5, instructions = "After meals" } },
        })).JsonAsync(HttpStatusCode.Created);
        var rxId = prescription.Id();
        await (await doctor.PostAsJsonAsync($"/api/v1/prescriptions/{rxId}/issue", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "allergy_conflict");
        var issued = await (await doctor.PostAsJsonAsync($"/api/v1/prescriptions/{rxId}/issue",
            new { overrides = new[] { new { itemIndex = 0, reason = "Childhood rash only; tolerated amoxicillin in 2024" } } })).JsonAsync();
        Assert.Equal("ISSUED", issued.Str("status"));
        Assert.Equal(15, issued["items"]![0]!["quantity"]!.GetValue<int>());

        // A complete blood count, urgent; the visit is then completed.
        var cbc = (await (await doctor.GetAsync("/api/v1/lab-panels?q=complete%20blood")).ItemsAsync())[0]!;
        var order = await (await doctor.PostAsJsonAsync("/api/v1/lab-orders", new { visitId, panelIds = new[] { cbc.Str("id") }, priority = "URGENT", clinicalNote = "Fever, ? bacterial" }))
            .JsonAsync(HttpStatusCode.Created);
        var orderId = order.Id();
        await (await doctor.PostAsJsonAsync($"/api/v1/visits/{visitId}/complete", new { })).EnsureStatusAsync(HttpStatusCode.OK);

        // The lab collects and enters the results; the technician cannot verify their own results; the doctor does.
        var collected = await (await lab.PostAsJsonAsync($"/api/v1/lab-orders/{orderId}/collect", new { specimenId = "SPC-" + Guid.NewGuid().ToString("N")[..8] })).JsonAsync();
        var values = new Dictionary<string, decimal> { ["WBC"] = 13.2m, ["RBC"] = 4.6m, ["HGB"] = 13.1m, ["HCT"] = 39.5m, ["MCV"] = 88, ["MCH"] = 29.5m, ["MCHC"] = 33.4m, ["PLT"] = 245 };
        var items = collected["items"]!.AsArray().Select(i => i!).ToList();
        Assert.Equal(values.Keys.Order(), items.Select(i => i.Str("testCode")).Order());
        var resulted = await (await lab.PostAsJsonAsync($"/api/v1/lab-orders/{orderId}/results",
            new { items = items.Select(i => new { itemId = i.Str("id"), value = values[i.Str("testCode")] }) })).JsonAsync();
        var flags = resulted["items"]!.AsArray().ToDictionary(i => i!.Str("testCode"), i => i!["results"]![0]!["flags"]!.AsArray().Select(f => f!.GetValue<string>()).ToList());
        Assert.Equal(["HIGH"], flags["WBC"]);
        Assert.All(flags.Where(f => f.Key != "WBC"), f => Assert.Empty(f.Value));
        using var portalBeforeVerify = await PatientKit.PortalClientAsync(app, reception, patientId, email);
        Assert.Empty(await (await portalBeforeVerify.GetAsync($"/api/v1/lab-orders?patientId={patientId}")).ItemsAsync());
        await (await lab.PostAsJsonAsync($"/api/v1/lab-orders/{orderId}/verify", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("VERIFIED", (await (await doctor.PostAsJsonAsync($"/api/v1/lab-orders/{orderId}/verify", new { })).JsonAsync()).Str("status"));

        // The pharmacist dispenses everything, first expiry first out.
        var dispensing = await (await pharmacist.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/dispensings")
        {
            Content = JsonContent.Create(new { prescriptionId = rxId }), Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(15, dispensing["lines"]!.AsArray().Sum(l => l!["quantity"]!.GetValue<int>()));

        // Reception bills the visit (consultation, the capsules, the eight tests), issues it, takes card then cash.
        var invoice = await (await reception.PostAsJsonAsync("/api/v1/invoices", new { visitId })).JsonAsync(HttpStatusCode.Created);
        var invoiceId = invoice.Id();
        var lines = invoice["lines"]!.AsArray().Select(l => l!).ToList();
        Assert.Equal(1 + 1 + values.Count, lines.Count);
        Assert.Contains(lines, l => l.Str("description").StartsWith("Consultation", StringComparison.Ordinal));
        invoice = await (await reception.PostAsJsonAsync($"/api/v1/invoices/{invoiceId}/issue", new { })).JsonAsync();
        Assert.Matches(@"^INV-\d{4}-\d{6}$", invoice.Str("number"));
        var total = invoice.Dec("total");
        var card = decimal.Floor(total / 2);
        await PayAsync(reception, invoiceId, new { method = "CARD", amount = card, reference = "AUTH-4411" });
        Assert.Equal("PARTIALLY_PAID", (await (await reception.GetAsync($"/api/v1/invoices/{invoiceId}")).JsonAsync()).Str("status"));
        await PayAsync(reception, invoiceId, new { method = "CASH", amount = total - card });
        invoice = await (await reception.GetAsync($"/api/v1/invoices/{invoiceId}")).JsonAsync();
        Assert.Equal(("PAID", 0m), (invoice.Str("status"), invoice.Dec("balance")));

        // The patient sees her visit, her dispensed prescription, the verified results and the paid invoice.
        using var portal = await app.SignInAsync(email, PatientKit.PortalPassword);
        Assert.Equal("COMPLETED", (await (await portal.GetAsync($"/api/v1/visits/{visitId}")).JsonAsync()).Str("status"));
        Assert.Equal("DISPENSED", (await (await portal.GetAsync($"/api/v1/prescriptions/{rxId}")).JsonAsync()).Str("status"));
        var seenOrder = await (await portal.GetAsync($"/api/v1/lab-orders/{orderId}")).JsonAsync();
        Assert.Equal("VERIFIED", seenOrder.Str("status"));
        Assert.Equal(13.2m, seenOrder["items"]!.AsArray().First(i => i!.Str("testCode") == "WBC")!["results"]![0]!.Dec("value"));
        Assert.Equal("PAID", (await (await portal.GetAsync($"/api/v1/invoices/{invoiceId}")).JsonAsync()).Str("status"));
        var timeline = (await (await portal.GetAsync($"/api/v1/patients/{patientId}/timeline")).ItemsAsync()).Select(e => e!.Str("type")).ToHashSet();
        Assert.Superset(new HashSet<string> { "VISIT", "VITALS", "DIAGNOSIS", "ALLERGY", "PRESCRIPTION", "LAB_RESULT" }, timeline);

        // The day's summary counts her (other demo activity of today may be there too: compare with before), and the audit
        // chain of everything above verifies.
        var after = await (await admin.GetAsync($"/api/v1/reports/daily-summary?date={today}")).JsonAsync();
        decimal Delta(Func<JsonNode, decimal> figure) => figure(after) - figure(activityBefore);
        Assert.Equal(1, Delta(r => r["patients"]!.Dec("registered")));
        Assert.Equal(1, Delta(r => r["patients"]!.Dec("seen")));
        Assert.Equal(1, Delta(r => r["prescriptions"]!.Dec("issued")));
        Assert.Equal(1, Delta(r => r["prescriptions"]!.Dec("dispensings")));
        Assert.Equal(1, Delta(r => r["labs"]!.Dec("ordered")));
        Assert.Equal(1, Delta(r => r["labs"]!.Dec("verified")));
        Assert.Equal(1, Delta(r => r["billing"]![0]!.Dec("invoicesIssued")));
        Assert.Equal(total, Delta(r => r["billing"]![0]!.Dec("received")));
        decimal ByMethod(JsonNode r, string method) => r["billing"]![0]!["revenueByMethod"]!.AsArray().FirstOrDefault(m => m!.Str("method") == method)?.Dec("net") ?? 0;
        Assert.Equal(card, Delta(r => ByMethod(r, "CARD")));
        Assert.Equal(total - card, Delta(r => ByMethod(r, "CASH")));
        var verify = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(verify["intact"]!.GetValue<bool>());
    }

    /// <summary>
    /// Books the first free slot of today and checks in. With none left today (a weekend, or the afternoon gone) the admin
    /// opens an extra session from the next quarter hour; in the last quarter hour of the hospital's day, a walk-in instead.
    /// </summary>
    static async Task<JsonObject> CheckInAsync(HttpClient reception, HttpClient admin, string doctorId, Guid patientId, string today, TimeZoneInfo zone)
    {
        async Task<JsonNode?> FirstSlotAsync() =>
            (await (await reception.GetAsync($"/api/v1/doctors/{doctorId}/available-slots?from={today}&to={today}")).ItemsAsync()).FirstOrDefault();
        var slot = await FirstSlotAsync();
        if (slot is null)
        {
            var start = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 900 + 1) * 900);
            if (TimeZoneInfo.ConvertTime(start, zone).ToString("yyyy-MM-dd") != today)
                return await (await reception.PostAsJsonAsync("/api/v1/queue/walk-in", new { patientId, doctorId })).JsonAsync(HttpStatusCode.Created);
            await (await admin.PostAsJsonAsync($"/api/v1/doctors/{doctorId}/extra-sessions", new { startsAt = start, endsAt = start.AddHours(1), note = "Clinic day" }))
                .EnsureStatusAsync(HttpStatusCode.Created);
            slot = await FirstSlotAsync();
        }
        var appointment = await (await reception.PostAsJsonAsync("/api/v1/appointments",
            new { patientId, doctorId, startsAt = slot!.Str("startsAt"), reason = "Fever and sore throat" })).JsonAsync(HttpStatusCode.Created);
        return await (await reception.PostAsJsonAsync("/api/v1/queue/check-in", new { appointmentId = appointment.Str("id") })).JsonAsync(HttpStatusCode.Created);
    }

    static async Task PayAsync(HttpClient desk, Guid invoiceId, object payment) =>
        await (await desk.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/invoices/{invoiceId}/payments")
        {
            Content = JsonContent.Create(payment), Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        })).EnsureStatusAsync(HttpStatusCode.Created);
}
