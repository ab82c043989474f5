namespace Carebase.Tests.Features.Accounts;

/// <summary>Lockout, password policy and history, forgot/reset, two-factor sign-in, the OAuth2 token form.</summary>
public sealed class PasswordTests
{
    [Fact]
    public async Task Five_failed_sign_ins_lock_the_account_for_15_minutes_with_423()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (id, email) = await tenant.CreateUserAsync("DOCTOR");
        using var client = app.Anonymous();

        for (var i = 1; i <= 4; i++)
            await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = "wrong-password-" + i }))
                .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var fifth = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = "wrong-password-5" }))
            .ShouldBeProblemAsync((HttpStatusCode)423, "account_locked");
        Assert.NotNull(fifth["lockedUntil"]);

        // Even the right password is refused while locked.
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password }))
            .ShouldBeProblemAsync((HttpStatusCode)423, "account_locked");
        var minutes = await TestDatabase.ScalarAsync<double>(
            "SELECT (extract(epoch FROM lockout_end - now()) / 60)::float8 FROM platform.users WHERE id = $1", id);
        Assert.InRange(minutes, 14, 15.1);

        // Once the lock has passed, the right password works again.
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET lockout_end = now() - interval '1 second' WHERE id = $1", id);
        await app.LoginAsync(email);
    }

    [Theory]
    [InlineData("Short-1", "at least")]                  // under 12 characters
    [InlineData("password1234", "too common")]           // common, with digits tacked on
    [InlineData("Qwertyuiop123!", "too common")]
    [InlineData("{local}-Secure-99", "email")]           // contains the email's name part
    public async Task Weak_passwords_are_422_on_the_field(string password, string message)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync("NURSE");
        using var client = await app.SignInAsync(email);

        var response = await client.PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = CarebaseApp.Password, newPassword = password.Replace("{local}", email.Split('@')[0]) });

        var problem = await response.ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        var errors = string.Join(" ", problem["errors"]!["newPassword"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Contains(message, errors, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task None_of_the_last_five_passwords_can_be_reused()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync("NURSE");
        var passwords = new[] { CarebaseApp.Password, "Second-Strong-Pass-1", "Third-Strong-Pass-2", "Fourth-Strong-Pass-3", "Fifth-Strong-Pass-4", "Sixth-Strong-Pass-5" };
        for (var i = 1; i < passwords.Length; i++)
        {
            using var c = await app.SignInAsync(email, passwords[i - 1]);
            await (await c.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = passwords[i - 1], newPassword = passwords[i] }))
                .EnsureStatusAsync(HttpStatusCode.OK);
        }
        using var client = await app.SignInAsync(email, passwords[^1]);

        // The last five (2..6) are remembered; the first one has dropped out of the history.
        foreach (var old in passwords[2..])
        {
            var problem = await (await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = passwords[^1], newPassword = old }))
                .ShouldBeProblemAsync((HttpStatusCode)422);
            Assert.Contains("last 5", problem["errors"]!["newPassword"]![0]!.GetValue<string>());
        }
        await (await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = passwords[^1], newPassword = passwords[0] }))
            .EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Forgot_and_reset_password_by_emailed_token_end_to_end()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync("RECEPTIONIST");
        var before = await app.LoginAsync(email);
        using var anon = app.Anonymous();

        // Unknown and known accounts get the same answer.
        await (await anon.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = $"nobody-{Guid.NewGuid():N}@x.test" })).EnsureStatusAsync(HttpStatusCode.Accepted);
        await (await anon.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email })).EnsureStatusAsync(HttpStatusCode.Accepted);

        var mail = await app.Mail.WaitForAsync(email, "password-reset");
        await (await anon.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = mail.Token, newPassword = "Brand-New-Secret-77" }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);

        await app.LoginAsync(email, "Brand-New-Secret-77");
        using var old = app.WithToken(before.AccessToken);
        await (await old.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        // A reset token works once (the security stamp changed).
        await (await anon.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = mail.Token, newPassword = "Yet-Another-Secret-88" }))
            .ShouldBeProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Two_factor_sign_in_with_authenticator_codes_and_recovery_codes()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync("DOCTOR");
        using var client = await app.SignInAsync(email);

        var setup = await (await client.PostAsync("/api/v1/auth/2fa/setup", null)).JsonAsync();
        var key = setup["sharedKey"]!.GetValue<string>();
        Assert.StartsWith("otpauth://totp/", setup["authenticatorUri"]!.GetValue<string>());
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/enable", new { code = "000000" })).ShouldBeProblemAsync((HttpStatusCode)422);
        var enabled = await (await client.PostAsJsonAsync("/api/v1/auth/2fa/enable", new { code = Totp.Code(key) })).JsonAsync();
        var recovery = enabled["recoveryCodes"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
        Assert.Equal(10, recovery.Length);

        using var anon = app.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "two_factor_required");
        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password, twoFactorCode = "123456" == Totp.Code(key) ? "654321" : "123456" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_two_factor_code");
        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password, twoFactorCode = Totp.Code(key) }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password, recoveryCode = recovery[0] }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password, recoveryCode = recovery[0] }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_two_factor_code");

        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/disable", new { password = CarebaseApp.Password })).EnsureStatusAsync(HttpStatusCode.NoContent);
        await app.LoginAsync(email);
    }

    [Fact]
    public async Task OAuth2_password_and_refresh_token_grants_on_the_form_endpoint()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var anon = app.Anonymous();

        var granted = await (await anon.PostAsync("/api/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = tenant.AdminEmail, ["password"] = CarebaseApp.Password,
        }))).JsonAsync();
        Assert.Equal("Bearer", granted["token_type"]!.GetValue<string>());
        Assert.Equal(900, granted["expires_in"]!.GetValue<int>());

        var refreshed = await (await anon.PostAsync("/api/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = granted["refresh_token"]!.GetValue<string>(),
        }))).JsonAsync();
        using var client = app.WithToken(refreshed["access_token"]!.GetValue<string>());
        await (await client.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        var wrong = await (await anon.PostAsync("/api/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = tenant.AdminEmail, ["password"] = "wrong-password-x",
        }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal("invalid_grant", wrong["error"]!.GetValue<string>());
        await (await anon.PostAsync("/api/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" })))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "unsupported_grant_type");
    }
}
