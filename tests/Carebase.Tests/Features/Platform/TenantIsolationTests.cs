using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// Thousands of interleaved requests of two tenants over a pool of four connections: every answer
/// contains only the caller's tenant's rows, so no search_path survives from one request to another.
/// </summary>
public sealed class TenantIsolationTests
{
    [Fact]
    public async Task Interleaved_requests_of_two_tenants_over_a_small_pool_never_see_each_others_rows()
    {
        var pooled = new NpgsqlConnectionStringBuilder((await TestDatabase.GetAsync()).ConnectionString) { MaxPoolSize = 4 };
        await using var app = await CarebaseApp.CreateAsync(pooled.ConnectionString);
        var a = await app.NewTenantAsync("iso-a");
        var b = await app.NewTenantAsync("iso-b");
        // A custom role in each tenant, named after the tenant, so a leak is visible in the list.
        foreach (var t in new[] { a, b })
            await TestDatabase.ExecuteAsync(
                $"INSERT INTO {MigrationRunner.Quote(t.Schema)}.roles (id, name, is_system, permissions, created_at, updated_at) " +
                "VALUES (gen_random_uuid(), $1, false, ARRAY[]::text[], now(), now())", "only-" + t.Slug);
        var clients = new[] { (tenant: a, client: await app.SignInAsync(a.AdminEmail)), (tenant: b, client: await app.SignInAsync(b.AdminEmail)) };

        var leaks = 0;
        var served = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var (tenant, client) = clients[i % 2];
            var other = clients[(i + 1) % 2].tenant;
            var body = await (await client.GetAsync("/api/v1/roles?pageSize=200", ct)).Content.ReadAsStringAsync(ct);
            if (!body.Contains("only-" + tenant.Slug)) Assert.Fail($"request {i} of {tenant.Slug} did not see its own role: {body}");
            if (body.Contains("only-" + other.Slug)) Interlocked.Increment(ref leaks);
            Interlocked.Increment(ref served);
        });

        Assert.Equal(2000, served);
        Assert.Equal(0, leaks);
    }
}
