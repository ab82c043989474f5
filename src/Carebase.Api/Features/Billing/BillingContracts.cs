using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Billing;

/// <summary>Bounds of amounts a client sends, so arithmetic on them can never overflow.</summary>
static class Amounts
{
    public const decimal MaxMoney = 1_000_000_000m, MaxQuantity = 100_000m;

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> with at most <paramref name="decimals"/> decimals.</summary>
    public static void Check(FieldErrors errors, string field, decimal? value, decimal min, decimal max, int decimals, bool minExcluded = false)
    {
        if (value is not { } v) return;
        if (v < min || v > max || (minExcluded && v == min))
            errors.Add(field, $"Must be {(minExcluded ? "above" : "at least")} {min} and at most {max}.");
        else if (Math.Round(v, decimals) != v) errors.Add(field, $"At most {decimals} decimals.");
    }
}

/// <summary>A discount: <c>PERCENT</c> (0–100) of what it applies to, or an <c>AMOUNT</c> in the invoice currency (never more than that).</summary>
public sealed record DiscountRequest(
    [property: Required, OneOf(typeof(Discount), nameof(Discount.Kinds))] string? Kind,
    [property: Required] decimal? Value) : IValidatable
{
    public void Validate(FieldErrors errors) =>
        Amounts.Check(errors, "value", Value, 0, Kind == Discount.Percent ? 100 : Amounts.MaxMoney, 4);

    public Discount ToDiscount() => new(Kind!, Value!.Value);
}

/// <summary>A line billed by hand. The tax rate defaults to the hospital's rate for the kind (GET /billing/settings).</summary>
public sealed record InvoiceLineRequest(
    [property: Required, OneOf(typeof(InvoiceValues), nameof(InvoiceValues.LineKinds))] string? Kind,
    [property: Required, MaxLength(500)] string? Description,
    [property: Required, Description("More than 0, at most 3 decimals.")] decimal? Quantity,
    [property: Required, Description("In the invoice currency, at most 4 decimals (the line's amounts are rounded).")] decimal? UnitPrice,
    DiscountRequest? Discount,
    [property: Description("Tax in percent (0–100); the hospital's rate for the kind when left out.")] decimal? TaxRate) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        Amounts.Check(errors, "quantity", Quantity, 0, Amounts.MaxQuantity, 3, minExcluded: true);
        Amounts.Check(errors, "unitPrice", UnitPrice, 0, Amounts.MaxMoney, 4);
        Amounts.Check(errors, "taxRate", TaxRate, 0, 100, 4);
    }

    public NewInvoiceLine ToLine() => new(Kind!, Description!.Trim(), Quantity!.Value, UnitPrice!.Value, Discount: Discount?.ToDiscount(), TaxRate: TaxRate);
}

/// <summary>
/// A draft invoice. <c>{visitId}</c> alone bills the visit: a line for each charge it brings (the doctor's consultation
/// fee today) that is not billed yet. Otherwise <c>patientId</c> (or a <c>visitId</c> naming the patient) with the lines
/// billed by hand, which may be none yet.
/// </summary>
public sealed record CreateInvoiceRequest(
    Guid? PatientId, Guid? VisitId,
    [property: MaxLength(CreateInvoiceRequest.MaxLines)] IReadOnlyList<InvoiceLineRequest>? Lines,
    DiscountRequest? Discount,
    [property: FreeText, MaxLength(2000)] string? Notes) : IValidatable
{
    public const int MaxLines = 200;

    public bool FromVisit => VisitId is not null && PatientId is null && Lines is null or { Count: 0 };

    public void Validate(FieldErrors errors)
    {
        if (PatientId is null && VisitId is null) errors.Add("patientId", "Give a patientId, or a visitId to bill the visit.");
    }
}

/// <summary>A change of a draft's discount or notes (If-Match): the fields sent change; <c>discount: null</c> removes it.</summary>
public sealed record UpdateInvoiceRequest : PatchRequest
{
    public DiscountRequest? Discount { get; init => field = Sent(value); }
    [FreeText, MaxLength(2000)] public string? Notes { get; init => field = Sent(value); }
}

public sealed record VoidInvoiceRequest([property: Required, FreeText, MaxLength(500)] string? Reason);

/// <summary>A payment of an issued invoice: at most its balance, in the invoice currency's minor unit; INSURANCE needs the claim reference.</summary>
public sealed record PaymentRequest(
    [property: Required, OneOf(typeof(PaymentValues), nameof(PaymentValues.Methods))] string? Method,
    [property: Required] decimal? Amount,
    [property: MaxLength(100), Description("The insurer's claim reference (required for INSURANCE).")] string? ClaimReference,
    [property: MaxLength(100), Description("Card authorisation, UPI or bank transaction id.")] string? Reference) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        Amounts.Check(errors, "amount", Amount, 0, Amounts.MaxMoney, 3, minExcluded: true);
        if (Method == PaymentValues.Insurance && string.IsNullOrWhiteSpace(ClaimReference)) errors.Add("claimReference", "Required for INSURANCE.");
    }
}

/// <summary>A refund of (part of) a payment of the invoice: a new negative entry naming it; the refunds of a payment never exceed it.</summary>
public sealed record RefundRequest(
    [property: Required] Guid? PaymentId,
    [property: Required] decimal? Amount,
    [property: Required, FreeText, MaxLength(500)] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors) => Amounts.Check(errors, "amount", Amount, 0, Amounts.MaxMoney, 3, minExcluded: true);
}

/// <summary>A change of the billing settings (If-Match): tax rates in percent per line kind, and the dispensing rule.</summary>
public sealed record UpdateBillingSettingsRequest : PatchRequest
{
    [Required] public decimal? ConsultationTaxRate { get; init => field = Sent(value); }
    [Required] public decimal? MedicineTaxRate { get; init => field = Sent(value); }
    [Required] public decimal? LabTaxRate { get; init => field = Sent(value); }
    [Required] public decimal? ProcedureTaxRate { get; init => field = Sent(value); }
    [Required] public decimal? BedTaxRate { get; init => field = Sent(value); }
    [Required] public decimal? OtherTaxRate { get; init => field = Sent(value); }
    [Required, Description("The pharmacy dispenses only what a paid invoice covers.")] public bool? DispensingRequiresPaidInvoice { get; init => field = Sent(value); }
    [Required, OneOf(typeof(InvoiceValues), nameof(InvoiceValues.BedDayRules)), Description("How bed-days are counted at discharge: every calendar day of the stay, or the midnights spent (at least one).")]
    public string? BedDayRule { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(ConsultationTaxRate), ConsultationTaxRate), (nameof(MedicineTaxRate), MedicineTaxRate), (nameof(LabTaxRate), LabTaxRate),
            (nameof(ProcedureTaxRate), ProcedureTaxRate), (nameof(BedTaxRate), BedTaxRate), (nameof(OtherTaxRate), OtherTaxRate),
            (nameof(DispensingRequiresPaidInvoice), DispensingRequiresPaidInvoice), (nameof(BedDayRule), BedDayRule));
        foreach (var (name, rate) in new[] { ("consultationTaxRate", ConsultationTaxRate), ("medicineTaxRate", MedicineTaxRate), ("labTaxRate", LabTaxRate),
                     ("procedureTaxRate", ProcedureTaxRate), ("bedTaxRate", BedTaxRate), ("otherTaxRate", OtherTaxRate) })
            Amounts.Check(errors, name, rate, 0, 100, 4);
    }
}

public sealed record BillingSettingsResponse(decimal ConsultationTaxRate, decimal MedicineTaxRate, decimal LabTaxRate, decimal ProcedureTaxRate,
    decimal BedTaxRate, decimal OtherTaxRate, bool DispensingRequiresPaidInvoice, DateTimeOffset UpdatedAt, Guid? UpdatedBy, int Version)
{
    [OneOf(typeof(InvoiceValues), nameof(InvoiceValues.BedDayRules))] public string BedDayRule { get; init; } = "MIDNIGHTS";

    public static BillingSettingsResponse From(BillingSettings s) => new(s.ConsultationTaxRate, s.MedicineTaxRate, s.LabTaxRate, s.ProcedureTaxRate,
        s.BedTaxRate, s.OtherTaxRate, s.DispensingRequiresPaidInvoice, s.UpdatedAt, s.UpdatedBy, s.Version) { BedDayRule = s.BedDayRule };
}

public sealed record DiscountResponse([property: OneOf(typeof(Discount), nameof(Discount.Kinds))] string Kind, decimal Value)
{
    public static DiscountResponse? Of(string? kind, decimal? value) => kind is null ? null : new(kind, value ?? 0);
}

/// <summary>A line with its amounts in the invoice currency: net = gross − lineDiscount − invoiceDiscount (its share), total = net + tax.</summary>
public sealed record InvoiceLineResponse(Guid Id, int Position,
    [property: OneOf(typeof(InvoiceValues), nameof(InvoiceValues.LineKinds))] string Kind, string Description,
    [property: Description("The document the line bills (VISIT for a consultation, DISPENSING_LINE, PRESCRIPTION_ITEM for medicine billed before it is dispensed, LAB_ORDER_ITEM).")] string? SourceType,
    Guid? SourceId, decimal Quantity, decimal UnitPrice, DiscountResponse? Discount, decimal TaxRate,
    decimal Gross, decimal LineDiscount, decimal InvoiceDiscount, decimal Net, decimal Tax, decimal Total)
{
    public static InvoiceLineResponse From(InvoiceLine l, string currency) => new(l.Id, l.Position, l.Kind, l.Description, l.SourceType, l.SourceId,
        l.Quantity, l.UnitPrice, DiscountResponse.Of(l.DiscountKind, l.DiscountValue), l.TaxRate,
        InvoiceMath.Scaled(l.Gross, currency), InvoiceMath.Scaled(l.LineDiscount, currency), InvoiceMath.Scaled(l.InvoiceDiscount, currency),
        InvoiceMath.Scaled(l.Net, currency), InvoiceMath.Scaled(l.Tax, currency), InvoiceMath.Scaled(l.Total, currency));
}

/// <summary>
/// An invoice with its lines. Amounts are in <c>currency</c> with its minor unit's decimals (rounded half away from zero
/// per line; totals are sums of the rounded lines). <c>number</c> is set when issued.
/// </summary>
public sealed record InvoiceResponse(Guid Id, string? Number,
    [property: OneOf(typeof(InvoiceValues), nameof(InvoiceValues.Statuses))] string Status,
    Guid PatientId, string PatientName, string PatientCode, Guid? VisitId, Guid? AdmissionId, string Currency, DiscountResponse? Discount,
    decimal Subtotal, decimal DiscountTotal, decimal TaxTotal, decimal Total, decimal Paid, decimal Balance, string? Notes, string? VoidReason,
    DateTimeOffset? IssuedAt, [property: StaffOnly] Guid? IssuedBy, DateTimeOffset? VoidedAt, [property: StaffOnly] Guid? VoidedBy,
    DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy, DateTimeOffset UpdatedAt, int Version, IReadOnlyList<InvoiceLineResponse> Lines);

/// <summary>An invoice of a list; <c>restricted</c>: a confidential patient the caller may not open (amounts and number only).</summary>
public sealed record InvoiceListItem(Guid Id, string? Number,
    [property: OneOf(typeof(InvoiceValues), nameof(InvoiceValues.Statuses))] string Status,
    Guid PatientId, string PatientName, string PatientCode, Guid? VisitId, string Currency, decimal Total, decimal Paid, decimal Balance,
    DateTimeOffset? IssuedAt, DateTimeOffset CreatedAt, bool Restricted);

/// <summary>Filters of the invoice list; <c>from</c> included, <c>to</c> excluded (instants, on createdAt).</summary>
public sealed record InvoiceListQuery(
    Guid? PatientId,
    [property: OneOf(typeof(InvoiceValues), nameof(InvoiceValues.Statuses)), Description("Only invoices in this status.")] string? Status,
    [property: Description("Created at or after this instant.")] DateTimeOffset? From,
    [property: Description("Created before this instant.")] DateTimeOffset? To,
    [property: MaxLength(20), Description("The invoice number (INV-2026-000123), or its start.")] string? Number,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors)
    {
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

/// <summary>An entry of an invoice's payment ledger: a PAYMENT (positive) or a REFUND (negative, naming the payment it reverses).</summary>
public sealed record PaymentResponse(Guid Id, Guid InvoiceId,
    [property: OneOf(typeof(PaymentValues), nameof(PaymentValues.Kinds))] string Kind,
    [property: OneOf(typeof(PaymentValues), nameof(PaymentValues.Methods))] string Method,
    decimal Amount, string Currency, Guid? RefundsPaymentId, string? ClaimReference, string? Reference, string? Reason, string ReceiptNumber,
    DateTimeOffset ReceivedAt, [property: StaffOnly] Guid? ReceivedBy)
{
    public static PaymentResponse From(Payment p, string currency) => new(p.Id, p.InvoiceId, p.Kind, p.Method, InvoiceMath.Scaled(p.Amount, currency),
        currency, p.RefundsPaymentId, p.ClaimReference, p.Reference, p.Reason, p.ReceiptNumber, p.ReceivedAt, p.ReceivedBy);
}

/// <summary>The receipt of one payment or refund: who paid what for which invoice, and what the invoice's balance was after it.</summary>
public sealed record ReceiptResponse(string ReceiptNumber, string HospitalName,
    [property: OneOf(typeof(PaymentValues), nameof(PaymentValues.Kinds))] string Kind,
    [property: OneOf(typeof(PaymentValues), nameof(PaymentValues.Methods))] string Method,
    decimal Amount, string Currency, string? ClaimReference, string? Reference, string? RefundsReceiptNumber, DateTimeOffset ReceivedAt,
    string? ReceivedByName, Guid InvoiceId, string? InvoiceNumber, string PatientName, string PatientCode, decimal InvoiceTotal,
    decimal PaidToDate, decimal BalanceAfter);
