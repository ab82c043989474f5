using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Admissions;

/// <summary>
/// A hospital (in <c>timezone</c>) with an admin (wards and beds), a department, a signed-in doctor of that department
/// (admits and discharges), a nurse and the front desk, and helpers through the API.
/// </summary>
sealed class AdmissionsKit
{
    public required CarebaseApp App { get; init; }
    public required TestTenant Tenant { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Doctor { get; init; }
    public required Guid DoctorId { get; init; }
    public required Guid DoctorUserId { get; init; }
    public required Guid DepartmentId { get; init; }
    public required HttpClient Nurse { get; init; }
    public required HttpClient Desk { get; init; }

    public static async Task<AdmissionsKit> CreateAsync(string timezone = "UTC")
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("ipd", timezone);
        var admin = await tenant.AdminAsync();
        var department = await (await admin.PostAsJsonAsync("/api/v1/departments", new { name = "Internal Medicine " + Guid.NewGuid().ToString("N")[..6], isPatientFacing = true }))
            .JsonAsync(HttpStatusCode.Created);
        var (userId, email) = await tenant.CreateUserAsync(SystemRoles.Doctor);
        var profile = await (await DoctorsApi.PostDoctorAsync(admin, DoctorsApi.ProfileBody(userId, departmentId: department.Id()))).JsonAsync(HttpStatusCode.Created);
        return new AdmissionsKit
        {
            App = app, Tenant = tenant, Admin = admin, Doctor = await app.SignInAsync(email), DoctorId = DoctorsApi.IdOf(profile), DoctorUserId = userId,
            DepartmentId = department.Id(), Nurse = await tenant.ClientAsync(SystemRoles.Nurse), Desk = await tenant.ClientAsync(SystemRoles.Receptionist),
        };
    }

    public async Task<Guid> PatientAsync() => (await PatientKit.RegisterAsync(Desk, PatientKit.Person())).Id();

    public async Task<JsonObject> WardAsync(decimal dailyCharge = 100m, string type = "GENERAL", string? name = null) =>
        await (await Admin.PostAsJsonAsync("/api/v1/wards", new { name = name ?? "Ward " + Guid.NewGuid().ToString("N")[..8], type, dailyCharge, departmentId = DepartmentId }))
            .JsonAsync(HttpStatusCode.Created);

    public async Task<Guid> BedAsync(Guid wardId, string? code = null) =>
        (await (await Admin.PostAsJsonAsync($"/api/v1/wards/{wardId}/beds", new { code = code ?? "B-" + Guid.NewGuid().ToString("N")[..6] }))
            .JsonAsync(HttpStatusCode.Created)).Id();

    /// <summary>A ward of <paramref name="beds"/> beds: its id and the beds' ids.</summary>
    public async Task<(Guid ward, Guid[] beds)> WardWithBedsAsync(int beds, decimal dailyCharge = 100m)
    {
        var ward = (await WardAsync(dailyCharge)).Id();
        var ids = new List<Guid>();
        for (var i = 1; i <= beds; i++) ids.Add(await BedAsync(ward, $"B{i:00}"));
        return (ward, ids.ToArray());
    }

    public Task<HttpResponseMessage> AdmitAsync(Guid patientId, Guid? bedId = null, DateTimeOffset? admittedAt = null, HttpClient? client = null,
        string source = "EMERGENCY") =>
        (client ?? Doctor).PostAsJsonAsync("/api/v1/admissions", new
        {
            patientId, source, primaryDoctorId = DoctorId, admittingDiagnosisCode = "J18.9", admittingDiagnosis = "Community-acquired pneumonia",
            bedId, admittedAt,
        });

    public async Task<JsonObject> AdmittedAsync(Guid patientId, Guid? bedId = null, DateTimeOffset? admittedAt = null) =>
        await (await AdmitAsync(patientId, bedId, admittedAt)).JsonAsync(HttpStatusCode.Created);

    public static object Summary(string disposition = "HOME", string condition = "IMPROVED", DateTimeOffset? dischargedAt = null) => new
    {
        disposition, conditionAtDischarge = condition,
        finalDiagnoses = new[] { new { code = (string?)"J18.9", text = "Pneumonia, unspecified organism" }, new { code = (string?)null, text = "Dehydration, resolved" } },
        procedures = new[] { "Chest X-ray", "IV fluids" },
        hospitalCourse = "Treated with IV antibiotics for three days.\nFever settled on day two.",
        dischargeMedications = new[] { "Amoxicillin 500 mg three times a day for 5 days" },
        followUp = "Review in the chest clinic in two weeks.",
        dischargedAt,
    };

    public Task<HttpResponseMessage> DischargeAsync(Guid admissionId, DateTimeOffset? at = null, HttpClient? client = null) =>
        (client ?? Doctor).PostAsJsonAsync($"/api/v1/admissions/{admissionId}/discharge", Summary(dischargedAt: at));

    public async Task<string> BedStatusAsync(Guid wardId, Guid bedId) =>
        (await (await Admin.GetAsync($"/api/v1/wards/{wardId}/beds?pageSize=200")).JsonAsync())["items"]!.AsArray()
        .Single(b => b!["id"]!.GetValue<Guid>() == bedId)!["status"]!.GetValue<string>();

    public async Task<string> PatientTypeAsync(Guid patientId) =>
        (await (await Admin.GetAsync($"/api/v1/patients/{patientId}")).JsonAsync())["patientType"]!.GetValue<string>();

    public async Task SetBedDayRuleAsync(string rule)
    {
        var current = await Admin.GetAsync("/api/v1/billing/settings");
        await current.EnsureStatusAsync(HttpStatusCode.OK);
        var request = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/billing/settings") { Content = JsonContent.Create(new { bedDayRule = rule }) };
        request.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        (await (await Admin.SendAsync(request)).JsonAsync())["bedDayRule"]!.GetValue<string>().ShouldBe(rule);
    }

    /// <summary>Starts every call at once (behind one gate) and waits for all.</summary>
    public static async Task<HttpResponseMessage[]> Race(IEnumerable<Func<Task<HttpResponseMessage>>> calls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = calls.Select(async call => { await gate.Task; return await call(); }).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }
}

static class AdmissionsJson
{
    public static void ShouldBe(this string actual, string expected) => Assert.Equal(expected, actual);
    public static string Str(this JsonNode o, string name) => o[name]!.GetValue<string>();
    public static Guid IdAt(this JsonNode o, string name) => o[name]!.GetValue<Guid>();
}
