using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Billing;

/// <summary>
/// The payment ledger of an invoice. Every payment and refund locks the invoice row first (the one lock they take), then
/// checks the balance, appends its entry and moves paid and the status; the database backs the checks (paid within
/// 0..total, refunds within their payment), so two racing payments that together overpay cannot both succeed.
/// </summary>
public sealed class PaymentDesk(CarebaseDb db, Caller caller, InvoiceDesk invoices, AuditLog audit, TimeProvider time)
{
    public async Task<(Payment, Invoice)> PayAsync(Guid id, PaymentRequest request, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var invoice = await invoices.FindAsync(id, ct, forUpdate: true);
        var amount = FitCurrency(request.Amount!.Value, invoice);
        invoice.EnsurePayable();
        var balance = invoice.Balance;
        if (amount > balance) throw Overpayment(balance, invoice.Currency);
        var now = time.GetUtcNow();
        var payment = new Payment
        {
            InvoiceId = id, Kind = PaymentValues.Payment, Method = request.Method!, Amount = amount, ClaimReference = Input.Clean(request.ClaimReference),
            Reference = Input.Clean(request.Reference), ReceivedAt = now, ReceivedBy = caller.UserId,
        };
        db.Add(payment);
        invoice.Record(amount, caller.UserId, now);
        audit.Record("PAYMENT_RECEIVED", "INVOICE", id, new { paymentId = payment.Id, payment.Method, amount, invoice.Paid, invoice.Status });
        await db.SaveOrConflictAsync(ct, ("invoices_paid_within_total", () => Overpayment(balance, invoice.Currency)));
        if (tx is not null) await tx.CommitAsync(ct);
        return (payment, invoice);
    }

    public async Task<(Payment, Invoice)> RefundAsync(Guid id, RefundRequest request, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var invoice = await invoices.FindAsync(id, ct, forUpdate: true);
        var amount = FitCurrency(request.Amount!.Value, invoice);
        var original = await db.Set<Payment>().AsNoTracking()
            .SingleOrDefaultAsync(p => p.Id == request.PaymentId && p.InvoiceId == id && p.Kind == PaymentValues.Payment, ct)
            ?? throw new ValidationException("paymentId", "No payment of this invoice has this id.");
        var refunded = -(await db.Set<Payment>().Where(p => p.RefundsPaymentId == original.Id).SumAsync(p => (decimal?)p.Amount, ct) ?? 0);
        if (amount > original.Amount - refunded) throw RefundTooLarge(original.Amount - refunded, invoice);
        var now = time.GetUtcNow();
        var refund = new Payment
        {
            InvoiceId = id, Kind = PaymentValues.Refund, Method = original.Method, Amount = -amount, RefundsPaymentId = original.Id,
            ClaimReference = original.ClaimReference, Reason = request.Reason!.Trim(), ReceivedAt = now, ReceivedBy = caller.UserId,
        };
        db.Add(refund);
        invoice.Record(-amount, caller.UserId, now);
        audit.Record("PAYMENT_REFUNDED", "INVOICE", id, new { paymentId = refund.Id, refundsPaymentId = original.Id, amount, invoice.Paid, invoice.Status });
        await db.SaveOrConflictAsync(ct, ("payments_refund_within_payment", () => RefundTooLarge(null, invoice)),
            ("invoices_paid_not_negative", () => RefundTooLarge(null, invoice)));
        if (tx is not null) await tx.CommitAsync(ct);
        return (refund, invoice);
    }

    /// <summary>The invoice's ledger, oldest first.</summary>
    public async Task<(IReadOnlyList<Payment>, Invoice)> ListAsync(Guid id, CancellationToken ct)
    {
        var invoice = await invoices.FindAsync(id, ct);
        var entries = await db.Set<Payment>().AsNoTracking().Where(p => p.InvoiceId == id).OrderBy(p => p.ReceivedAt).ThenBy(p => p.Id).ToListAsync(ct);
        return (entries, invoice);
    }

    /// <summary>The receipt of a payment or refund (after the invoice's gate), with the invoice's balance right after it.</summary>
    public async Task<ReceiptResponse> ReceiptAsync(Guid paymentId, CancellationToken ct)
    {
        var payment = await db.Set<Payment>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == paymentId, ct) ?? throw new NotFoundException("The payment");
        var invoice = await invoices.FindAsync(payment.InvoiceId, ct);
        // The ledger up to this entry (a few rows an invoice; ids are time-ordered within an instant).
        var ledger = await db.Set<Payment>().Where(p => p.InvoiceId == invoice.Id).Select(p => new { p.Id, p.Amount, p.ReceivedAt }).ToListAsync(ct);
        var paidToDate = ledger.Where(p => p.ReceivedAt < payment.ReceivedAt || (p.ReceivedAt == payment.ReceivedAt && p.Id.CompareTo(payment.Id) <= 0))
            .Sum(p => p.Amount);
        var patient = await db.Set<Patient>().Where(p => p.Id == invoice.PatientId).Select(p => new { Name = p.FirstName + " " + p.LastName, p.PatientCode })
            .SingleAsync(ct);
        var hospital = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant).Select(t => t.Name).SingleAsync(ct);
        var receivedBy = await db.Users.Where(u => u.Id == payment.ReceivedBy).Select(u => u.FirstName + " " + u.LastName).SingleOrDefaultAsync(ct);
        var reversed = payment.RefundsPaymentId is { } r
            ? await db.Set<Payment>().Where(p => p.Id == r).Select(p => p.ReceiptNumber).SingleAsync(ct) : null;
        string c = invoice.Currency;
        return new ReceiptResponse(payment.ReceiptNumber, hospital, payment.Kind, payment.Method, InvoiceMath.Scaled(payment.Amount, c), c,
            payment.ClaimReference, payment.Reference, reversed, payment.ReceivedAt, receivedBy, invoice.Id, invoice.Number, patient.Name,
            patient.PatientCode, InvoiceMath.Scaled(invoice.Total, c), InvoiceMath.Scaled(paidToDate, c), InvoiceMath.Scaled(invoice.Total - paidToDate, c));
    }

    /// <summary>422 when the amount has more decimals than the invoice's currency (JPY has none, KWD three).</summary>
    static decimal FitCurrency(decimal amount, Invoice invoice) => InvoiceMath.FitsMinorUnit(amount, invoice.Currency) ? amount
        : throw new ValidationException("amount", $"{invoice.Currency} amounts have at most {InvoiceMath.Decimals(invoice.Currency)} decimals.");

    static ConflictException Overpayment(decimal balance, string currency) => new("overpayment",
        $"The payment is more than the balance of the invoice ({InvoiceMath.Scaled(balance, currency)} {currency}).",
        new Dictionary<string, object?> { ["balance"] = InvoiceMath.Scaled(balance, currency) });

    static ConflictException RefundTooLarge(decimal? refundable, Invoice invoice) => new("refund_exceeds_payment",
        refundable is { } r ? $"At most {InvoiceMath.Scaled(r, invoice.Currency)} {invoice.Currency} of this payment is left to refund."
            : "The refunds would exceed the payment they reverse.");
}
