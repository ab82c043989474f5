using System.Globalization;
using Carebase.Api.Platform.Pdf;

namespace Carebase.Api.Features.Billing;

/// <summary>The hospital as an invoice names it: its name and how to reach it.</summary>
public sealed record InvoiceIssuer(string Name, string? Address, string? Phone, string? Email);

/// <summary>
/// The printable invoice: the hospital and its contact, the number and dates, the patient, each line (quantity, unit
/// price, discount, tax, total), the invoice discount and the totals, every payment and refund, what is paid and the
/// balance. Amounts carry the currency's minor unit (JPY none, KWD three). A draft prints watermarked DRAFT and a void
/// one VOID, so neither can pass for a bill to pay.
/// </summary>
public static class InvoicePdf
{
    static readonly double[] LineColumns = [0.34, 0.08, 0.14, 0.14, 0.15, 0.15];
    static readonly double[] PaymentColumns = [0.16, 0.20, 0.28, 0.18, 0.18];
    static readonly double[] TotalColumns = [0.70, 0.30];

    public static byte[] Render(InvoiceResponse invoice, IReadOnlyList<PaymentResponse> payments, InvoiceIssuer issuer, TimeZoneInfo zone, string paper)
    {
        var watermark = invoice.Status switch { InvoiceValues.Draft => "DRAFT", InvoiceValues.Void => "VOID", _ => null };
        string c = invoice.Currency;
        string Money(decimal amount) => Format(amount, c);
        string Day(DateTimeOffset at, string format = "d MMMM yyyy") => TimeZoneInfo.ConvertTime(at, zone).ToString(format, CultureInfo.InvariantCulture);

        using var pdf = new PdfPageWriter($"Invoice {invoice.Number ?? "(draft)"}", paper, watermark, invoice.IssuedAt ?? invoice.CreatedAt);
        pdf.Heading(issuer.Name, 18);
        var contact = string.Join(" · ", new[] { issuer.Address, issuer.Phone, issuer.Email }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (contact.Length > 0) pdf.Paragraph(contact);
        pdf.Paragraph(invoice.Status == InvoiceValues.Void ? "Invoice — VOID" : "Invoice");
        pdf.Rule();
        pdf.Field("Invoice no.", invoice.Number ?? "DRAFT — not issued");
        pdf.Field("Status", invoice.Status.Replace('_', ' '));
        pdf.Field(invoice.IssuedAt is null ? "Drafted" : "Issued", Day(invoice.IssuedAt ?? invoice.CreatedAt));
        if (invoice.Status == InvoiceValues.Void)
            pdf.Field("Voided", $"{(invoice.VoidedAt is { } at ? Day(at) : "")} — {invoice.VoidReason}");
        pdf.Field("Currency", c);
        pdf.Space(6);
        pdf.Field("Patient", invoice.PatientName);
        pdf.Field("Patient code", invoice.PatientCode);
        pdf.Space(8);

        pdf.Row(["Description", "Qty", "Unit price", "Discount", "Tax", "Total"], LineColumns, bold: true);
        foreach (var (line, n) in invoice.Lines.Select((l, i) => (l, i + 1)))
        {
            pdf.Row([$"{n}. {line.Description}", line.Quantity.ToString("0.###", CultureInfo.InvariantCulture), Price(line.UnitPrice, c),
                line.LineDiscount == 0 ? "" : $"-{Money(line.LineDiscount)}",
                $"{Money(line.Tax)} ({line.TaxRate.ToString("0.####", CultureInfo.InvariantCulture)}%)", Money(line.Total)], LineColumns);
            pdf.Space(2);
        }
        pdf.Rule();

        var lineDiscounts = invoice.Lines.Sum(l => l.LineDiscount);
        var invoiceDiscount = invoice.Lines.Sum(l => l.InvoiceDiscount);
        pdf.Row(["Subtotal", Money(invoice.Subtotal)], TotalColumns);
        if (lineDiscounts != 0) pdf.Row(["Line discounts", $"-{Money(lineDiscounts)}"], TotalColumns);
        if (invoice.Discount is { } d)
            pdf.Row([$"Invoice discount ({(d.Kind == Discount.Percent ? $"{d.Value.ToString("0.####", CultureInfo.InvariantCulture)}%" : Money(d.Value))})",
                $"-{Money(invoiceDiscount)}"], TotalColumns);
        pdf.Row(["Taxes", Money(invoice.TaxTotal)], TotalColumns);
        pdf.Row([$"Total ({c})", Money(invoice.Total)], TotalColumns, bold: true);

        if (payments.Count > 0)
        {
            pdf.Space(10);
            pdf.Heading("Payments and refunds", 12);
            pdf.Row(["Date", "Method", "Reference", "Receipt", "Amount"], PaymentColumns, bold: true);
            foreach (var p in payments)
                pdf.Row([Day(p.ReceivedAt, "d MMM yyyy"), p.Kind == PaymentValues.Refund ? $"Refund ({Method(p.Method)})" : Method(p.Method),
                    string.Join(" ", new[] { p.ClaimReference, p.Reference, p.Reason }.Where(s => !string.IsNullOrWhiteSpace(s))),
                    p.ReceiptNumber, Money(p.Amount)], PaymentColumns);
            pdf.Rule();
        }
        pdf.Row(["Amount paid", Money(invoice.Paid)], TotalColumns);
        pdf.Row([$"Balance due ({c})", Money(invoice.Balance)], TotalColumns, bold: true);
        if (invoice.Notes is { } notes) pdf.Field("Notes", notes);
        pdf.Small($"Amounts in {c}, rounded half away from zero to the currency's minor unit per line; totals are sums of the rounded lines.");
        return pdf.ToArray();
    }

    /// <summary>An amount with exactly the currency's decimals and thousands separated (1,500 JPY; 1,234.50 USD; 9.074 KWD).</summary>
    public static string Format(decimal amount, string currency) =>
        InvoiceMath.Round(amount, InvoiceMath.Decimals(currency)).ToString("N" + InvoiceMath.Decimals(currency), CultureInfo.InvariantCulture);

    /// <summary>A unit price: the currency's decimals, and up to the 4 a price may have when it has more (0.3456 USD).</summary>
    static string Price(decimal price, string currency)
    {
        var d = InvoiceMath.Decimals(currency);
        return price.ToString("#,##0." + new string('0', d) + new string('#', 4 - d), CultureInfo.InvariantCulture);
    }

    static string Method(string method) => method.Replace('_', ' ');
}
