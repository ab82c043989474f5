using Carebase.Api.Features.Demo;

namespace Carebase.Tests.Features.Doctors;

public sealed class DemoDoctorsTests
{
    [Fact]
    public async Task Each_demo_hospital_has_six_or_more_doctors_across_specializations_in_departments_including_doctor_at()
    {
        var app = await CarebaseApp.SharedDemo();

        foreach (var (slug, _, _, currency) in DemoData.Hospitals)
        {
            using var admin = await app.SignInAsync($"admin@{slug}.demo", DemoData.Password);
            var doctors = (await (await admin.GetAsync("/api/v1/doctors?pageSize=200")).JsonAsync())["items"]!.AsArray()
                .Select(d => d!.AsObject()).ToList();

            Assert.True(doctors.Count >= 6, $"{slug} has {doctors.Count} doctors");
            var specializations = doctors.Select(d => d["specialization"]!.GetValue<string>()).ToHashSet();
            Assert.Superset(new HashSet<string> { "General Medicine", "Pediatrics", "Cardiology", "Orthopedics", "Dermatology", "Gynecology" }, specializations);
            Assert.All(doctors, d => Assert.NotNull(d["departmentName"]));
            Assert.All(doctors, d => Assert.True(d["consultationFee"]!.GetValue<decimal>() > 0));
            Assert.Equal(doctors.Count, doctors.Select(d => d["licenseNumber"]!.GetValue<string>()).Distinct().Count());
            var grace = Assert.Single(doctors, d => d["email"]!.GetValue<string>() == $"doctor@{slug}.demo");
            Assert.Equal("General Medicine", grace["specialization"]!.GetValue<string>());
            Assert.Equal(currency == "INR" ? 700m : 120m, grace["consultationFee"]!.GetValue<decimal>());

            // The demo doctor and patient sign in as before and see the list their role allows.
            using var doctor = await app.SignInAsync($"doctor@{slug}.demo", DemoData.Password);
            await (await doctor.GetAsync($"/api/v1/doctors/{grace["id"]}")).EnsureStatusAsync(HttpStatusCode.OK);
            using var patient = await app.SignInAsync($"patient@{slug}.demo", DemoData.Password);
            var visible = await (await patient.GetAsync("/api/v1/doctors?pageSize=200")).JsonAsync();
            Assert.Equal(doctors.Count, visible["total"]!.GetValue<int>());
        }
    }
}
