using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Billing;

/// <summary>The billing invariants, raced for real: many requests released at once through the whole pipeline.</summary>
public sealed class BillingRaceTests
{
    [Fact]
    public async Task Twenty_invoices_issued_at_once_get_the_numbers_1_to_20_without_gap_or_duplicate()
    {
        var kit = await BillingKit.CreateAsync();
        var patient = (await kit.NewPatientAsync()).Id();
        var drafts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => kit.DraftAsync(patient, BillingKit.Item(10 + i))));
        var responses = await BillingKit.Race(drafts.Select(d => (Func<Task<HttpResponseMessage>>)(() => kit.Desk.PostAsync($"/api/v1/invoices/{d.Id()}/issue", null))));
        var numbers = new List<string>();
        foreach (var r in responses) numbers.Add((await r.JsonAsync()).Str("number"));
        var year = TimeProvider.System.GetUtcNow().Year;
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"INV-{year}-{n:D6}"), numbers.Order(StringComparer.Ordinal));
        Assert.Equal(20, await TestDatabase.ScalarAsync<int>($"SELECT last_number FROM {kit.Tenant.Schema}.invoice_number_counters WHERE year = $1", year));
    }

    [Fact]
    public async Task Thirty_two_payments_at_once_take_exactly_what_fits_and_the_rest_are_409()
    {
        var kit = await BillingKit.CreateAsync();
        var id = (await kit.IssuedAsync(100m)).Id();
        // 32 × 7.00 against 100.00: 14 fit (98.00), 18 would overpay.
        var responses = await BillingKit.Race(Enumerable.Range(0, 32).Select(_ => (Func<Task<HttpResponseMessage>>)(() => kit.PayAsync(id, 7m))));
        Assert.Equal(14, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.Created)) await r.ShouldBeProblemAsync(HttpStatusCode.Conflict, "overpayment");
        var invoice = await kit.InvoiceAsync(id);
        Assert.Equal(("PARTIALLY_PAID", 98.00m), (invoice.Str("status"), invoice.Dec("paid")));
        Assert.Equal(98.00m, await TestDatabase.ScalarAsync<decimal>($"SELECT sum(amount) FROM {kit.Tenant.Schema}.payments WHERE invoice_id = $1", id));
    }

    [Fact]
    public async Task Racing_refunds_of_one_payment_never_refund_more_than_it()
    {
        var kit = await BillingKit.CreateAsync();
        var id = (await kit.IssuedAsync(50m)).Id();
        var payment = (await (await kit.PayAsync(id, 50m)).JsonAsync(HttpStatusCode.Created)).Id();
        var responses = await BillingKit.Race(Enumerable.Range(0, 12).Select(_ => (Func<Task<HttpResponseMessage>>)(() => kit.RefundAsync(id, payment, 15m))));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.Created)) await r.ShouldBeProblemAsync(HttpStatusCode.Conflict, "refund_exceeds_payment");
        Assert.Equal(5.00m, (await kit.InvoiceAsync(id)).Dec("paid"));
    }
}
