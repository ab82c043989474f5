using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Sharing;

/// <summary>
/// One hospital per test class: an admin, a signed-in doctor with a profile (makes links), a nurse and a receptionist.
/// Each test registers its own patients, so no test depends on another's data.
/// </summary>
public sealed class SharingKit : IAsyncLifetime
{
    public CarebaseApp App { get; private set; } = null!;
    public TestTenant Tenant { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Doctor { get; private set; } = null!;
    public Guid DoctorUserId { get; private set; }
    public HttpClient Nurse { get; private set; } = null!;
    public HttpClient Desk { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await CarebaseApp.Shared();
        Tenant = await App.NewTenantAsync("share");
        Admin = await Tenant.AdminAsync();
        (Doctor, DoctorUserId, _) = await DoctorsApi.SignedInDoctorAsync(Admin, Tenant);
        Nurse = await Tenant.ClientAsync(SystemRoles.Nurse);
        Desk = await Tenant.ClientAsync(SystemRoles.Receptionist);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public async Task<Guid> PatientAsync(string? first = null) => (await PatientKit.RegisterAsync(Desk, PatientKit.Person(first: first))).Id();

    public static Task<HttpResponseMessage> CreateLinkAsync(HttpClient client, Guid patient, int hours = 24, string purpose = "Second opinion",
        string? recipient = "Dr Rao, City Clinic", bool accessCode = false) =>
        client.PostAsJsonAsync($"/api/v1/patients/{patient}/share-links", new { expiresInHours = hours, purpose, recipient, accessCode });

    /// <summary>A new link made by the kit's doctor: its answer (link, token, path, accessCode).</summary>
    public async Task<JsonObject> LinkAsync(Guid patient, int hours = 24, bool accessCode = false, string? recipient = "Dr Rao, City Clinic") =>
        await (await CreateLinkAsync(Doctor, patient, hours, recipient: recipient, accessCode: accessCode)).JsonAsync(HttpStatusCode.Created);

    public static Task<HttpResponseMessage> OpenAsync(HttpClient anonymous, JsonObject link, string? code = null, string accept = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, link.Str("path"));
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.UserAgent.ParseAdd(UserAgent);
        if (code is not null) request.Headers.Add("X-Access-Code", code);
        return anonymous.SendAsync(request);
    }

    public async Task<JsonArray> DisclosuresAsync(Guid patient, HttpClient? client = null, string query = "") =>
        await (await (client ?? Admin).GetAsync($"/api/v1/patients/{patient}/disclosures{query}")).ItemsAsync();

    public async Task<JsonObject> LinkStateAsync(Guid patient, Guid linkId) =>
        (await (await Doctor.GetAsync($"/api/v1/patients/{patient}/share-links")).ItemsAsync()).Single(l => l!.Str("id") == linkId.ToString())!.AsObject();

    /// <summary>The patient's own portal account, linked directly and signed in.</summary>
    public async Task<HttpClient> PortalAsync(Guid patientId)
    {
        var (user, email) = await Tenant.CreateUserAsync(SystemRoles.Patient);
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", patientId, user);
        return await App.SignInAsync(email);
    }

    public Task<long> AuditCountAsync(string action, string resource) =>
        TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{Tenant.Schema}".audit_log WHERE action = $1 AND resource_id = $2""", action, resource);

    public const string UserAgent = "LinkReader/1.0";

    /// <summary>A code that is not <paramref name="code"/>.</summary>
    public static string WrongCode(string code, int n = 1) => ((int.Parse(code) + n) % 1_000_000).ToString("D6");
}
