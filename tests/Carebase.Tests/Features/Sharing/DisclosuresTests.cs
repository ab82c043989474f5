using Carebase.Api.Features.Sharing;
using Carebase.Api.Platform.Data;
using Carebase.Tests.Features.Queue;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Carebase.Tests.Features.Sharing.SharingKit;

namespace Carebase.Tests.Features.Sharing;

/// <summary>The accounting of disclosures: recorded by every release, listed and exported per patient, never editable.</summary>
public sealed class DisclosuresTests(SharingKit kit) : IClassFixture<SharingKit>
{
    async Task<Guid> OpenedOnceAsync(Guid patient)
    {
        using var anonymous = kit.App.Anonymous();
        await (await OpenAsync(anonymous, await kit.LinkAsync(patient))).EnsureStatusAsync(HttpStatusCode.OK);
        return patient;
    }

    [Theory]
    [InlineData("UPDATE {0} SET purpose = 'rewritten'")]
    [InlineData("UPDATE {0} SET patient_id = patient_id")]
    [InlineData("DELETE FROM {0}")]
    [InlineData("TRUNCATE {0}")]
    public async Task The_database_refuses_to_change_or_remove_a_disclosure(string statement)
    {
        await OpenedOnceAsync(await kit.PatientAsync());
        var table = $"\"{kit.Tenant.Schema}\".disclosures";
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        var before = await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {table}");
        Assert.True(before >= 1);
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await using var cmd = new NpgsqlCommand(string.Format(statement, table), conn, tx);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            Assert.Contains("append-only", refused.MessageText);
            await tx.RollbackAsync();
        }
        Assert.Equal(before, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task The_merge_exception_moves_only_the_patient_it_announces_and_nothing_else()
    {
        var patient = await OpenedOnceAsync(await kit.PatientAsync());
        var other = await kit.PatientAsync();
        var table = $"\"{kit.Tenant.Schema}\".disclosures";
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();
        async Task<PostgresException?> TryAsync(string announce, string sql)
        {
            await using var tx = await conn.BeginTransactionAsync();
            await using (var set = new NpgsqlCommand("SELECT set_config('carebase.patient_merge', $1, true)", conn, tx) { Parameters = { new() { Value = announce } } })
                await set.ExecuteNonQueryAsync();
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            try { await cmd.ExecuteNonQueryAsync(); return null; }
            catch (PostgresException e) { return e; }
            finally { await tx.RollbackAsync(); }
        }
        Assert.NotNull(await TryAsync($"{patient}>{other}", $"UPDATE {table} SET purpose = 'x' WHERE patient_id = '{patient}'"));
        Assert.NotNull(await TryAsync($"{other}>{patient}", $"UPDATE {table} SET patient_id = '{other}' WHERE patient_id = '{patient}'"));
        Assert.NotNull(await TryAsync($"{patient}>{other}", $"UPDATE {table} SET patient_id = '{other}', recipient = 'x' WHERE patient_id = '{patient}'"));
        Assert.NotNull(await TryAsync($"{patient}>{other}", $"DELETE FROM {table} WHERE patient_id = '{patient}'"));
        Assert.Null(await TryAsync($"{patient}>{other}", $"UPDATE {table} SET patient_id = '{other}' WHERE patient_id = '{patient}'"));
    }

    [Fact]
    public async Task Merging_a_duplicate_moves_its_disclosures_to_the_survivor()
    {
        var survivor = await OpenedOnceAsync(await kit.PatientAsync());
        var duplicate = await OpenedOnceAsync(await kit.PatientAsync());
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/patients/{survivor}/merge", new { duplicateId = duplicate, reason = "Same person registered twice" }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        var moved = await kit.DisclosuresAsync(survivor);
        Assert.Equal(2, moved.Count);
        Assert.All(moved, d => Assert.Equal(survivor.ToString(), d!.Str("patientId")));
    }

    [Fact]
    public async Task The_ledger_method_joins_the_callers_unit_of_work_for_the_areas_that_come_later()
    {
        var patient = await kit.PatientAsync();
        var share = Guid.NewGuid();
        using (var scope = kit.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
            await db.UseTenantAsync(kit.Tenant.Id, kit.Tenant.Schema);
            var ledger = scope.ServiceProvider.GetRequiredService<Disclosures>();
            Assert.Throws<ArgumentException>(() => ledger.Record(patient, "EMAILED", "x", "y", "z"));
            ledger.Record(patient, DisclosureKinds.ShareAccessed, "Sunrise Hospital", "Continuity of care", "Summary read through a share", new DisclosureSource("SHARE", share));
            Assert.Empty(await kit.DisclosuresAsync(patient)); // nothing until the caller saves
            await db.SaveChangesAsync();
        }
        var entry = Assert.Single(await kit.DisclosuresAsync(patient))!;
        Assert.Equal(("SHARE_ACCESSED", "Sunrise Hospital", "SHARE", share.ToString()), (entry.Str("kind"), entry.Str("recipient"), entry.Str("sourceType"), entry.Str("sourceId")));
        Assert.Single(await kit.DisclosuresAsync(patient, query: "?kind=SHARE_ACCESSED"));
        Assert.Empty(await kit.DisclosuresAsync(patient, query: "?kind=LINK_OPENED"));
    }

    [Fact]
    public async Task A_period_exports_as_csv_and_the_portal_patient_sees_their_own_ledger_only()
    {
        var patient = await OpenedOnceAsync(await kit.PatientAsync());
        var between = TimeProvider.System.GetUtcNow();
        await OpenedOnceAsync(patient);
        var q = Uri.EscapeDataString(between.ToString("O"));
        Assert.Single(await kit.DisclosuresAsync(patient, query: $"?from={q}"));
        Assert.Single(await kit.DisclosuresAsync(patient, query: $"?to={q}"));

        var csv = await kit.Admin.GetAsync($"/api/v1/patients/{patient}/disclosures?format=csv&from={q}");
        await csv.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("occurredAt,kind,recipient,purpose,description,disclosedBy,sourceType,sourceId,ip,userAgent", lines[0].TrimEnd('\r', '\n'));
        Assert.Equal(2, lines.Length);
        Assert.Contains("LINK_OPENED", lines[1]);
        Assert.Contains("\"Dr Rao, City Clinic\"", lines[1]);
        Assert.Equal(3, (await (await kit.Admin.GetAsync($"/api/v1/patients/{patient}/disclosures?format=csv")).Content.ReadAsStringAsync())
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        using var portal = await kit.PortalAsync(patient);
        var mine = await kit.DisclosuresAsync(patient, portal);
        Assert.Equal(2, mine.Count);
        Assert.All(mine, d => Assert.False(d!.AsObject().ContainsKey("disclosedBy") || d.AsObject().ContainsKey("disclosedByEmail")));
        var portalCsv = await (await portal.GetAsync($"/api/v1/patients/{patient}/disclosures?format=csv")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("disclosedBy", portalCsv);
        await (await portal.GetAsync($"/api/v1/patients/{await kit.PatientAsync()}/disclosures")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // Staff without disclosures:read (a doctor) do not list it; another hospital's admin gets 404.
        await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient}/disclosures")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var other = await (await kit.App.NewTenantAsync()).AdminAsync();
        await (await other.GetAsync($"/api/v1/patients/{patient}/disclosures")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.True(await kit.AuditCountAsync("DISCLOSURE_EXPORTED", patient.ToString()) >= 2);
    }

    [Fact]
    public async Task Bad_filters_name_the_field()
    {
        var patient = await kit.PatientAsync();
        var now = Uri.EscapeDataString(TimeProvider.System.GetUtcNow().ToString("O"));
        foreach (var (query, field) in new[] { ($"?from={now}&to={now}", "to"), ("?kind=EMAILED", "kind"), ("?format=pdf", "format"), ("?from=yesterday", "from") })
        {
            var problem = await (await kit.Admin.GetAsync($"/api/v1/patients/{patient}/disclosures{query}")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.True(problem["errors"]!.AsObject().ContainsKey(field), $"{query}: {problem}");
        }
    }
}
