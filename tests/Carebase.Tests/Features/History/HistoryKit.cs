using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.History;

/// <summary>A hospital with an admin (patients:delete), a doctor, a nurse, one patient and that patient's portal account.</summary>
sealed record HistoryKit(CarebaseApp App, TestTenant Tenant, HttpClient Admin, HttpClient Doctor, HttpClient Nurse, Guid PatientId, HttpClient Portal)
{
    public static async Task<HistoryKit> CreateAsync()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("h");
        var admin = await tenant.AdminAsync();
        var patient = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
        var (portalUser, portalEmail) = await tenant.CreateUserAsync(SystemRoles.Patient);
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", patient, portalUser);
        return new HistoryKit(app, tenant, admin, await tenant.ClientAsync(SystemRoles.Doctor), await tenant.ClientAsync(SystemRoles.Nurse), patient,
            await app.SignInAsync(portalEmail));
    }

    public static DateOnly Today => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
    public static string Day(int fromToday) => Today.AddDays(fromToday).ToString("yyyy-MM-dd");

    public string Url(string list, Guid? item = null) => $"/api/v1/patients/{PatientId}/{list}" + (item is { } i ? $"/{i}" : "");

    public async Task<JsonObject> RecordAsync(string list, object body, HttpClient? client = null) =>
        await (await (client ?? Doctor).PostAsJsonAsync(Url(list), body)).JsonAsync(HttpStatusCode.Created);

    public async Task<JsonArray> ListAsync(string list, string query = "", HttpClient? client = null) =>
        await (await (client ?? Doctor).GetAsync(Url(list) + query)).ItemsAsync();

    public static HttpRequestMessage Patch(string url, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }
}

static class HistoryJson
{
    public static Guid Id(this JsonNode o) => o["id"]!.GetValue<Guid>();
    public static string Str(this JsonNode o, string name) => o[name]!.GetValue<string>();
}
