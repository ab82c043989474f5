namespace Carebase.Tests.Features.Accounts;

/// <summary>The links in account emails lead to the configured public URL (the front end's address), carrying the mail's token.</summary>
public sealed class AccountEmailLinkTests
{
    [Fact]
    public async Task Links_start_with_the_configured_public_url()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("links"),
            new Dictionary<string, string?> { ["Carebase:PublicUrl"] = "https://clinic.example.org/carebase/" });
        var tenant = await app.NewTenantAsync();
        using var client = app.Anonymous();

        await (await client.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = tenant.AdminEmail })).EnsureStatusAsync(HttpStatusCode.Accepted);

        var mail = await app.Mail.WaitForAsync(tenant.AdminEmail, "password-reset");
        Assert.Contains($"https://clinic.example.org/carebase/reset-password?email={Uri.EscapeDataString(tenant.AdminEmail)}&token={Uri.EscapeDataString(mail.Token)}\r\n",
            mail.Body);
        Assert.DoesNotContain("localhost", mail.Body);
    }
}
