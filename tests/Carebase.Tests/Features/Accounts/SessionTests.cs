namespace Carebase.Tests.Features.Accounts;

/// <summary>Refresh rotation, revocation and idle expiry of sessions.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task Access_token_lasts_15_minutes_and_a_refresh_token_works_exactly_once()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var first = await app.LoginAsync(tenant.AdminEmail);
        Assert.Equal(900, first.ExpiresIn);
        using var anon = app.Anonymous();

        var second = await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first.RefreshToken })).ReadAsync<TokenPairDto>();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        using (var client = app.WithToken(second.AccessToken))
            await (await client.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        // Replaying the used token is refused, and ends the session it belonged to (theft detection).
        await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first.RefreshToken }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        using (var client = app.WithToken(second.AccessToken))
            await (await client.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = second.RefreshToken }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Parallel_refreshes_with_one_token_yield_exactly_one_new_pair()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var tokens = await app.LoginAsync(tenant.AdminEmail);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var client = app.Anonymous();
            return await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken });
        }));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(11, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Logout_revokes_the_access_and_refresh_token_at_once()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var tokens = await app.LoginAsync(tenant.AdminEmail);
        using var client = app.WithToken(tokens.AccessToken);
        await (await client.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        await (await client.PostAsync("/api/v1/auth/logout", null)).EnsureStatusAsync(HttpStatusCode.NoContent);

        await (await client.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        using var anon = app.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Theory]
    [InlineData(30, 31, false)]  // default idle period: 31 minutes idle is too long
    [InlineData(30, 29, true)]   // 29 minutes is fine
    [InlineData(5, 6, false)]    // a tenant that set 5 minutes
    public async Task A_session_idle_longer_than_the_tenant_period_cannot_be_refreshed(int idleMinutes, int idleFor, bool refreshes)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var tokens = await app.LoginAsync(tenant.AdminEmail);
        await TestDatabase.ExecuteAsync("UPDATE platform.tenants SET idle_timeout_minutes = $1 WHERE id = $2", idleMinutes, tenant.Id);
        await TestDatabase.ExecuteAsync("UPDATE platform.sessions SET last_seen_at = now() - make_interval(mins => $1) WHERE user_id = $2", idleFor, tenant.AdminId);

        using var anon = app.Anonymous();
        var response = await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken });

        if (refreshes) await response.EnsureStatusAsync(HttpStatusCode.OK);
        else await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_idle");
    }

    [Fact]
    public async Task Changing_the_password_ends_every_other_session_immediately()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, email) = await tenant.CreateUserAsync("NURSE");
        var phone = await app.LoginAsync(email);
        var laptop = await app.LoginAsync(email);
        using var phoneClient = app.WithToken(phone.AccessToken);
        await (await phoneClient.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);

        using var laptopClient = app.WithToken(laptop.AccessToken);
        var changed = await (await laptopClient.PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = CarebaseApp.Password, newPassword = "Another-Strong-Pass-42" })).ReadAsync<TokenPairDto>();

        await (await phoneClient.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        await (await laptopClient.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        using var fresh = app.WithToken(changed.AccessToken);
        await (await fresh.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);
        await app.LoginAsync(email, "Another-Strong-Pass-42");
    }

    [Fact]
    public async Task Tokens_survive_a_restart_and_work_on_a_second_instance()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var tokens = await app.LoginAsync(tenant.AdminEmail);

        // A second instance on the same database: it reads the same Data Protection key ring from PostgreSQL.
        await using var second = await CarebaseApp.CreateAsync();
        using var client = second.WithToken(tokens.AccessToken);
        await (await client.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);
        using var anon = second.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_forged_or_garbage_token_is_401()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.WithToken("CfDJ8-not-a-real-token");
        await (await client.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var anon = app.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = "garbage" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }
}
