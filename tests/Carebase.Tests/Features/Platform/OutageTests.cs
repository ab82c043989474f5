namespace Carebase.Tests.Features.Platform;

/// <summary>503 while PostgreSQL is down, and recovery without a restart of the service when it returns.</summary>
public sealed class OutageTests
{
    [Fact]
    public async Task Database_outage_answers_503_and_the_service_recovers_by_itself()
    {
        var root = Path.Combine(Path.GetTempPath(), "carebase-outage-" + Guid.NewGuid().ToString("N")[..8]);
        var pg = await TestDatabase.StartClusterAsync(root);
        try
        {
            await using var app = await CarebaseApp.CreateAsync(pg.ConnectionString);
            var tenant = await app.NewTenantAsync();
            using var client = await tenant.AdminAsync();
            using var anon = app.Anonymous();
            await (await anon.GetAsync("/health/ready")).EnsureStatusAsync(HttpStatusCode.OK);

            await pg.StopAsync();

            var login = await anon.PostAsJsonAsync("/api/v1/auth/login", new { email = tenant.AdminEmail, password = CarebaseApp.Password });
            await login.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
            Assert.NotNull(login.Headers.RetryAfter);
            await (await client.GetAsync("/api/v1/auth/me")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
            await (await anon.GetAsync("/health/ready")).EnsureStatusAsync(HttpStatusCode.ServiceUnavailable);
            await (await anon.GetAsync("/health/live")).EnsureStatusAsync(HttpStatusCode.OK);

            await pg.RestartOnSamePortAsync();

            // pg_ctl -w has returned: the server accepts connections. The first request may still meet a
            // stale pooled connection (which the 503 path discards), so allow a few attempts.
            HttpResponseMessage? ready = null;
            for (var attempt = 0; attempt < 5 && ready?.StatusCode != HttpStatusCode.OK; attempt++)
                ready = await anon.GetAsync("/health/ready");
            await ready!.EnsureStatusAsync(HttpStatusCode.OK);
            await (await client.GetAsync("/api/v1/auth/me")).EnsureStatusAsync(HttpStatusCode.OK);
            await app.LoginAsync(tenant.AdminEmail);
        }
        finally
        {
            await pg.StopAsync();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { /* best effort */ } catch (UnauthorizedAccessException) { /* owned by postgres */ }
        }
    }
}
