namespace Carebase.Api.Features.Billing;

/// <summary>A discount: a percent (0–100) of what it applies to, or an amount in the invoice currency.</summary>
public sealed record Discount(string Kind, decimal Value)
{
    public const string Percent = "PERCENT", Amount = "AMOUNT";
    public static readonly string[] Kinds = [Percent, Amount];
}

/// <summary>What a line says: quantity, unit price, its own discount and its tax rate in percent.</summary>
public sealed record LineTerms(decimal Quantity, decimal UnitPrice, Discount? Discount, decimal TaxRate);

/// <summary>A line's amounts, each rounded to the currency's minor unit; <c>Net = Gross − LineDiscount − InvoiceDiscount</c>, <c>Total = Net + Tax</c>.</summary>
public sealed record LineAmounts(decimal Gross, decimal LineDiscount, decimal InvoiceDiscount, decimal Net, decimal Tax, decimal Total);

/// <summary>An invoice's amounts: its lines' and their sums (<c>Total = Subtotal − DiscountTotal + TaxTotal</c>).</summary>
public sealed record InvoiceAmounts(IReadOnlyList<LineAmounts> Lines, decimal Subtotal, decimal DiscountTotal, decimal TaxTotal, decimal Total);

/// <summary>
/// The one place invoice arithmetic happens, in <see cref="decimal"/> and in this order, per line:
/// <list type="number">
/// <item>gross = quantity × unit price, rounded;</item>
/// <item>line discount = a percent of the gross or an amount (rounded), never more than the gross;</item>
/// <item>the invoice discount (a percent of, or an amount up to, the sum of the lines after their own discounts, rounded) is
/// spread over the lines pro rata to that amount, in minor units by largest remainder, so the parts add up to it exactly
/// (ties go to the earlier line);</item>
/// <item>net = gross − both discounts; tax = net × the line's rate, rounded: tax comes after discounts;</item>
/// <item>total = net + tax.</item>
/// </list>
/// Every rounding is half away from zero to the currency's minor unit (ISO 4217: 0 decimals for JPY, KRW, VND, CLP…,
/// 3 for BHD, KWD, OMR, JOD, TND, IQD, LYD, 2 otherwise), and the invoice's totals are the sums of its rounded lines.
/// </summary>
public static class InvoiceMath
{
    static readonly HashSet<string> NoMinorUnit =
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"];
    static readonly HashSet<string> ThreeDecimals = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

    /// <summary>Decimals of the currency's minor unit (ISO 4217).</summary>
    public static int Decimals(string currency) => NoMinorUnit.Contains(currency) ? 0 : ThreeDecimals.Contains(currency) ? 3 : 2;

    /// <summary>Half away from zero to <paramref name="decimals"/> places.</summary>
    public static decimal Round(decimal amount, int decimals) => Math.Round(amount, decimals, MidpointRounding.AwayFromZero);

    /// <summary>The amount written with exactly the currency's decimals (10.000 in USD answers 10.00; 1500.00 in JPY answers 1500).</summary>
    public static decimal Scaled(decimal amount, string currency)
    {
        var d = Decimals(currency);
        return Round(amount, d) + d switch { 0 => 0m, 2 => 0.00m, _ => 0.000m };
    }

    /// <summary>True when <paramref name="amount"/> needs no more decimals than the currency has.</summary>
    public static bool FitsMinorUnit(decimal amount, string currency) => Round(amount, Decimals(currency)) == amount;

    public static InvoiceAmounts Compute(IReadOnlyList<LineTerms> lines, Discount? invoiceDiscount, string currency)
    {
        var d = Decimals(currency);
        var gross = lines.Select(l => Round(l.Quantity * l.UnitPrice, d)).ToArray();
        var lineDiscount = lines.Select((l, i) => DiscountOf(l.Discount, gross[i], d)).ToArray();
        var afterLine = gross.Select((g, i) => g - lineDiscount[i]).ToArray();
        var spread = Spread(DiscountOf(invoiceDiscount, afterLine.Sum(), d), afterLine, d);
        var amounts = lines.Select((l, i) =>
        {
            var net = afterLine[i] - spread[i];
            var tax = Round(net * l.TaxRate / 100m, d);
            return new LineAmounts(gross[i], lineDiscount[i], spread[i], net, tax, net + tax);
        }).ToList();
        return new InvoiceAmounts(amounts, amounts.Sum(a => a.Gross), amounts.Sum(a => a.LineDiscount + a.InvoiceDiscount),
            amounts.Sum(a => a.Tax), amounts.Sum(a => a.Total));
    }

    /// <summary>A discount of <paramref name="basis"/>, rounded, between 0 and the basis.</summary>
    static decimal DiscountOf(Discount? discount, decimal basis, int decimals)
    {
        if (discount is null || basis <= 0) return 0m;
        var value = discount.Kind == Discount.Percent ? basis * discount.Value / 100m : discount.Value;
        return Math.Min(Round(value, decimals), basis);
    }

    /// <summary>
    /// <paramref name="amount"/> split over <paramref name="weights"/> pro rata, in minor units: each line gets the floor
    /// of its exact share, and the units left over go one each to the largest remainders (then the earlier line).
    /// </summary>
    static decimal[] Spread(decimal amount, decimal[] weights, int decimals)
    {
        var parts = new decimal[weights.Length];
        var sum = weights.Sum();
        if (amount <= 0 || sum <= 0) return parts;
        var unit = 1m / Pow10(decimals);
        var units = amount / unit;
        var remainders = new decimal[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = units * weights[i] / sum;
            var whole = Math.Floor(exact);
            parts[i] = whole;
            remainders[i] = exact - whole;
        }
        var left = (int)(units - parts.Sum());
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(left)) parts[i] += 1;
        return parts.Select(p => p * unit).ToArray();
    }

    static decimal Pow10(int n) => n switch { 0 => 1m, 1 => 10m, 2 => 100m, _ => 1000m };
}
