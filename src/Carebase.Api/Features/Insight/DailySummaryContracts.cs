using System.ComponentModel;
using Carebase.Api.Features.Billing;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Insight;

/// <summary>Query of the daily summary: the hospital's local day (today when left out) and json or csv.</summary>
public sealed record DailySummaryQuery(
    DateOnly? Date,
    [property: OneOf(typeof(DailySummaryQuery), nameof(DailySummaryQuery.Formats)), Description("json (default) or csv (one row per figure: section, name, currency, value).")]
    string? Format)
{
    public static readonly string[] Formats = ["json", "csv"];
}

/// <summary>
/// What happened on one day of the hospital, counted over its local day (<c>from</c> included, <c>to</c> excluded, in
/// the hospital's time zone: a day of a daylight-saving change has 23 or 25 hours). Appointments and queue tokens count
/// by the local day they are for; everything else by when it happened. <c>outstandingAsOf</c> is the instant the
/// outstanding balances are taken at: the end of the day, or now while the day is not over.
/// </summary>
public sealed record DailySummaryResponse(
    DateOnly Date, string Timezone, DateTimeOffset From, DateTimeOffset To, DateTimeOffset OutstandingAsOf,
    DailyPatients Patients, DailyStatusCounts Visits, DailyStatusCounts Appointments, DailyStatusCounts QueueTokens,
    DailyPrescriptions Prescriptions, DailyLabs Labs, IReadOnlyList<DailyBilling> Billing);

/// <summary><c>seen</c>: distinct patients with a visit started that day; <c>registered</c>: records created that day (not since deleted or merged away).</summary>
public sealed record DailyPatients(int Seen, int Registered);

/// <summary>How many there were, and how many are in each status now (every status named, zeros included).</summary>
public sealed record DailyStatusCounts(int Total, IReadOnlyDictionary<string, int> ByStatus);

/// <summary><c>issued</c>: prescriptions issued that day; <c>dispensings</c>: dispensings made that day, of <c>prescriptionsDispensed</c> prescriptions.</summary>
public sealed record DailyPrescriptions(int Issued, int Dispensings, int PrescriptionsDispensed);

/// <summary>Lab orders placed, samples collected, orders fully resulted, orders first verified and orders cancelled that day.</summary>
public sealed record DailyLabs(int Ordered, int Collected, int Resulted, int Verified, int Cancelled);

/// <summary>
/// Money of one currency (the hospital's first; another only when invoices were drafted before the hospital changed its
/// currency), exact and written with the currency's decimals. <c>invoicesIssued</c> and <c>invoicedTotal</c>: invoices issued
/// that day (a later void included); <c>invoicesVoided</c>: issued invoices voided that day. <c>received</c> is what payments brought that day,
/// <c>refunded</c> what refunds gave back (positive), <c>netRevenue</c> the difference; <c>revenueByMethod</c> splits
/// them by payment method (a refund counts against its payment's method). <c>outstanding</c> is what the issued, not
/// void invoices still owed at <c>outstandingAsOf</c>, over <c>outstandingInvoices</c> invoices.
/// </summary>
public sealed record DailyBilling(
    [property: OneOf(typeof(Tenants.TenantRules), nameof(Tenants.TenantRules.Currencies))] string Currency,
    int InvoicesIssued, decimal InvoicedTotal, int InvoicesVoided, decimal Received, decimal Refunded, decimal NetRevenue,
    IReadOnlyList<DailyRevenue> RevenueByMethod, int OutstandingInvoices, decimal Outstanding);

public sealed record DailyRevenue(
    [property: OneOf(typeof(PaymentValues), nameof(PaymentValues.Methods))] string Method, decimal Received, decimal Refunded, decimal Net);
