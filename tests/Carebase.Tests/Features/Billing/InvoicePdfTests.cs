using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using static Carebase.Tests.Features.Prescriptions.PrescriptionsKit;

namespace Carebase.Tests.Features.Billing;

/// <summary>The printable invoice read back with PdfPig: lines, totals, payments and balance, the draft and void marks, the currency's minor unit, who may print it.</summary>
public sealed class InvoicePdfTests
{
    static readonly Lazy<Task<BillingKit>> Shared = new(BillingKit.CreateAsync);

    static string Url(Guid id) => $"/api/v1/invoices/{id}/pdf";

    [Fact]
    public async Task The_PDF_names_the_hospital_patient_each_line_the_totals_every_payment_and_refund_and_the_balance()
    {
        var kit = await Shared.Value;
        await (await kit.Admin.PatchAsJsonAsync("/api/v1/tenant", new { contactPhone = "+1 555 0100" })).EnsureStatusAsync(HttpStatusCode.OK);
        var patient = await kit.NewPatientAsync();
        var draft = await (await kit.Desk.PostAsJsonAsync("/api/v1/invoices", new
        {
            patientId = patient.Id(), discount = new { kind = "PERCENT", value = 10 },
            lines = new[]
            {
                BillingKit.Item(12.50m, 2, description: "Wound dressing", discount: new { kind = "AMOUNT", value = 5 }, taxRate: 5),
                BillingKit.Item(80m, description: "Chest radiograph", taxRate: 0),
            },
        })).JsonAsync(HttpStatusCode.Created);
        // 25.00 − 5.00 and 80.00; the 10% (10.00) spreads 2.00 / 8.00; 5% tax on 18.00 is 0.90: 18.90 + 72.00.
        Assert.Equal(90.90m, draft.Dec("total"));
        var invoice = await kit.IssueAsync(draft.Id());
        var cash = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { method = "CASH", amount = 50m, reference = "Till-3" }))
            .JsonAsync(HttpStatusCode.Created);
        var card = await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { method = "CARD", amount = 40.90m, reference = "VISA-4242" }))
            .JsonAsync(HttpStatusCode.Created);
        var refund = await (await kit.RefundAsync(invoice.Id(), card.Id(), 10m)).JsonAsync(HttpStatusCode.Created);

        var (text, width) = await PdfAsync(await kit.Desk.GetAsync(Url(invoice.Id())));
        Assert.Equal(595, width, 0);
        foreach (var expected in new[]
        {
            $"Hospital {kit.Tenant.Slug}", "555 0100", invoice.Str("number"), patient.Str("firstName"), patient.Str("lastName"), patient.Str("patientCode"),
            "1. Wound dressing 2 12.50 -5.00 0.90 (5%) 18.90", "2. Chest radiograph 1 80.00 0.00 (0%) 72.00",
            "Subtotal 105.00", "Line discounts -5.00", "Invoice discount (10%) -10.00", "Taxes 0.90", "Total (USD) 90.90",
            $"CASH Till-3 {cash.Str("receiptNumber")} 50.00", $"CARD VISA-4242 {card.Str("receiptNumber")} 40.90",
            $"Refund (CARD) Overcharged {refund.Str("receiptNumber")} -10.00", "Amount paid 80.90", "Balance due (USD) 10.00",
        })
            Assert.Contains(expected, text);
        Assert.DoesNotContain("DRAFT", text);
        Assert.DoesNotContain("VOID", text);

        var (_, letter) = await PdfAsync(await kit.Desk.GetAsync(Url(invoice.Id()) + "?paper=letter"));
        Assert.Equal(612, letter, 0);
        await (await kit.Desk.GetAsync(Url(invoice.Id()) + "?paper=a5")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var printed = await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{kit.Tenant.Schema}".audit_log WHERE action = 'INVOICE_PRINTED' AND resource_id = $1""", invoice.Id().ToString());
        Assert.Equal(2, printed);
    }

    [Fact]
    public async Task A_draft_prints_watermarked_DRAFT_without_a_number_and_a_void_invoice_prints_VOID_with_its_reason()
    {
        var kit = await Shared.Value;
        var draft = await kit.DraftAsync((await kit.NewPatientAsync()).Id(), BillingKit.Item(20m, description: "Suture removal"));
        var (text, _) = await PdfAsync(await kit.Desk.GetAsync(Url(draft.Id())));
        Assert.Contains("DRAFT", text);
        Assert.Contains("not issued", text);
        Assert.Contains("Suture removal", text);

        var issued = await kit.IssueAsync(draft.Id());
        await (await kit.Desk.PostAsJsonAsync($"/api/v1/invoices/{issued.Id()}/void", new { reason = "Billed to the wrong patient" }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        var (voided, _) = await PdfAsync(await kit.Desk.GetAsync(Url(issued.Id())));
        Assert.Contains("VOID", voided);
        Assert.Contains("Billed to the wrong patient", voided);
        Assert.Contains(issued.Str("number"), voided);
        Assert.DoesNotContain("DRAFT", voided);
    }

    [Fact]
    public async Task Yen_amounts_print_without_decimals()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("jpy");
        var admin = await tenant.AdminAsync();
        await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { currency = "JPY" })).EnsureStatusAsync(HttpStatusCode.OK);
        var patientId = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
        var draft = await (await admin.PostAsJsonAsync("/api/v1/invoices",
            new { patientId, lines = new[] { BillingKit.Item(1500m, 3, description: "Physiotherapy session", taxRate: 10) } })).JsonAsync(HttpStatusCode.Created);
        var id = (await (await admin.PostAsync($"/api/v1/invoices/{draft.Id()}/issue", null)).JsonAsync()).Id();
        await (await admin.PostAsJsonAsync($"/api/v1/invoices/{id}/payments", new { method = "CASH", amount = 2000m })).EnsureStatusAsync(HttpStatusCode.Created);

        var (text, _) = await PdfAsync(await admin.GetAsync(Url(id)));
        foreach (var expected in new[] { "Physiotherapy session 3 1,500 450 (10%) 4,950", "Subtotal 4,500", "Total (JPY) 4,950", "Amount paid 2,000", "Balance due (JPY) 2,950" })
            Assert.Contains(expected, text);
        Assert.DoesNotContain("4,950.00", text);
        Assert.DoesNotContain("1,500.00", text);
    }

    [Fact]
    public async Task Other_hospitals_get_404_the_portal_prints_only_its_own_issued_invoices_and_a_confidential_patient_needs_break_glass()
    {
        var kit = await Shared.Value;
        var person = await kit.NewPatientAsync();
        var issued = await kit.IssueAsync((await kit.DraftAsync(person.Id(), BillingKit.Item(30m, description: "Nebulisation"))).Id());
        var draft = await kit.DraftAsync(person.Id(), BillingKit.Item(7m));
        var stranger = await kit.IssuedAsync(3m);

        var other = await (await kit.App.NewTenantAsync()).ClientAsync(SystemRoles.Receptionist);
        await (await other.GetAsync(Url(issued.Id()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Desk.GetAsync(Url(Guid.NewGuid()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var nurse = await kit.Tenant.ClientAsync(SystemRoles.Nurse);
        await (await nurse.GetAsync(Url(issued.Id()))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        using var portal = await PatientKit.PortalClientAsync(kit.App, kit.Desk, person.Id(), person.Str("email"));
        Assert.Contains("Nebulisation", (await PdfAsync(await portal.GetAsync(Url(issued.Id())))).text);
        await (await portal.GetAsync(Url(draft.Id()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await portal.GetAsync(Url(stranger.Id()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await (await kit.Doctor.PatchAsJsonAsync($"/api/v1/patients/{person.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Desk.GetAsync(Url(issued.Id()))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
    }
}
