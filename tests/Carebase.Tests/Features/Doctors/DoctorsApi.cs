using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Doctors;

/// <summary>Small steps the doctor tests share, through the HTTP API.</summary>
static class DoctorsApi
{
    public static string NewLicense() => $"LIC-{Guid.NewGuid():N}"[..16].ToUpperInvariant();

    /// <summary>A profile body for <paramref name="userId"/> (or, with <paramref name="user"/>, for a new account).</summary>
    public static object ProfileBody(Guid? userId, object? user = null, string specialization = "General Medicine", string? licenseNumber = null,
        int yearsOfExperience = 10, decimal consultationFee = 150.50m, string? bio = "Sees adults.", Guid? departmentId = null) =>
        new { userId, user, specialization, licenseNumber = licenseNumber ?? NewLicense(), yearsOfExperience, consultationFee, bio, departmentId };

    public static Task<HttpResponseMessage> PostDoctorAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/v1/doctors", body);

    /// <summary>A new account holding DOCTOR (made directly), and a profile for it through the API (201 asserted).</summary>
    public static async Task<JsonObject> CreateDoctorAsync(HttpClient admin, TestTenant tenant, string specialization = "General Medicine",
        Guid? departmentId = null, string? licenseNumber = null, decimal consultationFee = 150.50m)
    {
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Doctor);
        var body = ProfileBody(userId, specialization: specialization, departmentId: departmentId, licenseNumber: licenseNumber, consultationFee: consultationFee);
        return await (await PostDoctorAsync(admin, body)).JsonAsync(HttpStatusCode.Created);
    }

    /// <summary>A profile and its new account in one request (201 asserted).</summary>
    public static async Task<JsonObject> CreateDoctorWithAccountAsync(HttpClient admin, TestTenant tenant, string firstName, string lastName,
        string specialization = "General Medicine", Guid? departmentId = null)
    {
        var user = new { email = Staff.StaffApi.NewEmail(tenant, "dr"), firstName, lastName, temporaryPassword = Staff.StaffApi.TemporaryPassword };
        return await (await PostDoctorAsync(admin, ProfileBody(null, user, specialization, departmentId: departmentId))).JsonAsync(HttpStatusCode.Created);
    }

    public static Guid IdOf(JsonObject o) => o["id"]!.GetValue<Guid>();

    /// <summary>A doctor who signs in: a DOCTOR account with a profile (made by the admin) and its signed-in client.</summary>
    public static async Task<(HttpClient client, Guid userId, Guid doctorId)> SignedInDoctorAsync(HttpClient admin, TestTenant tenant)
    {
        var (userId, email) = await tenant.CreateUserAsync(SystemRoles.Doctor);
        var profile = await (await PostDoctorAsync(admin, ProfileBody(userId))).JsonAsync(HttpStatusCode.Created);
        return (await tenant.App.SignInAsync(email), userId, IdOf(profile));
    }
}
