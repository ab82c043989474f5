using System.Text.Json.Nodes;

namespace Carebase.Tests.Features.Patients;

/// <summary>Builds patient registrations that do not collide with one another (unique name, phone, id).</summary>
public static class PatientKit
{
    static int _n;

    public static Dictionary<string, object?> Person(string? first = null, string? last = null, string? dob = null,
        string? phone = null, string? nationalId = null, string gender = "FEMALE")
    {
        var n = Interlocked.Increment(ref _n);
        var unique = Guid.NewGuid().ToString("N")[..8];
        return new Dictionary<string, object?>
        {
            ["firstName"] = first ?? "Test" + unique,
            ["lastName"] = last ?? "Person" + unique,
            ["dateOfBirth"] = dob ?? new DateOnly(1950, 1, 1).AddDays(Random.Shared.Next(0, 25000)).ToString("yyyy-MM-dd"),
            ["gender"] = gender,
            ["phone"] = phone ?? "+1 555 " + Random.Shared.Next(1000000, 9999999),
            ["nationalId"] = nationalId ?? "NID-" + unique,
            ["city"] = "Springfield",
            ["bloodType"] = "O_POSITIVE",
            ["insuranceType"] = "PRIVATE",
            ["maritalStatus"] = "SINGLE",
            ["patientType"] = "OPD",
            ["email"] = $"p{n}-{unique}@mail.test",
        };
    }

    public static async Task<JsonObject> RegisterAsync(HttpClient client, Dictionary<string, object?> person) =>
        await (await client.PostAsJsonAsync("/api/v1/patients", person)).JsonAsync(HttpStatusCode.Created);

    public static Guid Id(this JsonObject o) => Guid.Parse(o["id"]!.GetValue<string>());

    /// <summary>The patient's own portal account, signed in: invited by <paramref name="staff"/>, password set from the welcome email.</summary>
    public static async Task<HttpClient> PortalClientAsync(CarebaseApp app, HttpClient staff, Guid patientId, string email)
    {
        await (await staff.PostAsJsonAsync($"/api/v1/patients/{patientId}/portal-invite", new { })).EnsureStatusAsync(HttpStatusCode.Created);
        var mail = await app.Mail.WaitForAsync(email, "welcome");
        using var anon = app.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = mail.Token, newPassword = PortalPassword }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        return await app.SignInAsync(email, PortalPassword);
    }

    public const string PortalPassword = "My-Own-Portal-Pass-1";
}
