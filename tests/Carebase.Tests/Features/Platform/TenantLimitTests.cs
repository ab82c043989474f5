using Carebase.Tests.Features.Patients;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The hospital's limits are exact under concurrency although the tenant row is locked only at the end of a
/// change (right before its commit), and not at all by a registration when no patient limit is set.
/// </summary>
public sealed class TenantLimitTests
{
    [Fact]
    public async Task Parallel_registrations_never_exceed_the_patient_limit()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        await TestDatabase.ExecuteAsync("UPDATE platform.tenants SET max_patients = 5 WHERE id = $1", tenant.Id);
        using var desk = await tenant.ClientAsync("RECEPTIONIST");

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => desk.PostAsJsonAsync("/api/v1/patients", PlatformTestKit.AnyPatient())));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_limit_reached");
        Assert.Equal(5L, await CountAsync($"SELECT count(*) FROM \"{tenant.Schema}\".patients"));
    }

    [Fact]
    public async Task Without_a_patient_limit_a_registration_does_not_touch_the_tenant_row()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM platform.tenants WHERE id = $1 FOR UPDATE", conn, tx))
        {
            hold.Parameters.AddWithValue(tenant.Id);
            await hold.ExecuteNonQueryAsync();
        }

        // The row stays locked for the whole registration: if it waited for the row, this would never answer.
        var registered = await desk.PostAsJsonAsync("/api/v1/patients", PlatformTestKit.AnyPatient()).WaitAsync(TimeSpan.FromMinutes(1));

        await registered.EnsureStatusAsync(HttpStatusCode.Created);
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task Deactivating_every_admin_at_once_leaves_exactly_one()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var admins = new List<Guid> { tenant.AdminId };
        for (var i = 0; i < 3; i++) admins.Add((await tenant.CreateUserAsync("HOSPITAL_ADMIN")).id);
        // A staff manager who is no admin herself, so her own session is never in play.
        await TestDatabase.ExecuteAsync($"INSERT INTO \"{tenant.Schema}\".roles (id, name, is_system, permissions, created_at, updated_at) " +
            "VALUES (gen_random_uuid(), 'STAFF_DESK', false, ARRAY['users:read', 'users:write'], now(), now())");
        using var manager = await app.SignInAsync((await tenant.CreateUserAsync("STAFF_DESK")).email);

        var answers = await Task.WhenAll(admins.Select(id => manager.PostAsync($"/api/v1/users/{id}/deactivate", null)));

        Assert.Equal(admins.Count - 1, answers.Count(r => r.StatusCode == HttpStatusCode.OK));
        await answers.Single(r => r.StatusCode != HttpStatusCode.OK).ShouldBeProblemAsync(HttpStatusCode.Conflict, "last_admin");
        Assert.Equal(1L, await CountAsync($"""
            SELECT count(*) FROM platform.users u JOIN "{tenant.Schema}".user_roles ur ON ur.user_id = u.id
            JOIN "{tenant.Schema}".roles r ON r.id = ur.role_id
            WHERE u.tenant_id = '{tenant.Id}' AND u.is_active AND r.name = 'HOSPITAL_ADMIN'
            """));
    }

    static async Task<long> CountAsync(string sql)
    {
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
