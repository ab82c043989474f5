using System.Net.Http.Headers;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Billing;

/// <summary>Invoices and payments through the real pipeline: drafts, issue, payments, refunds, void, receipts, who sees what.</summary>
public sealed class BillingTests
{
    static readonly Lazy<Task<BillingKit>> Shared = new(BillingKit.CreateAsync);
    static readonly int Year = TimeProvider.System.GetUtcNow().Year;

    [Fact]
    public async Task A_visit_is_billed_once_for_its_consultation_and_a_draft_changes_until_it_is_issued()
    {
        var kit = await Shared.Value;
        var (visitId, patientId) = await kit.VisitAsync();
        var draft = await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("DRAFT", draft.Str("status"));
        Assert.Null(draft["number"]);
        Assert.Equal(patientId, draft["patientId"]!.GetValue<Guid>());
        var line = Assert.Single(draft["lines"]!.AsArray())!;
        Assert.Equal(("CONSULTATION", "VISIT", 150.50m), (line.Str("kind"), line.Str("sourceType"), line.Dec("unitPrice")));
        Assert.Equal("150.50", draft["total"]!.ToJsonString());
        // Billed once: the visit again is 409; by hand with the same visit is fine (no source).
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "nothing_to_bill");

        // Tax per kind from the settings (If-Match checked), used by new lines.
        var settings = await kit.Admin.GetAsync("/api/v1/billing/settings");
        var etag = settings.Headers.ETag!.Tag;
        var stale = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/billing/settings") { Content = JsonContent.Create(new { medicineTaxRate = 12 }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"999\""));
        await (await kit.Admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        var patch = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/billing/settings") { Content = JsonContent.Create(new { medicineTaxRate = 12, dispensingRequiresPaidInvoice = true }) };
        patch.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var changed = await (await kit.Admin.SendAsync(patch)).JsonAsync();
        Assert.True(changed["dispensingRequiresPaidInvoice"]!.GetValue<bool>());
        await (await kit.Admin.PatchAsJsonAsync("/api/v1/billing/settings", new { labTaxRate = 101 })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        var id = draft.Id();
        var added = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/lines",
            BillingKit.Item(4.99m, 10, "MEDICINE", "Amoxicillin 500 mg", new { kind = "PERCENT", value = 10 }))).JsonAsync(HttpStatusCode.Created);
        // 10 × 4.99 = 49.90, 10 % off = 4.99, net 44.91, 12 % tax = 5.3892 → 5.39.
        Assert.Equal((12m, 44.91m, 5.39m, 50.30m), (added.Dec("taxRate"), added.Dec("net"), added.Dec("tax"), added.Dec("total")));
        var other = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/lines", BillingKit.Item(9.99m))).JsonAsync(HttpStatusCode.Created);
        var removed = await (await kit.Desk.DeleteAsync($"/api/v1/invoices/{id}/lines/{other.Id()}")).JsonAsync();
        Assert.Equal(2, removed["lines"]!.AsArray().Count);

        // An invoice discount of 20.08 spread over 150.50 and 44.91 (pro rata), with If-Match.
        var current = await kit.Desk.GetAsync($"/api/v1/invoices/{id}");
        var discount = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/invoices/{id}") { Content = JsonContent.Create(new { discount = new { kind = "AMOUNT", value = 20.08m } }) };
        discount.Headers.IfMatch.Add(current.Headers.ETag!);
        var discounted = await (await kit.Desk.SendAsync(discount)).JsonAsync();
        var lines = discounted["lines"]!.AsArray();
        Assert.Equal(20.08m, lines.Sum(l => l!.Dec("invoiceDiscount")));
        // 2008 cents × 150.50 / 195.41 = 1546.51 and × 44.91 / 195.41 = 461.49: the cent left over goes to the larger remainder.
        Assert.Equal(new[] { 15.47m, 4.61m }, lines.Select(l => l!.Dec("invoiceDiscount")));
        Assert.Equal(discounted.Dec("subtotal") - discounted.Dec("discountTotal") + discounted.Dec("taxTotal"), discounted.Dec("total"));
        Assert.Equal(lines.Sum(l => l!.Dec("total")), discounted.Dec("total"));
        var again = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/invoices/{id}") { Content = JsonContent.Create(new { notes = "x" }) };
        again.Headers.IfMatch.Add(current.Headers.ETag!);
        await (await kit.Desk.SendAsync(again)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);

        var issued = await kit.IssueAsync(id);
        Assert.Equal("ISSUED", issued.Str("status"));
        Assert.Matches($"^INV-{Year}-\\d{{6}}$", issued.Str("number"));
        Assert.NotNull(issued["issuedAt"]);
        // Immutable: every change is 409 invoice_not_draft, and the database refuses it too.
        foreach (var attempt in new Func<Task<HttpResponseMessage>>[]
        {
            () => kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/lines", BillingKit.Item(1)),
            () => kit.Desk.DeleteAsync($"/api/v1/invoices/{id}/lines/{added.Id()}"),
            () => kit.Desk.PatchAsJsonAsync($"/api/v1/invoices/{id}", new { notes = "later" }),
            () => kit.Desk.PostAsync($"/api/v1/invoices/{id}/issue", null),
        })
            await (await attempt()).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_not_draft");
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.invoice_lines SET unit_price = 1 WHERE invoice_id = $1", id));
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.invoices SET total = 1, subtotal = 1, discount_total = 0, tax_total = 0 WHERE id = $1", id));
    }

    [Fact]
    public async Task A_visits_invoice_brings_its_consultation_the_medicines_dispensed_less_returns_and_the_lab_tests_ordered()
    {
        var kit = await Shared.Value;
        var (visit, _) = await kit.VisitAsync();
        var medicine = (await Pharmacy.PharmacyKit.CreateItemAsync(kit.Admin, Pharmacy.PharmacyKit.Medicine(salePrice: "0.35"))).Id();
        await Pharmacy.PharmacyKit.ReceiveAsync(kit.Admin, medicine);
        var prescription = (await (await kit.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            visitId = visit, items = new[] { new { stockItemId = medicine, doseAmount = 1, doseUnit = "capsule", frequency = "TID", durationDays = 5 } },
        })).JsonAsync(HttpStatusCode.Created)).Id();
        await (await kit.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{prescription}/issue", new { })).EnsureStatusAsync(HttpStatusCode.OK);
        var dispensing = await (await kit.Admin.PostAsJsonAsync("/api/v1/dispensings", new { prescriptionId = prescription })).JsonAsync(HttpStatusCode.Created);
        var line = dispensing["lines"]![0]!["id"]!.GetValue<Guid>();
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/dispensings/{dispensing.Id()}/returns",
            new { items = new[] { new { lineId = line, quantity = 3, reason = "Course shortened" } } })).EnsureStatusAsync(HttpStatusCode.OK);
        var test = (await (await kit.Admin.PostAsJsonAsync("/api/v1/lab-tests", new
        {
            code = "GLU-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant(), name = "Glucose", specimen = "SERUM", resultKind = "NUMERIC", unit = "mmol/L", price = 4.20m,
            turnaroundHours = 2, ranges = new[] { new { low = 3.9m, high = 5.5m } },
        })).JsonAsync(HttpStatusCode.Created)).Id();
        await (await kit.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { visitId = visit, testIds = new[] { test }, priority = "ROUTINE" }))
            .EnsureStatusAsync(HttpStatusCode.Created);

        var invoice = await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = visit })).JsonAsync(HttpStatusCode.Created);
        var lines = invoice["lines"]!.AsArray().Select(l => (kind: l!["kind"]!.GetValue<string>(), quantity: l["quantity"]!.GetValue<decimal>(), price: l["unitPrice"]!.GetValue<decimal>()))
            .OrderBy(l => l.kind).ToList();
        Assert.Equal([("CONSULTATION", 1m, 150.50m), ("LAB", 1m, 4.20m), ("MEDICINE", 12m, 0.35m)], lines);
        // Everything is billed now: asking again bills nothing twice.
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = visit })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "nothing_to_bill");
    }

    [Fact]
    public async Task Payments_move_the_status_never_exceed_the_balance_and_refunds_reverse_them_before_a_void()
    {
        var kit = await Shared.Value;
        var invoice = await kit.IssuedAsync(100m);
        var id = invoice.Id();
        var first = await (await kit.PayAsync(id, 60m)).JsonAsync(HttpStatusCode.Created);
        Assert.Matches("^RCP-\\d{8}$", first.Str("receiptNumber"));
        Assert.Equal("PARTIALLY_PAID", (await kit.InvoiceAsync(id)).Str("status"));
        var over = await (await kit.PayAsync(id, 40.01m)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "overpayment");
        Assert.Equal(40.00m, over.Dec("balance"));
        await (await kit.PayAsync(id, 0.001m)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/payments", new { method = "INSURANCE", amount = 10 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var second = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/payments",
            new { method = "INSURANCE", amount = 40, claimReference = "CLM-77" })).JsonAsync(HttpStatusCode.Created);
        var paid = await kit.InvoiceAsync(id);
        Assert.Equal(("PAID", 100.00m, 0.00m), (paid.Str("status"), paid.Dec("paid"), paid.Dec("balance")));

        // A paid invoice is refunded before it is voided; refunds never exceed their payment.
        await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/void", new { reason = "Wrong patient" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "refund_first");
        await (await kit.RefundAsync(id, first.Id(), 60.01m)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "refund_exceeds_payment");
        var refund = await (await kit.RefundAsync(id, first.Id(), 25m)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(("REFUND", -25.00m, first.Id()), (refund.Str("kind"), refund.Dec("amount"), refund["refundsPaymentId"]!.GetValue<Guid>()));
        Assert.Equal("PARTIALLY_PAID", (await kit.InvoiceAsync(id)).Str("status"));
        await (await kit.RefundAsync(id, first.Id(), 35.01m)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "refund_exceeds_payment");
        await (await kit.RefundAsync(id, refund.Id(), 1m)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.RefundAsync(id, first.Id(), 35m)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await kit.RefundAsync(id, second.Id(), 40m)).EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal(("ISSUED", 0.00m), ((await kit.InvoiceAsync(id)).Str("status"), (await kit.InvoiceAsync(id)).Dec("paid")));

        // The ledger keeps every entry; the database refuses edits and deletes.
        var ledger = await (await kit.Desk.GetAsync($"/api/v1/invoices/{id}/payments")).ItemsAsync();
        Assert.Equal(new[] { 60m, 40m, -25m, -35m, -40m }, ledger.Select(p => p!.Dec("amount")));
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.payments SET amount = 1 WHERE invoice_id = $1", id));
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"DELETE FROM {kit.Tenant.Schema}.payments WHERE invoice_id = $1", id));

        // The receipt of the first payment: balance after it; of the partial refund: what it reversed.
        var receipt = await (await kit.Desk.GetAsync($"/api/v1/payments/{first.Id()}/receipt")).JsonAsync();
        Assert.Equal((60.00m, 40.00m, invoice.Str("number")), (receipt.Dec("paidToDate"), receipt.Dec("balanceAfter"), receipt.Str("invoiceNumber")));
        var refundReceipt = await (await kit.Desk.GetAsync($"/api/v1/payments/{refund.Id()}/receipt")).JsonAsync();
        Assert.Equal((first.Str("receiptNumber"), 75.00m), (refundReceipt.Str("refundsReceiptNumber"), refundReceipt.Dec("paidToDate")));

        // Void with a reason once nothing is paid; the number stays used and is never given again.
        var voided = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/void", new { reason = "Wrong patient" })).JsonAsync();
        Assert.Equal(("VOID", "Wrong patient", invoice.Str("number")), (voided.Str("status"), voided.Str("voidReason"), voided.Str("number")));
        await (await kit.PayAsync(id, 1m)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_not_payable");
        await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{id}/void", new { reason = "again" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_void");
        var next = await kit.IssuedAsync(5m);
        Assert.True(string.CompareOrdinal(next.Str("number"), invoice.Str("number")) > 0);
    }

    [Fact]
    public async Task A_voided_visit_invoice_frees_the_consultation_to_be_billed_again_and_a_draft_is_not_payable()
    {
        var kit = await Shared.Value;
        var (visitId, _) = await kit.VisitAsync();
        var draft = await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId })).JsonAsync(HttpStatusCode.Created);
        await (await kit.PayAsync(draft.Id(), 1m)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_not_payable");
        var voided = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{draft.Id()}/void", new { reason = "Duplicate" })).JsonAsync();
        Assert.Null(voided["number"]);
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{voided.Id()}/void", new { reason = " " })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var empty = await kit.DraftAsync((await kit.NewPatientAsync()).Id());
        await (await kit.Desk.PostAsync($"/api/v1/invoices/{empty.Id()}/issue", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_empty");
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = Guid.NewGuid() })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { lines = new[] { BillingKit.Item(1) } })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { patientId = empty["patientId"], lines = new[] { BillingKit.Item(-1) } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_retried_payment_with_the_same_key_is_taken_once_and_answers_the_same()
    {
        var kit = await Shared.Value;
        var id = (await kit.IssuedAsync(50m)).Id();
        var responses = await BillingKit.Race(Enumerable.Range(0, 8).Select(_ => (Func<Task<HttpResponseMessage>>)(() => kit.PayAsync(id, 20m, key: "pay-1"))));
        var bodies = new HashSet<string>();
        foreach (var r in responses)
        {
            await r.EnsureStatusAsync(HttpStatusCode.Created);
            bodies.Add(await r.Content.ReadAsStringAsync());
        }
        Assert.Single(bodies);
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
        Assert.Equal(20.00m, (await kit.InvoiceAsync(id)).Dec("paid"));
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.payments WHERE invoice_id = $1", id));
        await (await kit.PayAsync(id, 25m, key: "pay-1")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.PayAsync(id, 20m, key: "pay-2")).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Other_hospitals_confidential_patients_and_the_portal_see_only_what_they_may()
    {
        var kit = await Shared.Value;
        var person = await kit.NewPatientAsync();
        var issued = await kit.IssueAsync((await kit.DraftAsync(person.Id(), BillingKit.Item(30m))).Id());
        var draft = await kit.DraftAsync(person.Id(), BillingKit.Item(7m));
        var payment = await (await kit.PayAsync(issued.Id(), 10m)).JsonAsync(HttpStatusCode.Created);
        var list = await (await kit.Desk.GetAsync($"/api/v1/invoices?patientId={person.Id()}&status=ISSUED")).ItemsAsync();
        Assert.Empty(list); // partly paid now
        Assert.Single(await (await kit.Desk.GetAsync($"/api/v1/invoices?number={issued.Str("number")}")).ItemsAsync());

        // Another hospital: 404 everywhere, nothing listed.
        var other = await (await kit.App.NewTenantAsync()).ClientAsync(SystemRoles.Receptionist);
        await (await other.GetAsync($"/api/v1/invoices/{issued.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.PayAsync(issued.Id(), 1m, client: other)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/payments/{payment.Id()}/receipt")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await other.GetAsync("/api/v1/invoices")).ItemsAsync());

        // The portal patient: their own issued invoices, payments and receipts; not drafts, not others'.
        using var portal = await PatientKit.PortalClientAsync(kit.App, kit.Desk, person.Id(), person.Str("email"));
        var mine = Assert.Single(await (await portal.GetAsync("/api/v1/invoices")).ItemsAsync())!;
        Assert.Equal(issued.Id(), mine["id"]!.GetValue<Guid>());
        var read = await (await portal.GetAsync($"/api/v1/invoices/{issued.Id()}")).JsonAsync();
        Assert.Null(read["createdBy"]);
        await (await portal.GetAsync($"/api/v1/invoices/{draft.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Single(await (await portal.GetAsync($"/api/v1/invoices/{issued.Id()}/payments")).ItemsAsync());
        await (await portal.GetAsync($"/api/v1/payments/{payment.Id()}/receipt")).EnsureStatusAsync(HttpStatusCode.OK);
        var stranger = await kit.IssuedAsync(3m);
        await (await portal.GetAsync($"/api/v1/invoices/{stranger.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.PayAsync(issued.Id(), 1m, client: portal)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // Confidential: the front desk is not on the care team: 403 break_glass_required, listed restricted.
        await (await kit.Doctor.PatchAsJsonAsync($"/api/v1/patients/{person.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Desk.GetAsync($"/api/v1/invoices/{issued.Id()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.PayAsync(issued.Id(), 1m)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Desk.GetAsync($"/api/v1/payments/{payment.Id()}/receipt")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var restricted = await (await kit.Desk.GetAsync($"/api/v1/invoices?patientId={person.Id()}")).ItemsAsync();
        Assert.All(restricted, r => Assert.True(r!["restricted"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task A_three_decimal_currency_is_billed_and_paid_to_the_fils()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("kwd");
        var admin = await tenant.AdminAsync();
        await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { currency = "KWD" })).EnsureStatusAsync(HttpStatusCode.OK);
        var patientId = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
        var draft = await (await admin.PostAsJsonAsync("/api/v1/invoices",
            new { patientId, lines = new[] { BillingKit.Item(1.2345m, 7, taxRate: 5) } })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(("KWD", "9.074"), (draft.Str("currency"), draft["total"]!.ToJsonString()));
        var id = (await (await admin.PostAsync($"/api/v1/invoices/{draft.Id()}/issue", null)).JsonAsync()).Id();
        await (await admin.PostAsJsonAsync($"/api/v1/invoices/{id}/payments", new { method = "CARD", amount = 9.0745m })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var paid = await (await admin.PostAsJsonAsync($"/api/v1/invoices/{id}/payments", new { method = "CARD", amount = 9.074m })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("9.074", paid["amount"]!.ToJsonString());
    }
}
