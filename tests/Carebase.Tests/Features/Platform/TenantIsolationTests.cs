using Carebase.Api.Platform.Data;
using Carebase.Tests.Features.Patients;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// Thousands of interleaved requests of two tenants over a pool of four connections: every answer
/// contains only the caller's tenant's rows, so no search_path survives from one request to another,
/// whichever way the path reached the connection (with EF's first query, before raw SQL, inside a transaction).
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

    [Fact]
    public async Task Interleaved_reads_searches_and_registrations_of_two_tenants_stay_in_their_own_schema()
    {
        var pooled = new NpgsqlConnectionStringBuilder((await TestDatabase.GetAsync()).ConnectionString) { MaxPoolSize = 4 };
        await using var app = await CarebaseApp.CreateAsync(pooled.ConnectionString);
        var sides = new List<(TestTenant tenant, HttpClient desk, string marker, Guid patient)>();
        foreach (var prefix in new[] { "iso-c", "iso-d" })
        {
            var tenant = await app.NewTenantAsync(prefix);
            var desk = await tenant.ClientAsync("RECEPTIONIST");
            var marker = "Only" + Guid.NewGuid().ToString("N")[..10];
            var person = PlatformTestKit.AnyPatient();
            person["lastName"] = marker;
            var patient = (await PatientKit.RegisterAsync(desk, person)).Id();
            sides.Add((tenant, desk, marker, patient));
        }

        var registered = new int[2];
        await Parallel.ForEachAsync(Enumerable.Range(0, 1200), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var (mine, other) = (sides[i % 2], sides[(i + 1) % 2]);
            switch (i / 2 % 4)
            {
                case 0: // EF: the path rides with the query
                    await (await mine.desk.GetAsync($"/api/v1/patients/{mine.patient}", ct)).EnsureStatusAsync(HttpStatusCode.OK);
                    await (await mine.desk.GetAsync($"/api/v1/patients/{other.patient}", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
                    break;
                case 1: // raw SQL on an explicitly opened connection
                    var own = await (await mine.desk.GetAsync($"/api/v1/patients?q={mine.marker}", ct)).JsonAsync();
                    Assert.Equal(1, own["total"]!.GetValue<int>());
                    var foreign = await (await mine.desk.GetAsync($"/api/v1/patients?q={other.marker}", ct)).JsonAsync();
                    Assert.Equal(0, foreign["total"]!.GetValue<int>());
                    break;
                default: // a transaction whose first command is raw SQL (the patient code), then SaveChanges
                    await PatientKit.RegisterAsync(mine.desk, PlatformTestKit.AnyPatient());
                    Interlocked.Increment(ref registered[i % 2]);
                    break;
            }
        });

        for (var k = 0; k < 2; k++)
            Assert.Equal(registered[k] + 1L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {MigrationRunner.Quote(sides[k].tenant.Schema)}.patients"));
        foreach (var side in sides) side.desk.Dispose();
    }
}
