namespace Carebase.Tests.Features.Accounts;

public sealed class LoginTests
{
    [Fact]
    public async Task Admin_signs_in_and_me_names_the_hospital_and_permissions()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.AdminAsync();

        var me = await (await client.GetAsync("/api/v1/auth/me")).JsonAsync();

        Assert.Equal(tenant.AdminEmail, me["email"]!.GetValue<string>());
        Assert.Equal(tenant.Slug, me["tenant"]!["slug"]!.GetValue<string>());
        Assert.Contains("HOSPITAL_ADMIN", me["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Contains("users:write", me["permissions"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Wrong_password_is_401_problem_without_saying_which_part_was_wrong()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = app.Anonymous();

        var wrongPassword = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = tenant.AdminEmail, password = "not-the-password-1" });
        var unknownUser = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "nobody-" + Guid.NewGuid() + "@x.test", password = "whatever-password" });

        var a = await wrongPassword.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await unknownUser.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(a["detail"]!.GetValue<string>(), b["detail"]!.GetValue<string>());
    }
}
