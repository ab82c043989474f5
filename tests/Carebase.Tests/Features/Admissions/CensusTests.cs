using System.Text.Json.Nodes;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Admissions;

/// <summary>The census figures, in the hospital's timezone (Kolkata, UTC+05:30, so UTC and local days differ).</summary>
public sealed class CensusTests
{
    [Fact]
    public async Task The_census_counts_beds_occupancy_inpatients_and_admissions_and_discharges_per_local_day()
    {
        var k = await AdmissionsKit.CreateAsync("Asia/Kolkata");
        var wardA = (await k.WardAsync(100m, name: "A ward")).Id();
        var (a1, a2, _) = (await k.BedAsync(wardA, "A1"), await k.BedAsync(wardA, "A2"), await k.BedAsync(wardA, "A3"));
        var wardB = (await k.WardAsync(100m, "ICU", name: "B ward")).Id();
        var (b1, b2) = (await k.BedAsync(wardB, "B1"), await k.BedAsync(wardB, "B2"));
        await (await k.Admin.PatchAsJsonAsync($"/api/v1/wards/{wardA}/beds/{a2}", new { status = "OUT_OF_SERVICE" })).EnsureStatusAsync(HttpStatusCode.OK);

        var p1 = await k.PatientAsync();
        await k.AdmittedAsync(p1, a1, DateTimeOffset.Parse("2026-11-20T20:00:00Z"));                 // 21 Nov 01:30 local
        var p2 = (await k.AdmittedAsync(await k.PatientAsync(), b1, DateTimeOffset.Parse("2026-11-19T10:00:00Z"))).IdAt("id"); // 19 Nov
        await (await k.DischargeAsync(p2, DateTimeOffset.Parse("2026-11-21T19:00:00Z"))).EnsureStatusAsync(HttpStatusCode.OK); // 22 Nov 00:30: 3 midnights
        var p3 = (await k.AdmittedAsync(await k.PatientAsync(), null, DateTimeOffset.Parse("2026-11-20T05:00:00Z"))).IdAt("id"); // 20 Nov
        await (await k.DischargeAsync(p3, DateTimeOffset.Parse("2026-11-20T17:00:00Z"))).EnsureStatusAsync(HttpStatusCode.OK); // 20 Nov 22:30: 0 midnights
        await k.AdmittedAsync(await k.PatientAsync(), b2);
        var p5 = await k.PatientAsync();
        await k.AdmittedAsync(p5);

        var census = await (await k.Desk.GetAsync("/api/v1/wards/occupancy?from=2026-11-19&to=2026-11-22")).JsonAsync();
        Assert.Equal(5, census["totalBeds"]!.GetValue<int>());
        Assert.Equal(2, census["occupiedBeds"]!.GetValue<int>());
        Assert.Equal(0.5m, census["occupancyRate"]!.GetValue<decimal>());
        Assert.Equal(3, census["activeAdmissions"]!.GetValue<int>());

        var wards = census["wards"]!.AsArray();
        var a = wards.Single(w => w!.Str("name") == "A ward")!;
        Assert.Equal(3, a["totalBeds"]!.GetValue<int>());
        Assert.Equal((1, 1, 1), (Beds(a, "OCCUPIED"), Beds(a, "OUT_OF_SERVICE"), Beds(a, "AVAILABLE")));
        Assert.Equal(0.5m, a["occupancyRate"]!.GetValue<decimal>());
        var inA1 = Assert.Single(a["patients"]!.AsArray())!;
        Assert.Equal(p1, inA1.IdAt("patientId"));
        Assert.Equal("A1", inA1.Str("bedCode"));
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata")).DateTime);
        Assert.Equal(today.DayNumber - new DateOnly(2026, 11, 21).DayNumber, inA1["daysInHospital"]!.GetValue<int>());
        var b = wards.Single(w => w!.Str("name") == "B ward")!;
        Assert.Equal((1, 1), (Beds(b, "OCCUPIED"), Beds(b, "CLEANING")));
        Assert.Equal(p5, Assert.Single(census["withoutBed"]!.AsArray())!.IdAt("patientId"));

        var days = census["days"]!.AsArray().Select(d => (d!.Str("date"), d!["admissions"]!.GetValue<int>(), d!["discharges"]!.GetValue<int>())).ToList();
        Assert.Equal([("2026-11-19", 1, 0), ("2026-11-20", 1, 1), ("2026-11-21", 1, 0), ("2026-11-22", 0, 1)], days);
        Assert.Equal(1.5m, census["averageLengthOfStayDays"]!.GetValue<decimal>());

        await (await k.Desk.GetAsync("/api/v1/wards/occupancy?from=2026-11-22&to=2026-11-19")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    static int Beds(JsonNode ward, string status) => ward["bedsByStatus"]![status]!.GetValue<int>();
}
