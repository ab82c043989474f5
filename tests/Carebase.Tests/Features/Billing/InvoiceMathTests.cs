using Carebase.Api.Features.Billing;

namespace Carebase.Tests.Features.Billing;

/// <summary>Invoice arithmetic to the minor unit: discount base, tax after discount, rounding half away from zero, currencies with 0 and 3 decimals.</summary>
public sealed class InvoiceMathTests
{
    static LineTerms Line(decimal qty, decimal price, decimal tax = 0, Discount? discount = null) => new(qty, price, discount, tax);

    [Fact]
    public void A_line_discount_comes_off_the_gross_and_tax_is_charged_on_what_is_left()
    {
        // 3 × 19.99 = 59.97; 10 % off = 5.997 → 6.00; net 53.97; 18 % tax = 9.7146 → 9.71.
        var a = InvoiceMath.Compute([Line(3, 19.99m, 18, new Discount(Discount.Percent, 10))], null, "USD");
        Assert.Equal(new LineAmounts(59.97m, 6.00m, 0m, 53.97m, 9.71m, 63.68m), a.Lines[0]);
        Assert.Equal((59.97m, 6.00m, 9.71m, 63.68m), (a.Subtotal, a.DiscountTotal, a.TaxTotal, a.Total));
    }

    [Fact]
    public void Rounding_is_half_away_from_zero_per_line_and_totals_are_sums_of_rounded_lines()
    {
        // Each line's tax is 0.125 → 0.13 (half away from zero, not to even); the total is 2 × 0.13, not round(0.25).
        var a = InvoiceMath.Compute([Line(1, 2.50m, 5), Line(1, 2.50m, 5)], null, "USD");
        Assert.All(a.Lines, l => Assert.Equal(0.13m, l.Tax));
        Assert.Equal(0.26m, a.TaxTotal);
        Assert.Equal(5.26m, a.Total);
        Assert.Equal(0.13m, InvoiceMath.Round(0.125m, 2));
        Assert.Equal(-0.13m, InvoiceMath.Round(-0.125m, 2));
        Assert.Equal(1m, InvoiceMath.Round(0.5m, 0));
    }

    [Fact]
    public void An_invoice_discount_is_spread_pro_rata_by_largest_remainder_and_adds_up_exactly()
    {
        // 10.00 off three lines of 10.00: 3.33 each and the cent left over to the first (ties go to the earlier line).
        var a = InvoiceMath.Compute([Line(1, 10), Line(1, 10), Line(1, 10)], new Discount(Discount.Amount, 10), "USD");
        Assert.Equal(new[] { 3.34m, 3.33m, 3.33m }, a.Lines.Select(l => l.InvoiceDiscount));
        Assert.Equal(10.00m, a.DiscountTotal);
        Assert.Equal(20.00m, a.Total);

        // Pro rata to the lines' amounts after their own discounts, and tax on each discounted net.
        var b = InvoiceMath.Compute([Line(1, 100, 10, new Discount(Discount.Amount, 20)), Line(2, 10, 0)], new Discount(Discount.Percent, 10), "USD");
        // After line discounts: 80 and 20 (base 100); 10 % = 10.00 → 8.00 and 2.00.
        Assert.Equal(new[] { 8.00m, 2.00m }, b.Lines.Select(l => l.InvoiceDiscount));
        Assert.Equal(new[] { 72.00m, 18.00m }, b.Lines.Select(l => l.Net));
        Assert.Equal(7.20m, b.Lines[0].Tax);
        Assert.Equal((120m, 30.00m, 7.20m, 97.20m), (b.Subtotal, b.DiscountTotal, b.TaxTotal, b.Total));
        Assert.Equal(b.Total, b.Subtotal - b.DiscountTotal + b.TaxTotal);
    }

    [Fact]
    public void Discounts_never_take_a_line_or_the_invoice_below_zero()
    {
        var a = InvoiceMath.Compute([Line(1, 5, 10, new Discount(Discount.Amount, 8)), Line(1, 3)], new Discount(Discount.Amount, 50), "USD");
        Assert.Equal(5m, a.Lines[0].LineDiscount);
        Assert.All(a.Lines, l => Assert.Equal(0m, l.Net));
        Assert.Equal(0m, a.Total);
        Assert.Equal(8m, a.DiscountTotal);
    }

    [Fact]
    public void Yen_has_no_minor_unit()
    {
        // 3 × 333.5 = 1000.5 → 1001; 8 % of (1001 − 100) = 72.08 → 72.
        var a = InvoiceMath.Compute([Line(3, 333.5m, 8, new Discount(Discount.Amount, 100))], null, "JPY");
        Assert.Equal(new LineAmounts(1001m, 100m, 0m, 901m, 72m, 973m), a.Lines[0]);
        // 100 yen off three equal lines: 34, 33, 33.
        var b = InvoiceMath.Compute([Line(1, 500), Line(1, 500), Line(1, 500)], new Discount(Discount.Amount, 100), "JPY");
        Assert.Equal(new[] { 34m, 33m, 33m }, b.Lines.Select(l => l.InvoiceDiscount));
        Assert.Equal(0, InvoiceMath.Decimals("JPY"));
        Assert.True(InvoiceMath.FitsMinorUnit(1500m, "JPY"));
        Assert.False(InvoiceMath.FitsMinorUnit(1500.5m, "JPY"));
        Assert.Equal("1500", InvoiceMath.Scaled(1500.00m, "JPY").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Kuwaiti_dinar_has_three_decimals()
    {
        // 7 × 1.2345 = 8.6415 → 8.642; 5 % tax = 0.4321 → 0.432.
        var a = InvoiceMath.Compute([Line(7, 1.2345m, 5)], null, "KWD");
        Assert.Equal(new LineAmounts(8.642m, 0m, 0m, 8.642m, 0.432m, 9.074m), a.Lines[0]);
        // 0.010 off three lines: 0.004, 0.003, 0.003.
        var b = InvoiceMath.Compute([Line(1, 1), Line(1, 1), Line(1, 1)], new Discount(Discount.Amount, 0.01m), "KWD");
        Assert.Equal(new[] { 0.004m, 0.003m, 0.003m }, b.Lines.Select(l => l.InvoiceDiscount));
        Assert.Equal(3, InvoiceMath.Decimals("KWD"));
        Assert.Equal(2, InvoiceMath.Decimals("INR"));
        Assert.Equal("10.000", InvoiceMath.Scaled(10m, "KWD").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("10.00", InvoiceMath.Scaled(10.000m, "USD").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
