using Carebase.Api.Platform.Audit;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Pdf;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Billing;

public static class BillingEndpoints
{
    public static IServiceCollection AddBilling(this IServiceCollection services) =>
        VisitCharges.Add<ConsultationCharges>(services.AddScoped<InvoiceDesk>().AddScoped<InvoiceReader>().AddScoped<PaymentDesk>());

    public static RouteGroupBuilder MapBilling(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/invoices").WithTags("Billing").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(BillingRead)
            .WithSummary("Invoices by patient, status, number and creation period (a portal patient: their own issued invoices)");
        g.MapPost("/", Create).RequirePermission(BillingWrite).ForStaffOnly().WithIdempotency().ProducesProblem(409)
            .WithSummary("A draft invoice: {visitId} alone bills the visit's charges (the consultation fee), else patientId with lines by hand. Idempotency-Key accepted");
        g.MapGet("/{id:guid}", Get).RequirePermission(BillingRead).WithSummary("An invoice with its lines and amounts (ETag)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a draft's discount or notes (If-Match; 409 invoice_not_draft once issued)");
        g.MapPost("/{id:guid}/lines", AddLine).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Add a line to a draft (the tax rate defaults to the hospital's for its kind); the amounts are recomputed");
        g.MapDelete("/{id:guid}/lines/{lineId:guid}", RemoveLine).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Remove a line from a draft; the amounts are recomputed");
        g.MapPost("/{id:guid}/issue", Issue).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Issue the draft: it gets the year's next number (INV-2026-000123, gapless) and becomes immutable");
        g.MapPost("/{id:guid}/void", Void).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Void with a reason while nothing is paid (refund first: 409 refund_first); the number stays used");
        g.MapPost("/{id:guid}/payments", Pay).RequirePermission(BillingWrite).ForStaffOnly().WithIdempotency().ProducesProblem(409)
            .WithSummary("Take a payment of at most the balance (409 overpayment); INSURANCE needs the claim reference. Idempotency-Key accepted");
        g.MapGet("/{id:guid}/pdf", Print).RequirePermission(BillingRead).Produces(200, contentType: "application/pdf")
            .WithSummary("The printable invoice (A4, or paper=letter) with its lines, totals, payments and balance; a draft prints watermarked DRAFT, a void one VOID");
        g.MapGet("/{id:guid}/payments", ListPayments).RequirePermission(BillingRead).WithSummary("The invoice's payments and refunds, oldest first");
        g.MapPost("/{id:guid}/refunds", Refund).RequirePermission(BillingWrite).ForStaffOnly().WithIdempotency().ProducesProblem(409)
            .WithSummary("Refund (part of) a payment: a negative entry naming it, never more than is left of it. Idempotency-Key accepted");

        api.MapGet("/payments/{id:guid}/receipt", GetReceipt).WithTags("Billing").RequirePermission(BillingRead)
            .WithSummary("The receipt of a payment or refund, with the invoice's balance after it");

        var settings = api.MapGroup("/billing/settings").WithTags("Billing").AddEndpointFilter<ValidationFilter>();
        settings.MapGet("/", GetSettings).RequirePermission(BillingRead).ForStaffOnly()
            .WithSummary("Tax rates per line kind (percent) and whether dispensing requires a paid invoice (ETag)");
        settings.MapPatch("/", UpdateSettings).RequirePermission(BillingWrite).ForStaffOnly().ProducesProblem(412)
            .WithSummary("Change the tax rates (new lines use them) or the dispensing rule (If-Match)");
        return api;
    }

    static async Task<Ok<Paged<InvoiceListItem>>> List([AsParameters] InvoiceListQuery query, InvoiceReader reader, AuditLog audit, CancellationToken ct)
    {
        var page = await reader.ListAsync(query, ct);
        await audit.WriteAsync("INVOICE_LISTED", "INVOICE", null, new { filter = query, returned = page.Items.Select(i => i.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<InvoiceResponse>> Create(CreateInvoiceRequest request, InvoiceDesk desk, InvoiceReader reader, HttpContext http,
        CancellationToken ct)
    {
        var invoice = await desk.CreateAsync(request, ct);
        ETags.Send(http, invoice.Version);
        return TypedResults.Created($"/api/v1/invoices/{invoice.Id}", await reader.ResponseAsync(invoice, ct));
    }

    static async Task<Ok<InvoiceResponse>> Get(Guid id, InvoiceDesk desk, InvoiceReader reader, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var invoice = await desk.FindAsync(id, ct);
        await audit.WriteAsync("INVOICE_READ", "INVOICE", id, new { invoice.PatientId }, ct: ct);
        return await Answer(invoice, reader, http, ct);
    }

    static async Task<FileContentHttpResult> Print(Guid id, [AsParameters] PdfQuery query, PaymentDesk payments, InvoiceReader reader,
        CarebaseDb db, Caller caller, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var (entries, invoice) = await payments.ListAsync(id, ct);
        var issuer = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant)
            .Select(t => new InvoiceIssuer(t.Name, t.Address, t.ContactPhone, t.ContactEmail)).SingleAsync(ct);
        var paper = query.Paper ?? PaperSizes.A4;
        var bytes = InvoicePdf.Render(await reader.ResponseAsync(invoice, ct), entries.Select(p => PaymentResponse.From(p, invoice.Currency)).ToList(),
            issuer, await clock.ZoneAsync(ct), paper);
        await audit.WriteAsync("INVOICE_PRINTED", "INVOICE", id, new { invoice.PatientId, invoice.Status, paper }, ct: ct);
        return TypedResults.File(bytes, "application/pdf", $"{invoice.Number ?? "invoice-draft"}.pdf");
    }

    static async Task<Ok<InvoiceResponse>> Update(Guid id, UpdateInvoiceRequest request, InvoiceDesk desk, InvoiceReader reader, HttpContext http,
        CancellationToken ct) => await Answer(await desk.UpdateAsync(id, request, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Created<InvoiceLineResponse>> AddLine(Guid id, InvoiceLineRequest request, InvoiceDesk desk, HttpContext http, CancellationToken ct)
    {
        var (line, invoice) = await desk.AddLineAsync(id, request, http.Request.Headers.IfMatch, ct);
        ETags.Send(http, invoice.Version);
        return TypedResults.Created($"/api/v1/invoices/{id}", InvoiceLineResponse.From(line, invoice.Currency));
    }

    static async Task<Ok<InvoiceResponse>> RemoveLine(Guid id, Guid lineId, InvoiceDesk desk, InvoiceReader reader, HttpContext http, CancellationToken ct) =>
        await Answer(await desk.RemoveLineAsync(id, lineId, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<InvoiceResponse>> Issue(Guid id, InvoiceDesk desk, InvoiceReader reader, HttpContext http, CancellationToken ct) =>
        await Answer(await desk.IssueAsync(id, http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<InvoiceResponse>> Void(Guid id, VoidInvoiceRequest request, InvoiceDesk desk, InvoiceReader reader, HttpContext http,
        CancellationToken ct) => await Answer(await desk.VoidAsync(id, request.Reason!.Trim(), http.Request.Headers.IfMatch, ct), reader, http, ct);

    static async Task<Ok<InvoiceResponse>> Answer(Invoice invoice, InvoiceReader reader, HttpContext http, CancellationToken ct)
    {
        ETags.Send(http, invoice.Version);
        return TypedResults.Ok(await reader.ResponseAsync(invoice, ct));
    }

    static async Task<Created<PaymentResponse>> Pay(Guid id, PaymentRequest request, PaymentDesk desk, CancellationToken ct)
    {
        var (payment, invoice) = await desk.PayAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/payments/{payment.Id}/receipt", PaymentResponse.From(payment, invoice.Currency));
    }

    static async Task<Created<PaymentResponse>> Refund(Guid id, RefundRequest request, PaymentDesk desk, CancellationToken ct)
    {
        var (refund, invoice) = await desk.RefundAsync(id, request, ct);
        return TypedResults.Created($"/api/v1/payments/{refund.Id}/receipt", PaymentResponse.From(refund, invoice.Currency));
    }

    static async Task<Ok<Paged<PaymentResponse>>> ListPayments(Guid id, [AsParameters] PageQuery query, PaymentDesk desk, AuditLog audit, CancellationToken ct)
    {
        var (entries, invoice) = await desk.ListAsync(id, ct);
        var page = entries.Select(p => PaymentResponse.From(p, invoice.Currency)).ToList().ToPaged(query);
        await audit.WriteAsync("PAYMENT_LISTED", "INVOICE", id, new { invoice.PatientId, returned = page.Items.Select(p => p.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Ok<ReceiptResponse>> GetReceipt(Guid id, PaymentDesk desk, AuditLog audit, CancellationToken ct)
    {
        var receipt = await desk.ReceiptAsync(id, ct);
        await audit.WriteAsync("RECEIPT_READ", "INVOICE", receipt.InvoiceId, new { paymentId = id }, ct: ct);
        return TypedResults.Ok(receipt);
    }

    static async Task<Ok<BillingSettingsResponse>> GetSettings(CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var settings = await db.Set<BillingSettings>().AsNoTracking().SingleAsync(ct);
        ETags.Send(http, settings.Version);
        return TypedResults.Ok(BillingSettingsResponse.From(settings));
    }

    static async Task<Ok<BillingSettingsResponse>> UpdateSettings(UpdateBillingSettingsRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var s = await db.Set<BillingSettings>().SingleAsync(ct);
        ETags.Check(http, s.Version);
        if (request.Has(nameof(request.ConsultationTaxRate))) s.ConsultationTaxRate = request.ConsultationTaxRate!.Value;
        if (request.Has(nameof(request.MedicineTaxRate))) s.MedicineTaxRate = request.MedicineTaxRate!.Value;
        if (request.Has(nameof(request.LabTaxRate))) s.LabTaxRate = request.LabTaxRate!.Value;
        if (request.Has(nameof(request.ProcedureTaxRate))) s.ProcedureTaxRate = request.ProcedureTaxRate!.Value;
        if (request.Has(nameof(request.BedTaxRate))) s.BedTaxRate = request.BedTaxRate!.Value;
        if (request.Has(nameof(request.OtherTaxRate))) s.OtherTaxRate = request.OtherTaxRate!.Value;
        if (request.Has(nameof(request.DispensingRequiresPaidInvoice))) s.DispensingRequiresPaidInvoice = request.DispensingRequiresPaidInvoice!.Value;
        if (request.Has(nameof(request.BedDayRule))) s.BedDayRule = request.BedDayRule!;
        var changes = AuditLog.ChangesOf(db.Entry(s));
        if (changes.Count > 0)
        {
            s.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("BILLING_SETTINGS_UPDATED", "BILLING_SETTINGS", null, changes);
            await db.SaveChangesAsync(ct);
        }
        ETags.Send(http, s.Version);
        return TypedResults.Ok(BillingSettingsResponse.From(s));
    }
}
