using Carebase.Api.Features.Patients;
using Npgsql;

namespace Carebase.Tests.Features.Patients;

public sealed class PatientMergeTests
{
    /// <summary>
    /// Every column in a migrated tenant schema that refers to a patient must be a foreign key to
    /// patients(id), because that is what merge moves. A later table that stores a patient id without
    /// the foreign key (or under another name with one) fails here until merge handles it.
    /// </summary>
    [Fact]
    public async Task Merge_handles_every_column_that_references_patients()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        await using var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString);
        await conn.OpenAsync();

        var byName = new List<string>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema IN ($1, 'platform') AND data_type = 'uuid'
              AND (column_name LIKE '%patient_id' OR column_name = 'merged_into_id')
            """, conn))
        {
            cmd.Parameters.AddWithValue(tenant.Schema);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) byName.Add(r.GetString(0));
        }
        var handled = (await Carebase.Api.Platform.Data.References.ToAsync(conn, tenant.Schema, "patients", default))
            .Select(x => $"{tenant.Schema}.{x.Table}.{x.Column}")
            .Append("platform.users.patient_id") // portal accounts, moved explicitly
            .ToHashSet();

        Assert.NotEmpty(byName);
        Assert.DoesNotContain(byName, c => !handled.Contains(c));
    }

    [Fact]
    public async Task Merge_moves_every_reference_and_soft_deletes_the_duplicate_with_a_pointer()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var survivor = await PatientKit.RegisterAsync(admin, PatientKit.Person(first: "Chidi", last: "Okeke", dob: "1980-03-03"));
        var duplicate = await (await admin.PostAsJsonAsync("/api/v1/patients", new Dictionary<string, object?>(PatientKit.Person(first: "Chidi", last: "Okekke", dob: "1980-03-03"))
        {
            ["allowDuplicate"] = true, ["duplicateReason"] = "registered twice by mistake",
        })).JsonAsync(HttpStatusCode.Created);
        var older = await PatientKit.RegisterAsync(admin, PatientKit.Person());
        // References to the duplicate: a portal account and an earlier merge that pointed at it.
        var (portalUser, _) = await tenant.CreateUserAsync("PATIENT");
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", duplicate.Id(), portalUser);
        await TestDatabase.ExecuteAsync($"UPDATE \"{tenant.Schema}\".patients SET merged_into_id = $1, deleted_at = now() WHERE id = $2", duplicate.Id(), older.Id());

        var merged = await (await admin.PostAsJsonAsync($"/api/v1/patients/{survivor.Id()}/merge",
            new { duplicateId = duplicate.Id(), reason = "same person" })).JsonAsync();

        Assert.Equal(1, merged["movedRows"]!["platform.users.patient_id"]!.GetValue<int>());
        Assert.Equal(1, merged["movedRows"]!["patients.merged_into_id"]!.GetValue<int>());
        Assert.Equal(survivor.Id(), await TestDatabase.ScalarAsync<Guid>("SELECT patient_id FROM platform.users WHERE id = $1", portalUser));
        Assert.Equal(survivor.Id(), await TestDatabase.ScalarAsync<Guid>($"SELECT merged_into_id FROM \"{tenant.Schema}\".patients WHERE id = $1", older.Id()));
        var dup = await (await admin.GetAsync($"/api/v1/patients/{duplicate.Id()}")).JsonAsync();
        Assert.Equal(survivor.Id().ToString(), dup["mergedIntoId"]!.GetValue<string>());
        Assert.NotNull(dup["deletedAt"]);
        await (await admin.PostAsync($"/api/v1/patients/{duplicate.Id()}/restore", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "merged");
        await (await admin.PostAsJsonAsync($"/api/v1/patients/{survivor.Id()}/merge", new { duplicateId = survivor.Id(), reason = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "merge_into_self");
        await (await admin.PostAsJsonAsync($"/api/v1/patients/{survivor.Id()}/merge", new { duplicateId = duplicate.Id(), reason = "again" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await admin.PostAsJsonAsync($"/api/v1/patients/{survivor.Id()}/merge", new { reason = "" }))
            .ShouldBeProblemAsync((HttpStatusCode)422);
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        await (await desk.PostAsJsonAsync($"/api/v1/patients/{survivor.Id()}/merge", new { duplicateId = older.Id(), reason = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Duplicates_route_ranks_candidates()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        var exact = await PatientKit.RegisterAsync(desk, PatientKit.Person(first: "Lena", last: "Fischer", dob: "1991-07-14", phone: "+49 30 1234567", nationalId: "DE-1"));
        var samePhone = await (await desk.PostAsJsonAsync("/api/v1/patients", new Dictionary<string, object?>(PatientKit.Person(first: "Max", last: "Fischer", dob: "1960-01-01", phone: "030 1234567"))
        { ["allowDuplicate"] = true, ["duplicateReason"] = "family phone" })).JsonAsync(HttpStatusCode.Created);

        var found = await (await desk.GetAsync("/api/v1/patients/duplicates?firstName=Lena&lastName=Fischer&dateOfBirth=1991-07-14&phone=%2B49301234567")).ItemsAsync();

        Assert.Equal(exact.Id().ToString(), found[0]!["id"]!.GetValue<string>());
        Assert.Contains(found, c => c!["id"]!.GetValue<string>() == samePhone.Id().ToString());
        Assert.True(found[0]!["score"]!.GetValue<int>() > found[1]!["score"]!.GetValue<int>());
        await (await desk.GetAsync("/api/v1/patients/duplicates?firstName=Lena")).ShouldBeProblemAsync((HttpStatusCode)422);
    }
}
