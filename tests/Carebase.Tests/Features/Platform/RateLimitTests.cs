namespace Carebase.Tests.Features.Platform;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Login_is_limited_per_IP_with_429_and_Retry_After()
    {
        await using var app = await CarebaseApp.CreateAsync(settings: new Dictionary<string, string?> { ["Carebase:RateLimits:AuthPerIpPerMinute"] = "3" });
        using var client = app.Anonymous();
        for (var i = 0; i < 3; i++)
            await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = $"x{i}@nowhere.test", password = "wrong-password" }))
                .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        var limited = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "y@nowhere.test", password = "wrong-password" });
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        // Other routes are not under the sign-in limit.
        await (await client.GetAsync("/health/live")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_is_limited_per_account_whatever_the_IP()
    {
        await using var app = await CarebaseApp.CreateAsync(settings: new Dictionary<string, string?> { ["Carebase:RateLimits:AuthPerAccountPerMinute"] = "2" });
        var tenant = await app.NewTenantAsync();
        using var client = app.Anonymous();
        for (var i = 0; i < 2; i++)
            await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = tenant.AdminEmail, password = "wrong-password" }))
                .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        var limited = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = tenant.AdminEmail, password = CarebaseApp.Password });
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        await (await client.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = tenant.AdminEmail }))
            .ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        // Another account from the same client is unaffected.
        var (_, other) = await tenant.CreateUserAsync("NURSE");
        await app.LoginAsync(other);
    }

    [Fact]
    public async Task Every_route_is_limited_per_user()
    {
        await using var app = await CarebaseApp.CreateAsync(settings: new Dictionary<string, string?> { ["Carebase:RateLimits:GeneralPerMinute"] = "5" });
        var tenant = await app.NewTenantAsync();
        var tokens = await app.LoginAsync(tenant.AdminEmail);
        using var client = app.WithToken(tokens.AccessToken);
        for (var i = 0; i < 5; i++)
        {
            var ok = await client.GetAsync("/api/v1/auth/me");
            await ok.EnsureStatusAsync(HttpStatusCode.OK);
            // Every answer says the limit and what is left of it after this request.
            Assert.Equal("5", Assert.Single(ok.Headers.GetValues("X-RateLimit-Limit")));
            Assert.Equal($"{4 - i}", Assert.Single(ok.Headers.GetValues("X-RateLimit-Remaining")));
        }

        var limited = await client.GetAsync("/api/v1/auth/me");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal("0", Assert.Single(limited.Headers.GetValues("X-RateLimit-Remaining")));
        // The limit is per user: a colleague is not affected.
        var (_, nurse) = await tenant.CreateUserAsync("NURSE");
        var nurseTokens = await app.LoginAsync(nurse);
        using var nurseClient = app.WithToken(nurseTokens.AccessToken);
        await (await nurseClient.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);
    }
}
