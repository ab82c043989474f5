using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Carebase.Api.Features.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Platform;

/// <summary>Helpers for tests of the platform routes: a super admin of their own, registration bodies, JSON requests with headers.</summary>
public static partial class PlatformTestKit
{
    /// <summary>Creates a super admin with a unique email (super admins do not exist in tests otherwise) and signs them in.</summary>
    public static async Task<HttpClient> SuperAdminAsync(this CarebaseApp app)
    {
        var email = $"super-{Guid.NewGuid():N}"[..22] + "@platform.test";
        await app.Services.GetRequiredService<DemoData>().SeedSuperAdminAsync(email, CarebaseApp.Password, "Sam", "Super", default);
        return await app.SignInAsync(email);
    }

    /// <summary>A patient registration that is never refused as a likely duplicate of the many look-alike test patients.</summary>
    public static Dictionary<string, object?> AnyPatient()
    {
        var person = Patients.PatientKit.Person();
        (person["allowDuplicate"], person["duplicateReason"]) = (true, "look-alike test patients");
        return person;
    }

    public static string NewSlug(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    public static object Registration(string slug, string email, string password = CarebaseApp.Password) => new
    {
        hospitalName = $"Hospital {slug}", slug, timezone = "Europe/Paris", currency = "EUR", contactPhone = "+33 1 23 45 67 89",
        address = "1 Rue de la Paix, Paris",
        admin = new { firstName = "Olivia", lastName = "Owner", email, password },
    };

    /// <summary>Registers, reads the verification email and confirms it; returns the tenant id.</summary>
    public static async Task<Guid> RegisterAndConfirmAsync(this CarebaseApp app, string slug, string email)
    {
        using var anonymous = app.Anonymous();
        var created = await (await anonymous.PostAsJsonAsync("/api/v1/tenants/register", Registration(slug, email))).JsonAsync(HttpStatusCode.Created);
        var mail = await app.Mail.WaitForAsync(email, "email-verification");
        var confirm = await anonymous.PostAsJsonAsync("/api/v1/auth/confirm-email", new { userId = UserIdOf(mail), token = mail.Token });
        await confirm.EnsureStatusAsync(HttpStatusCode.NoContent);
        return created["id"]!.GetValue<Guid>();
    }

    public static Guid UserIdOf(Mailbox.Mail mail) => Guid.Parse(UserIdLine().Match(mail.Body).Groups[1].Value.Trim());

    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object? body,
        params (string name, string value)[] headers)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request);
    }

    public static async Task<JsonObject> TenantAsync(this HttpClient superAdmin, Guid id) =>
        await (await superAdmin.GetAsync($"/api/v1/platform/tenants/{id}")).JsonAsync();

    public static async Task<HttpResponseMessage> LoginResponseAsync(this CarebaseApp app, string email, string password = CarebaseApp.Password)
    {
        using var client = app.Anonymous();
        return await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
    }

    [GeneratedRegex(@"^UserId: (.+)$", RegexOptions.Multiline)]
    private static partial Regex UserIdLine();
}
