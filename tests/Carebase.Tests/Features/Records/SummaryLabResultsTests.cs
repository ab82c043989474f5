using System.Text.Json.Nodes;
using Carebase.Tests.Features.Labs;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Records;

/// <summary>The summary's latest verified lab results: only verified values, each test's latest one, the same for the patient.</summary>
public sealed class SummaryLabResultsTests(LabsFixture f) : IClassFixture<LabsFixture>
{
    [Fact]
    public async Task The_summary_shows_verified_results_only_and_the_portal_patient_sees_the_same_ones()
    {
        var patient = await f.PatientAsync(gender: "FEMALE");
        var url = $"/api/v1/patients/{patient.Id()}/summary";
        var blood = await f.CollectedAsync(patient.Id(), [f.Hemoglobin, f.Potassium]);
        blood = await (await f.ResultsAsync(f.Tech, blood, new { itemId = LabsFixture.Item(blood, 0), value = 11.0m },
            new { itemId = LabsFixture.Item(blood, 1), value = 4.2m })).JsonAsync();
        // Resulted, not verified: nothing yet.
        var s = await (await f.Doctor.GetAsync(url)).JsonAsync();
        Assert.Empty(s["labResults"]!["latest"]!.AsArray());
        Assert.Equal(0, s["labResults"]!["abnormal"]!.GetValue<int>());

        await (await f.OtherTech.PostAsync($"/api/v1/lab-orders/{blood.Id()}/verify", null)).EnsureStatusAsync(HttpStatusCode.OK);
        // A second order, resulted but never verified, stays out.
        var urine = await f.CollectedAsync(patient.Id(), [f.Nitrite]);
        await (await f.ResultsAsync(f.Tech, urine, new { itemId = LabsFixture.Item(urine), valueCode = "POSITIVE" })).EnsureStatusAsync(HttpStatusCode.OK);

        var labs = (await (await f.Doctor.GetAsync(url)).JsonAsync())["labResults"]!;
        var latest = labs["latest"]!.AsArray();
        Assert.Equal(["HGB", "K"], latest.Select(r => r!.Str("testCode")));
        var hgb = latest[0]!;
        Assert.Equal(("Hemoglobin", 11.0m, "g/dL", "FINAL"), (hgb.Str("testName"), hgb["value"]!.GetValue<decimal>(), hgb.Str("unit"), hgb.Str("status")));
        Assert.Equal(["LOW"], hgb["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(blood.Id(), hgb["orderId"]!.GetValue<Guid>());
        Assert.NotNull(hgb["verifiedAt"]);
        Assert.Empty(latest[1]!["flags"]!.AsArray());
        Assert.Equal(1, labs["abnormal"]!.GetValue<int>());

        // A correction waits for its own verification: the verified value stays (CORRECTED) until then.
        var potassium = blood["items"]![1]!["results"]![0]!.Str("id");
        var corrected = await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-results/{potassium}/correct", new { value = 5.9m, reason = "Haemolysed sample" }))
            .JsonAsync(HttpStatusCode.Created);
        var k = (await (await f.Doctor.GetAsync(url)).JsonAsync())["labResults"]!["latest"]!.AsArray().Single(r => r!.Str("testCode") == "K")!;
        Assert.Equal((potassium, "CORRECTED", 4.2m), (k.Str("id"), k.Str("status"), k["value"]!.GetValue<decimal>()));

        using var portal = await PatientKit.PortalClientAsync(f.App, f.Admin, patient.Id(), patient.Str("email"));
        var mine = (await (await portal.GetAsync(url)).JsonAsync())["labResults"]!;
        var staff = (await (await f.Doctor.GetAsync(url)).JsonAsync())["labResults"]!;
        Assert.Equal(Ids(staff), Ids(mine));
        Assert.Equal(1, mine["abnormal"]!.GetValue<int>());

        await (await f.OtherTech.PostAsync($"/api/v1/lab-orders/{blood.Id()}/verify", null)).EnsureStatusAsync(HttpStatusCode.OK);
        mine = (await (await portal.GetAsync(url)).JsonAsync())["labResults"]!;
        k = mine["latest"]!.AsArray().Single(r => r!.Str("testCode") == "K")!;
        Assert.Equal((corrected.Str("id"), "FINAL", 5.9m), (k.Str("id"), k.Str("status"), k["value"]!.GetValue<decimal>()));
        Assert.Equal(["HIGH"], k["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(2, mine["abnormal"]!.GetValue<int>());
        Assert.Equal(2, mine["latest"]!.AsArray().Count);
        Assert.Equal(Ids((await (await f.Doctor.GetAsync(url)).JsonAsync())["labResults"]!), Ids(mine));
    }

    static List<string> Ids(JsonNode labs) => labs["latest"]!.AsArray().Select(r => r!.Str("id")).ToList();
}
