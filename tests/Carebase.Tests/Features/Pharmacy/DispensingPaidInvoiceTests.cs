using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Billing;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>
/// The billing setting dispensingRequiresPaidInvoice: off, medicine is billed as dispensed; on, a visit's invoice bills
/// its prescriptions' medicine before the pharmacy hands it out, dispensing waits for that invoice to be PAID, and
/// nothing is billed twice either way. Each test has its own hospital (the setting is the hospital's).
/// </summary>
public sealed class DispensingPaidInvoiceTests
{
    sealed record Setup(BillingKit Kit, HttpClient Pharmacist, Guid Visit, Guid Prescription, Guid Item);

    /// <summary>A visit with an issued prescription of 10 capsules at 0.35 of a stocked medicine, and the rule on or off.</summary>
    static async Task<Setup> SetUpAsync(bool requirePaid)
    {
        var kit = await BillingKit.CreateAsync();
        if (requirePaid) await SetRuleAsync(kit, true);
        var (visit, _) = await kit.VisitAsync();
        var medicine = (await PharmacyKit.CreateItemAsync(kit.Admin, PharmacyKit.Medicine(salePrice: "0.35"))).Id();
        await PharmacyKit.ReceiveAsync(kit.Admin, medicine);
        var prescription = await (await kit.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            visitId = visit, items = new[] { new { stockItemId = medicine, doseAmount = 1, doseUnit = "capsule", frequency = "BID", durationDays = 5, quantity = 10 } },
        })).JsonAsync(HttpStatusCode.Created);
        await (await kit.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{prescription.Id()}/issue", new { })).EnsureStatusAsync(HttpStatusCode.OK);
        var item = await TestDatabase.ScalarAsync<Guid>($"SELECT id FROM \"{kit.Tenant.Schema}\".prescription_items WHERE prescription_id = $1", prescription.Id());
        return new Setup(kit, await kit.Tenant.ClientAsync(SystemRoles.Pharmacist), visit, prescription.Id(), item);
    }

    static async Task SetRuleAsync(BillingKit kit, bool on) =>
        await (await kit.Admin.PatchAsJsonAsync("/api/v1/billing/settings", new { dispensingRequiresPaidInvoice = on })).EnsureStatusAsync(HttpStatusCode.OK);

    static Task<HttpResponseMessage> DispenseAsync(Setup s, int? quantity = null) =>
        s.Pharmacist.PostAsJsonAsync("/api/v1/dispensings", new
        {
            prescriptionId = s.Prescription,
            items = quantity is { } q ? new[] { new { prescriptionItemId = s.Item, quantity = q } } : null,
        });

    static async Task<JsonObject> BillVisitAsync(Setup s) =>
        await (await s.Kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = s.Visit })).JsonAsync(HttpStatusCode.Created);

    static List<(string kind, string? source, decimal quantity, decimal price)> Lines(JsonObject invoice) =>
        invoice["lines"]!.AsArray().Select(l => (l!.Str("kind"), l!["sourceType"]?.GetValue<string>(), l!.Dec("quantity"), l!.Dec("unitPrice")))
            .OrderBy(l => l.Item1).ThenBy(l => l.Item2).ToList();

    [Fact]
    public async Task With_the_rule_off_the_pharmacy_dispenses_unpaid_and_the_visit_bills_what_was_dispensed()
    {
        var s = await SetUpAsync(requirePaid: false);
        await (await DispenseAsync(s)).EnsureStatusAsync(HttpStatusCode.Created);
        var invoice = await BillVisitAsync(s);
        Assert.Equal([("CONSULTATION", "VISIT", 1m, 150.50m), ("MEDICINE", "DISPENSING_LINE", 10m, 0.35m)], Lines(invoice));
    }

    [Fact]
    public async Task With_the_rule_on_the_medicine_is_billed_from_the_prescription_and_handed_out_only_once_that_invoice_is_paid_in_full()
    {
        var s = await SetUpAsync(requirePaid: true);
        var refused = await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid");
        Assert.Equal(s.Item, refused["items"]![0]!["prescriptionItemId"]!.GetValue<Guid>());

        var draft = await BillVisitAsync(s);
        Assert.Equal([("CONSULTATION", "VISIT", 1m, 150.50m), ("MEDICINE", "PRESCRIPTION_ITEM", 10m, 0.35m)], Lines(draft));
        Assert.Equal(s.Item, draft["lines"]!.AsArray().Single(l => l!.Str("kind") == "MEDICINE")!["sourceId"]!.GetValue<Guid>());
        await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid"); // a draft
        var issued = await s.Kit.IssueAsync(draft.Id());
        await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid"); // issued, nothing paid
        await (await s.Kit.PayAsync(issued.Id(), 100m)).EnsureStatusAsync(HttpStatusCode.Created);
        var partly = await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid");
        Assert.Equal("PARTIALLY_PAID", partly["items"]![0]!["invoiceStatus"]!.GetValue<string>());
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM \"{s.Kit.Tenant.Schema}\".dispensings"));

        await (await s.Kit.PayAsync(issued.Id(), 54m)).EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal("PAID", (await s.Kit.InvoiceAsync(issued.Id())).Str("status"));
        var first = await (await DispenseAsync(s, 4)).JsonAsync(HttpStatusCode.Created);
        await (await DispenseAsync(s)).EnsureStatusAsync(HttpStatusCode.Created); // the other 6, still covered
        // Two back and out again stays within the 10 paid for.
        var line = first["lines"]![0]!["id"]!.GetValue<Guid>();
        await (await s.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{first.Id()}/returns",
            new { items = new[] { new { lineId = line, quantity = 2, reason = "Damaged blister" } } })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await DispenseAsync(s, 2)).EnsureStatusAsync(HttpStatusCode.Created);

        // Nothing is billed twice: the dispensings bring no second charge, and the paid invoice is the visit's only one.
        await (await s.Kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = s.Visit })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "nothing_to_bill");
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM \"{s.Kit.Tenant.Schema}\".invoice_lines WHERE kind = 'MEDICINE' AND NOT invoice_voided"));
    }

    [Fact]
    public async Task A_refund_reopens_the_rule_and_a_void_invoice_covers_nothing()
    {
        var s = await SetUpAsync(requirePaid: true);
        var invoice = await s.Kit.IssueAsync((await BillVisitAsync(s)).Id());
        var payment = await (await s.Kit.PayAsync(invoice.Id(), 154m)).JsonAsync(HttpStatusCode.Created);
        await (await s.Kit.RefundAsync(invoice.Id(), payment.Id(), 154m)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid");
        await (await s.Kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{invoice.Id()}/void", new { reason = "Patient left" })).EnsureStatusAsync(HttpStatusCode.OK);
        var refused = await (await DispenseAsync(s)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid");
        Assert.Null(refused["items"]![0]!["invoiceId"]);
        // Billed again on a new invoice, paid: dispensed.
        var again = await s.Kit.IssueAsync((await BillVisitAsync(s)).Id());
        await (await s.Kit.PayAsync(again.Id(), 154m)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await DispenseAsync(s)).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Switching_the_rule_on_after_a_partial_dispensing_bills_what_was_handed_out_and_prepays_the_rest_and_off_again_bills_nothing_twice()
    {
        var s = await SetUpAsync(requirePaid: false);
        await (await DispenseAsync(s, 4)).EnsureStatusAsync(HttpStatusCode.Created);
        await SetRuleAsync(s.Kit, true);
        await (await DispenseAsync(s, 3)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invoice_unpaid");

        var invoice = await BillVisitAsync(s);
        Assert.Equal([("CONSULTATION", "VISIT", 1m, 150.50m), ("MEDICINE", "DISPENSING_LINE", 4m, 0.35m), ("MEDICINE", "PRESCRIPTION_ITEM", 6m, 0.35m)],
            Lines(invoice));
        await s.Kit.IssueAsync(invoice.Id());
        await (await s.Kit.PayAsync(invoice.Id(), 154m)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await DispenseAsync(s, 3)).EnsureStatusAsync(HttpStatusCode.Created);

        // Off again: the last 3 were paid for in advance, so dispensing them adds no charge.
        await SetRuleAsync(s.Kit, false);
        await (await DispenseAsync(s)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await s.Kit.Desk.PostAsJsonAsync("/api/v1/invoices", new { visitId = s.Visit })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "nothing_to_bill");
    }
}
