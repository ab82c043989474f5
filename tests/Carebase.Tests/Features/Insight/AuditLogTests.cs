using Carebase.Tests.Features.Platform;
using Npgsql;

namespace Carebase.Tests.Features.Insight;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Mutations_and_sign_ins_appear_in_the_trail_newest_first_and_filters_narrow_it()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (doctorId, doctorEmail) = await tenant.CreateUserAsync("DOCTOR");
        await (await app.LoginResponseAsync(doctorEmail, "not-the-password-1")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var admin = await tenant.AdminAsync();
        await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { name = "Audited Hospital" })).EnsureStatusAsync(HttpStatusCode.OK);

        var all = await (await admin.GetAsync("/api/v1/reports/audit-logs")).JsonAsync();
        var seqs = all["items"]!.AsArray().Select(i => i!["seq"]!.GetValue<long>()).ToList();
        Assert.True(seqs.Count >= 3);
        Assert.Equal(seqs.OrderDescending(), seqs);
        Assert.Equal(seqs.Count, all["total"]!.GetValue<int>());

        var updated = await (await admin.GetAsync($"/api/v1/reports/audit-logs?action=TENANT_UPDATED&resourceType=TENANT&resourceId={tenant.Id}&userId={tenant.AdminId}")).JsonAsync();
        var entry = Assert.Single(updated["items"]!.AsArray())!;
        Assert.Equal($"Hospital {tenant.Slug}", entry["changes"]!["name"]!["from"]!.GetValue<string>());
        Assert.Equal("Audited Hospital", entry["changes"]!["name"]!["to"]!.GetValue<string>());
        Assert.Equal(tenant.AdminEmail, entry["userEmail"]!.GetValue<string>());
        Assert.Equal("SUCCESS", entry["outcome"]!.GetValue<string>());

        var failures = await (await admin.GetAsync($"/api/v1/reports/audit-logs?outcome=FAILURE&userId={doctorId}")).JsonAsync();
        var failure = Assert.Single(failures["items"]!.AsArray())!;
        Assert.Equal("AUTH_LOGIN", failure["action"]!.GetValue<string>());

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        Assert.Equal(0, (await (await admin.GetAsync($"/api/v1/reports/audit-logs?from={future}")).JsonAsync())["total"]!.GetValue<int>());
        var past = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"));
        var paged = await (await admin.GetAsync($"/api/v1/reports/audit-logs?from={past}&to={future}&pageSize=1&page=2")).JsonAsync();
        Assert.Equal(seqs[1], Assert.Single(paged["items"]!.AsArray())!["seq"]!.GetValue<long>());

        await (await admin.GetAsync("/api/v1/reports/audit-logs?outcome=MAYBE")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        await (await admin.GetAsync("/api/v1/reports/audit-logs?pageSize=201")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        using var doctor = await app.SignInAsync(doctorEmail);
        await (await doctor.GetAsync("/api/v1/reports/audit-logs")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await doctor.GetAsync("/api/v1/reports/audit-logs/verify")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_trail_never_sees_another_hospitals_entries()
    {
        var app = await CarebaseApp.Shared();
        var a = await app.NewTenantAsync();
        var b = await app.NewTenantAsync();
        using var adminA = await a.AdminAsync();
        using var adminB = await b.AdminAsync();
        await (await adminB.PatchAsJsonAsync("/api/v1/tenant", new { name = "B renamed" })).EnsureStatusAsync(HttpStatusCode.OK);

        var trailA = await (await adminA.GetAsync("/api/v1/reports/audit-logs?pageSize=200")).JsonAsync();

        Assert.All(trailA["items"]!.AsArray(), i => Assert.Equal(a.Id, i!["tenantId"]!.GetValue<Guid>()));
        Assert.Equal(0, (await (await adminA.GetAsync($"/api/v1/reports/audit-logs?resourceId={b.Id}")).JsonAsync())["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Verify_finds_the_first_tampered_row_while_an_untouched_trail_stays_intact()
    {
        var app = await CarebaseApp.Shared();
        var tampered = await app.NewTenantAsync();
        var untouched = await app.NewTenantAsync();
        using var admin = await tampered.AdminAsync();
        using var otherAdmin = await untouched.AdminAsync();
        for (var i = 0; i < 3; i++)
            await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { slotMinutes = 10 + i })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await otherAdmin.PatchAsJsonAsync("/api/v1/tenant", new { slotMinutes = 30 })).EnsureStatusAsync(HttpStatusCode.OK);

        var clean = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(clean["intact"]!.GetValue<bool>());
        var rows = clean["checked"]!.GetValue<long>();
        Assert.True(rows >= 4);

        // Someone with the cluster's superuser password edits row 2 behind the service's back.
        await using (var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString))
        {
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using var cmd = new NpgsqlCommand($"""
                ALTER TABLE "{tampered.Schema}".audit_log DISABLE TRIGGER audit_log_no_change;
                UPDATE "{tampered.Schema}".audit_log SET outcome = 'FAILURE' WHERE seq = 2;
                ALTER TABLE "{tampered.Schema}".audit_log ENABLE TRIGGER audit_log_no_change;
                """, conn, tx);
            await cmd.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }

        var verdict = await (await admin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.False(verdict["intact"]!.GetValue<bool>());
        Assert.Equal(2, verdict["firstBrokenSeq"]!.GetValue<long>());
        Assert.Equal(rows, verdict["checked"]!.GetValue<long>());
        var other = await (await otherAdmin.GetAsync("/api/v1/reports/audit-logs/verify")).JsonAsync();
        Assert.True(other["intact"]!.GetValue<bool>());
        Assert.Null(other["firstBrokenSeq"]);
    }

    [Fact]
    public async Task Super_admin_actions_are_in_the_platform_trail_and_it_verifies_intact()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var super = await app.SuperAdminAsync();
        await (await super.PatchAsJsonAsync($"/api/v1/platform/tenants/{tenant.Id}/limits", new { maxUsers = 7 })).EnsureStatusAsync(HttpStatusCode.OK);

        var trail = await (await super.GetAsync($"/api/v1/platform/audit-logs?action=TENANT_LIMITS_CHANGED&resourceId={tenant.Id}")).JsonAsync();
        var entry = Assert.Single(trail["items"]!.AsArray())!;
        Assert.Equal(7, entry["changes"]!["maxUsers"]!["to"]!.GetValue<int>());
        Assert.Contains("SUPER_ADMIN", entry["roles"]!.AsArray().Select(r => r!.GetValue<string>()));

        var verdict = await (await super.GetAsync("/api/v1/platform/audit-logs/verify")).JsonAsync();
        Assert.True(verdict["intact"]!.GetValue<bool>(), verdict.ToJsonString());
        Assert.True(verdict["checked"]!.GetValue<long>() >= 1);
    }
}
