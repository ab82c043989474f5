using Microsoft.EntityFrameworkCore;
using static Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Staff;

/// <summary>First sign-in, deactivation and admin password resets: what each does to sessions and sign-in.</summary>
public sealed class UserLifecycleTests
{
    [Fact]
    public async Task New_staff_must_change_the_temporary_password_before_doing_anything_else()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var email = (await CreateUserAsync(admin, tenant, "HOSPITAL_ADMIN"))["email"]!.GetValue<string>();

        var first = await app.LoginAsync(email, TemporaryPassword);
        Assert.True(first.MustChangePassword);
        using var client = app.WithToken(first.AccessToken);
        var me = await (await client.GetAsync("/api/v1/auth/me")).JsonAsync();
        Assert.True(me["mustChangePassword"]!.GetValue<bool>());
        await (await client.GetAsync("/api/v1/users")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password_change_required");

        var changed = await (await client.PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = TemporaryPassword, newPassword = CarebaseApp.Password })).JsonAsync();
        Assert.False(changed["mustChangePassword"]!.GetValue<bool>());

        using var after = app.WithToken(changed["accessToken"]!.GetValue<string>());
        await (await after.GetAsync("/api/v1/users")).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.False((await (await after.GetAsync("/api/v1/auth/me")).JsonAsync())["mustChangePassword"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Deactivation_ends_sessions_at_once_and_refuses_sign_in_until_reactivated()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("NURSE");
        var tokens = await app.LoginAsync(email);
        using var nurse = app.WithToken(tokens.AccessToken);
        await (await nurse.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK); // the session is cached now

        var deactivated = await (await admin.PostAsync($"/api/v1/users/{id}/deactivate", null)).JsonAsync();
        Assert.False(deactivated["isActive"]!.GetValue<bool>());

        await (await nurse.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "account_deactivated");
        var openSessions = await app.WithDbAsync(db => db.Database
            .SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM platform.sessions WHERE user_id = {id} AND revoked_at IS NULL").SingleAsync());
        Assert.Equal(0, openSessions);

        var activated = await (await admin.PostAsync($"/api/v1/users/{id}/activate", null)).JsonAsync();
        Assert.True(activated["isActive"]!.GetValue<bool>());
        await app.LoginAsync(email);
    }

    [Fact]
    public async Task A_deactivated_account_cannot_be_given_a_new_password_until_reactivated()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("NURSE");
        await (await admin.PostAsync($"/api/v1/users/{id}/deactivate", null)).EnsureStatusAsync(HttpStatusCode.OK);

        await (await admin.PostAsJsonAsync($"/api/v1/users/{id}/reset-password", new { temporaryPassword = TemporaryPassword }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "account_deactivated");

        await (await admin.PostAsync($"/api/v1/users/{id}/activate", null)).EnsureStatusAsync(HttpStatusCode.OK);
        await app.LoginAsync(email); // the old password still works: the refused reset changed nothing
    }

    [Fact]
    public async Task You_cannot_deactivate_yourself()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await (await admin.PostAsync($"/api/v1/users/{tenant.AdminId}/deactivate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "cannot_deactivate_self");
        await (await admin.GetAsync("/api/v1/users")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reset_with_a_temporary_password_ends_sessions_and_forces_a_change()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("DOCTOR");
        using var doctor = await app.SignInAsync(email);
        await (await doctor.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        var reset = await admin.PostAsJsonAsync($"/api/v1/users/{id}/reset-password", new { temporaryPassword = TemporaryPassword });
        await reset.EnsureStatusAsync(HttpStatusCode.NoContent);

        await (await doctor.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var tokens = await app.LoginAsync(email, TemporaryPassword);
        Assert.True(tokens.MustChangePassword);
        using var forced = app.WithToken(tokens.AccessToken);
        await (await forced.GetAsync("/api/v1/roles")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password_change_required");
        var user = await (await admin.GetAsync($"/api/v1/users/{id}")).JsonAsync();
        Assert.True(user["mustChangePassword"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Reset_with_a_weak_temporary_password_is_422_and_changes_nothing()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("DOCTOR");
        using var doctor = await app.SignInAsync(email);

        var problem = await (await admin.PostAsJsonAsync($"/api/v1/users/{id}/reset-password", new { temporaryPassword = "short" }))
            .ShouldBeProblemAsync((HttpStatusCode)422);

        Assert.Equal(["temporaryPassword"], ErrorFields(problem));
        await (await doctor.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);
        await app.LoginAsync(email);
    }

    [Fact]
    public async Task Reset_without_a_password_emails_a_link_and_ends_sessions()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("NURSE");
        using var nurse = await app.SignInAsync(email);
        await (await nurse.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        await (await admin.PostAsync($"/api/v1/users/{id}/reset-password", null)).EnsureStatusAsync(HttpStatusCode.Accepted);

        await (await nurse.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        var mail = await app.Mail.WaitForAsync(email, "password-reset");
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = mail.Token, newPassword = "Brand-New-Lighthouse-77" }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        await app.LoginAsync(email, "Brand-New-Lighthouse-77");
    }
}
