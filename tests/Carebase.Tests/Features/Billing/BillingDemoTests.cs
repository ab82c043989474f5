using Carebase.Api.Features.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Billing;

public sealed class BillingDemoTests
{
    [Fact]
    public async Task Demo_invoices_cover_every_status_under_gapless_numbers_the_portal_patient_has_theirs_and_freshening_moves_payments()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("demobilling"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var desk = await app.SignInAsync("reception@general.demo", DemoData.Password);
        var invoices = (await (await desk.GetAsync("/api/v1/invoices?pageSize=200")).ItemsAsync()).Select(i => i!).ToList();
        foreach (var status in new[] { "DRAFT", "PARTIALLY_PAID", "PAID", "VOID" }) Assert.Contains(invoices, i => i.Str("status") == status);
        var numbers = invoices.Where(i => i["number"] is not null).GroupBy(i => i.Str("number")[4..8])
            .Select(g => g.Select(i => int.Parse(i.Str("number")[9..])).Order().ToList());
        Assert.All(numbers, n => Assert.Equal(Enumerable.Range(1, n.Count), n));
        Assert.Contains(invoices, i => i.Str("status") == "PARTIALLY_PAID" && i.Dec("paid") * 4 == i.Dec("total") * 3); // paid, then a quarter refunded

        using var patient = await app.SignInAsync("patient@general.demo", DemoData.Password);
        var mine = (await (await patient.GetAsync("/api/v1/invoices")).ItemsAsync()).Select(i => i!).ToList();
        Assert.NotEmpty(mine);
        var paid = mine.First(i => i.Str("status") == "PAID");
        var payment = (await (await patient.GetAsync($"/api/v1/invoices/{paid["id"]}/payments")).ItemsAsync())[0]!;

        await app.Services.GetRequiredService<DemoData>().FreshenAsync(7, default);
        var moved = (await (await patient.GetAsync($"/api/v1/invoices/{paid["id"]}/payments")).ItemsAsync())[0]!;
        Assert.Equal(TimeSpan.FromDays(7), moved["receivedAt"]!.GetValue<DateTimeOffset>() - payment["receivedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(payment.Dec("amount"), moved.Dec("amount"));
    }
}
