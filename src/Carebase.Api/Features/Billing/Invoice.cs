using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Billing;

public static class InvoiceValues
{
    public const string Draft = "DRAFT", Issued = "ISSUED", PartiallyPaid = "PARTIALLY_PAID", Paid = "PAID", Void = "VOID";
    public static readonly string[] Statuses = [Draft, Issued, PartiallyPaid, Paid, Void];
    public static readonly string[] LineKinds = ["CONSULTATION", "MEDICINE", "LAB", "PROCEDURE", "BED", "OTHER"];
    /// <summary>How bed-days are counted at discharge (a billing setting; counted by the admissions area).</summary>
    public static readonly string[] BedDayRules = ["CALENDAR_DAYS", "MIDNIGHTS"];
}

/// <summary>
/// An invoice in the hospital's currency. A DRAFT takes lines and a discount; issuing (<see cref="InvoiceDesk.IssueAsync"/>)
/// gives it its number and makes it immutable (the database refuses changes to an issued invoice's amounts and lines);
/// payments move it ISSUED → PARTIALLY_PAID → PAID and refunds back; it is voided with a reason only while nothing is paid.
/// </summary>
public sealed class Invoice
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid? VisitId { get; init; }
    public Guid? AdmissionId { get; init; }
    public string? Number { get; private set; }
    public int? Year { get; private set; }
    public string Status { get; private set; } = InvoiceValues.Draft;
    public string Currency { get; init; } = "USD";
    public string? DiscountKind { get; private set; }
    public decimal? DiscountValue { get; private set; }
    public decimal Subtotal { get; private set; }
    public decimal DiscountTotal { get; private set; }
    public decimal TaxTotal { get; private set; }
    public decimal Total { get; private set; }
    public decimal Paid { get; private set; }
    public string? Notes { get; set; }
    public string? VoidReason { get; private set; }
    public DateTimeOffset? IssuedAt { get; private set; }
    public Guid? IssuedBy { get; private set; }
    public DateTimeOffset? VoidedAt { get; private set; }
    public Guid? VoidedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public decimal Balance => Total - Paid;
    public Discount? Discount => DiscountKind is null ? null : new Discount(DiscountKind, DiscountValue ?? 0);

    public static Invoice Draft(Guid patientId, Guid? visitId, string currency, Guid? by, DateTimeOffset now, Guid? admissionId = null) => new()
    {
        PatientId = patientId, VisitId = visitId, AdmissionId = admissionId, Currency = currency, CreatedAt = now, CreatedBy = by, UpdatedAt = now, UpdatedBy = by,
    };

    /// <summary>409 invoice_not_draft unless the invoice is still a draft (lines and discount change only then).</summary>
    public void EnsureDraft()
    {
        if (Status != InvoiceValues.Draft)
            throw new ConflictException("invoice_not_draft", $"The invoice is {Status}: an issued invoice is immutable (void it and bill again).");
    }

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }

    public void SetDiscount(Discount? discount)
    {
        EnsureDraft();
        (DiscountKind, DiscountValue) = (discount?.Kind, discount?.Value);
    }

    /// <summary>Recomputes the lines' amounts and the totals (<see cref="InvoiceMath"/>); the lines in their order.</summary>
    public void Recompute(IReadOnlyList<InvoiceLine> lines)
    {
        EnsureDraft();
        var amounts = InvoiceMath.Compute(lines.Select(l => l.Terms).ToList(), Discount, Currency);
        for (var i = 0; i < lines.Count; i++) lines[i].Apply(amounts.Lines[i]);
        (Subtotal, DiscountTotal, TaxTotal, Total) = (amounts.Subtotal, amounts.DiscountTotal, amounts.TaxTotal, amounts.Total);
    }

    /// <summary>Issued under a given number: demo seeding only (numbers otherwise come from the year's counter, <see cref="InvoiceDesk.IssueAsync"/>).</summary>
    internal void Issued(string number, int year, Guid? by, DateTimeOffset at)
    {
        EnsureDraft();
        (Number, Year, Status, IssuedAt, IssuedBy) = (number, year, InvoiceValues.Issued, at, by);
        Touch(by, at);
    }

    /// <summary>A payment (positive) or a refund (negative) changes what is paid and with it the status.</summary>
    public void Record(decimal amount, Guid? by, DateTimeOffset now)
    {
        EnsurePayable();
        Paid += amount;
        Status = Paid == 0 ? InvoiceValues.Issued : Paid < Total ? InvoiceValues.PartiallyPaid : InvoiceValues.Paid;
        Touch(by, now);
    }

    /// <summary>409 invoice_not_payable for a draft or a void invoice: money moves on issued invoices only.</summary>
    public void EnsurePayable()
    {
        if (Status is InvoiceValues.Draft or InvoiceValues.Void)
            throw new ConflictException("invoice_not_payable", $"The invoice is {Status}: payments are taken on issued invoices only.");
    }

    /// <summary>VOID with a reason: a draft, or an issued invoice with nothing paid (refund first); its number stays used.</summary>
    public void MakeVoid(string reason, Guid? by, DateTimeOffset now)
    {
        if (Status == InvoiceValues.Void) throw new ConflictException("invoice_void", "The invoice is already void.");
        if (Paid != 0)
            throw new ConflictException("refund_first", "The invoice has payments: refund them (POST /invoices/{id}/refunds) before voiding it.");
        (Status, VoidReason, VoidedAt, VoidedBy) = (InvoiceValues.Void, reason, now, by);
        Touch(by, now);
    }
}

/// <summary>A line of an invoice; its amounts are computed by <see cref="InvoiceMath"/> whenever the draft changes.</summary>
public sealed class InvoiceLine
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid InvoiceId { get; init; }
    public int Position { get; init; }
    public string Kind { get; init; } = "OTHER";
    public string Description { get; init; } = "";
    public string? SourceType { get; init; }
    public Guid? SourceId { get; init; }
    public decimal Quantity { get; init; }
    public decimal UnitPrice { get; init; }
    public string? DiscountKind { get; init; }
    public decimal? DiscountValue { get; init; }
    public decimal TaxRate { get; init; }
    public decimal Gross { get; private set; }
    public decimal LineDiscount { get; private set; }
    public decimal InvoiceDiscount { get; private set; }
    public decimal Net { get; private set; }
    public decimal Tax { get; private set; }
    public decimal Total { get; private set; }
    public bool InvoiceVoided { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }

    public LineTerms Terms => new(Quantity, UnitPrice, DiscountKind is null ? null : new Discount(DiscountKind, DiscountValue ?? 0), TaxRate);

    public void Apply(LineAmounts a) => (Gross, LineDiscount, InvoiceDiscount, Net, Tax, Total) = (a.Gross, a.LineDiscount, a.InvoiceDiscount, a.Net, a.Tax, a.Total);
}

public static class PaymentValues
{
    public const string Payment = "PAYMENT", Refund = "REFUND";
    public static readonly string[] Kinds = [Payment, Refund];
    public const string Insurance = "INSURANCE";
    public static readonly string[] Methods = ["CASH", "CARD", "UPI", "BANK_TRANSFER", Insurance];
}

/// <summary>An entry of the payment ledger: a payment (positive) or a refund (negative, naming the payment it reverses). Never changed.</summary>
public sealed class Payment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid InvoiceId { get; init; }
    public string Kind { get; init; } = PaymentValues.Payment;
    public string Method { get; init; } = "CASH";
    public decimal Amount { get; init; }
    public Guid? RefundsPaymentId { get; init; }
    public string? ClaimReference { get; init; }
    public string? Reference { get; init; }
    public string? Reason { get; init; }
    /// <summary>RCP-00000123, from the hospital's sequence (set by the database).</summary>
    public string ReceiptNumber { get; private set; } = null!;
    public DateTimeOffset ReceivedAt { get; init; }
    public Guid? ReceivedBy { get; init; }
}

/// <summary>The hospital's billing settings (one row): default tax rates per line kind and the dispensing rule.</summary>
public sealed class BillingSettings
{
    public bool Id { get; init; } = true;
    public decimal ConsultationTaxRate { get; set; }
    public decimal MedicineTaxRate { get; set; }
    public decimal LabTaxRate { get; set; }
    public decimal ProcedureTaxRate { get; set; }
    public decimal BedTaxRate { get; set; }
    public decimal OtherTaxRate { get; set; }
    /// <summary>The pharmacy dispenses only what a paid invoice covers.</summary>
    public bool DispensingRequiresPaidInvoice { get; set; }
    /// <summary>How bed-days are counted at discharge: CALENDAR_DAYS or MIDNIGHTS (see Admissions.BedDays).</summary>
    public string BedDayRule { get; set; } = "MIDNIGHTS";
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public decimal TaxRateOf(string kind) => kind switch
    {
        "CONSULTATION" => ConsultationTaxRate, "MEDICINE" => MedicineTaxRate, "LAB" => LabTaxRate, "PROCEDURE" => ProcedureTaxRate,
        "BED" => BedTaxRate, _ => OtherTaxRate,
    };

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }
}

sealed class BillingConfiguration : IEntityTypeConfiguration<Invoice>, IEntityTypeConfiguration<InvoiceLine>, IEntityTypeConfiguration<Payment>,
    IEntityTypeConfiguration<BillingSettings>
{
    public void Configure(EntityTypeBuilder<Invoice> e)
    {
        e.ToTable("invoices");
        e.Property(i => i.Version).IsConcurrencyToken();
        e.Property(i => i.Currency).HasColumnType("char(3)");
        e.Ignore(i => i.Balance);
        e.Ignore(i => i.Discount);
    }

    public void Configure(EntityTypeBuilder<InvoiceLine> e)
    {
        e.ToTable("invoice_lines");
        e.HasOne<Invoice>().WithMany().HasForeignKey(l => l.InvoiceId); // so a unit of work inserts the invoice first
        e.Ignore(l => l.Terms);
    }

    public void Configure(EntityTypeBuilder<Payment> e)
    {
        e.ToTable("payments");
        e.HasOne<Invoice>().WithMany().HasForeignKey(p => p.InvoiceId);
        e.Property(p => p.ReceiptNumber).ValueGeneratedOnAdd();
    }

    public void Configure(EntityTypeBuilder<BillingSettings> e)
    {
        e.ToTable("billing_settings");
        e.Property(s => s.Id).ValueGeneratedNever();
        e.Property(s => s.Version).IsConcurrencyToken();
    }
}
