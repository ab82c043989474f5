using Carebase.Api.Features.Demo;

namespace Carebase.Tests.Features.Labs;

public sealed class LabsDemoTests
{
    [Fact]
    public async Task The_demo_laboratory_has_its_catalog_orders_in_every_status_and_the_portal_patients_verified_results()
    {
        var app = await CarebaseApp.SharedDemo();
        using var lab = await app.SignInAsync("lab@general.demo", DemoData.Password);
        Assert.Equal(46, (await (await lab.GetAsync("/api/v1/lab-tests?pageSize=1")).JsonAsync())["total"]!.GetValue<int>());
        var panels = await (await lab.GetAsync("/api/v1/lab-panels")).ItemsAsync();
        Assert.Equal(6, panels.Count);
        Assert.Equal(8, panels.Single(p => p!["code"]!.GetValue<string>() == "CBC")!["tests"]!.AsArray().Count);
        var statuses = (await (await lab.GetAsync("/api/v1/lab-orders?pageSize=200")).ItemsAsync()).Select(o => o!["status"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(["CANCELLED", "ORDERED", "RESULTED", "SAMPLE_COLLECTED", "VERIFIED"], statuses.Order());

        using var portal = await app.SignInAsync("patient@general.demo", DemoData.Password);
        var mine = await (await portal.GetAsync("/api/v1/lab-orders?sort=NEWEST")).ItemsAsync();
        Assert.Equal(3, mine.Count);
        Assert.All(mine, o => Assert.Equal("VERIFIED", o!["status"]!.GetValue<string>()));
        var first = await (await portal.GetAsync($"/api/v1/lab-orders/{mine[^1]!["id"]}")).JsonAsync();
        Assert.Contains(first["items"]!.AsArray().SelectMany(i => i!["results"]!.AsArray()), r => r!["status"]!.GetValue<string>() == "CORRECTED");
    }
}
