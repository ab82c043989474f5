using Carebase.Api.Features.Demo;

namespace Carebase.Tests.Features.Admissions;

public sealed class AdmissionsDemoTests
{
    [Fact]
    public async Task The_demo_hospitals_have_wards_current_inpatients_past_discharges_and_beds_cleaning_or_out_of_service()
    {
        var app = await CarebaseApp.SharedDemo();
        foreach (var slug in new[] { "general", "sunrise" })
        {
            using var desk = await app.SignInAsync($"reception@{slug}.demo", DemoData.Password);
            var census = await (await desk.GetAsync("/api/v1/wards/occupancy")).JsonAsync();
            var wards = census["wards"]!.AsArray();
            Assert.InRange(wards.Count, 4, 6);
            Assert.InRange(census["totalBeds"]!.GetValue<int>(), 60, 100);
            Assert.True(wards.Count(w => w!["patients"]!.AsArray().Count > 0) >= 4, "inpatients across the wards");
            Assert.InRange(census["activeAdmissions"]!.GetValue<int>(), 20, 60);
            Assert.True(wards.Sum(w => w!["bedsByStatus"]!["CLEANING"]!.GetValue<int>()) >= 3);
            Assert.True(wards.Sum(w => w!["bedsByStatus"]!["OUT_OF_SERVICE"]!.GetValue<int>()) >= 3);
            Assert.NotEmpty(census["withoutBed"]!.AsArray());

            using var doctor = await app.SignInAsync($"doctor@{slug}.demo", DemoData.Password);
            var past = await (await doctor.GetAsync("/api/v1/admissions?status=DISCHARGED&pageSize=200")).JsonAsync();
            Assert.True(past["total"]!.GetValue<int>() >= 30);
            var one = past["items"]!.AsArray()[0]!["id"]!.GetValue<Guid>();
            var admission = await (await doctor.GetAsync($"/api/v1/admissions/{one}")).JsonAsync();
            Assert.NotNull(admission["dischargeSummary"]);
            await (await doctor.GetAsync($"/api/v1/admissions/{one}/discharge-summary/pdf")).EnsureStatusAsync(HttpStatusCode.OK);
        }
    }
}
