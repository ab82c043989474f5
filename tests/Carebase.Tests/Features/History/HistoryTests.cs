using System.Text.Json.Nodes;
using Carebase.Api.Features.History;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Tests.Features.Patients;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.History;

/// <summary>The medical history lists through the real pipeline: record, read, change (If-Match), soft-delete, rules and who sees what.</summary>
public sealed class HistoryTests
{
    /// <summary>Per list: a body to record, a change to make (field and value) and a list filter that finds the item.</summary>
    public static TheoryData<string, string, string, string, string> Lists => new()
    {
        { "allergies", """{"substance":"Penicillin","category":"DRUG","reaction":"Hives over the chest\nand arms","severity":"MODERATE","onsetDate":"2015-04-02"}""", "severity", "SEVERE", "?status=ACTIVE&category=DRUG" },
        { "conditions", """{"code":"e11.9","text":"Type 2 diabetes mellitus","onsetDate":"2019-06-01"}""", "status", "REMISSION", "?status=ACTIVE" },
        { "medications", """{"name":"Metformin","dose":"500 mg","route":"oral","frequency":"twice daily","startDate":"2019-06-02","source":"PRESCRIBED"}""", "status", "STOPPED", "?status=ACTIVE&source=PRESCRIBED" },
        { "immunizations", """{"vaccine":"Tetanus-diphtheria (Td)","doseNumber":2,"dateGiven":"2024-01-10","lotNumber":"TD-4471","site":"left deltoid","nextDueDate":"2034-01-10"}""", "lotNumber", "TD-4472", "?vaccine=tetanus-diphtheria%20(td)" },
        { "procedures", """{"name":"Appendectomy","code":"0DTJ4ZZ","status":"DONE","performedOn":"2010-09-14","performer":"Dr. Osei, County General"}""", "notes", "Laparoscopic, no complications.", "?status=DONE" },
        { "notes", """{"title":"Follow-up","text":"Feels better.\nContinue the current plan.","staffOnly":false}""", "title", "Follow-up visit", "?staffOnly=false" },
    };

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task Each_list_records_reads_changes_with_if_match_and_soft_deletes(string list, string body, string field, string value, string filter)
    {
        var kit = await HistoryKit.CreateAsync();
        var created = await (await kit.Doctor.PostAsync(kit.Url(list), new StringContent(body, System.Text.Encoding.UTF8, "application/json")))
            .JsonAsync(HttpStatusCode.Created);
        var id = created.Id();
        Assert.Equal(kit.PatientId, created["patientId"]!.GetValue<Guid>());
        Assert.Equal(1, created["version"]!.GetValue<int>());
        Assert.NotNull(created["createdBy"]);
        if (list == "conditions") Assert.Equal("E11.9", created.Str("code"));

        // Read: the item with its ETag; the list (with its filter) finds it.
        var get = await kit.Nurse.GetAsync(kit.Url(list, id));
        await get.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"1\"", get.Headers.ETag!.Tag);
        Assert.Contains(await kit.ListAsync(list, filter), i => i!.Id() == id);

        // PATCH with the current ETag, then with the stale one (412); a field left out stays.
        var patched = await (await kit.Nurse.SendAsync(HistoryKit.Patch(kit.Url(list, id), new Dictionary<string, object> { [field] = value }, "\"1\"")))
            .JsonAsync();
        Assert.Equal(value, patched.Str(field));
        Assert.Equal(2, patched["version"]!.GetValue<int>());
        foreach (var kept in JsonNode.Parse(body)!.AsObject().Where(p => p.Key != field && p.Key != "code" && p.Value is JsonValue v && v.TryGetValue<string>(out _)))
            Assert.Equal(kept.Value!.GetValue<string>(), patched.Str(kept.Key));
        await (await kit.Nurse.SendAsync(HistoryKit.Patch(kit.Url(list, id), new Dictionary<string, object> { [field] = value }, "\"1\"")))
            .ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);

        // Soft delete: gone from the list and the item, kept for holders of patients:delete (includeDeleted).
        var delete = new HttpRequestMessage(HttpMethod.Delete, kit.Url(list, id));
        delete.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        await (await kit.Doctor.SendAsync(delete)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await kit.Doctor.DeleteAsync(kit.Url(list, id))).EnsureStatusAsync(HttpStatusCode.NoContent);
        Assert.DoesNotContain(await kit.ListAsync(list), i => i!.Id() == id);
        await (await kit.Doctor.GetAsync(kit.Url(list, id))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Doctor.GetAsync(kit.Url(list) + "?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var withDeleted = await kit.ListAsync(list, "?includeDeleted=true", kit.Admin);
        var deleted = Assert.Single(withDeleted, i => i!.Id() == id)!;
        Assert.NotNull(deleted["deletedAt"]);
        Assert.NotNull(deleted["deletedBy"]);
        await (await kit.Admin.GetAsync(kit.Url(list, id))).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Admin.SendAsync(HistoryKit.Patch(kit.Url(list, id), new Dictionary<string, object> { [field] = value })))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "deleted");

        // Every change is in the trail, in the same unit of work as the change.
        var resource = list switch { "allergies" => "ALLERGY", "notes" => "CLINICAL_NOTE", _ => list.TrimEnd('s').ToUpperInvariant() };
        var actions = await TestDatabase.ScalarAsync<string[]>(
            $"""SELECT array_agg(action ORDER BY occurred_at) FROM "{kit.Tenant.Schema}".audit_log WHERE resource_type = $1 AND resource_id = $2""", resource, id.ToString());
        Assert.Equal([$"{resource}_CREATED", $"{resource}_READ", $"{resource}_UPDATED", $"{resource}_DELETED", $"{resource}_READ"], actions);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_422_naming_the_field()
    {
        var kit = await HistoryKit.CreateAsync();
        async Task Refused(string list, object body, string field)
        {
            var problem = await (await kit.Doctor.PostAsJsonAsync(kit.Url(list), body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.True(problem["errors"]?[field] is not null, $"{list}: expected an error on {field}: {problem.ToJsonString()}");
        }
        await Refused("conditions", new { text = "Asthma", onsetDate = HistoryKit.Day(-100), resolutionDate = HistoryKit.Day(-200) }, "resolutionDate");
        await Refused("conditions", new { code = "7A1.0", text = "Not a code" }, "code");
        await Refused("conditions", new { code = "E1", text = "Diabetes" }, "code");
        await Refused("conditions", new { code = "E11.9" }, "text");
        await Refused("conditions", new { text = "Asthma", status = "CURED" }, "status");
        await Refused("conditions", new { text = "Asthma", onsetDate = HistoryKit.Day(1) }, "onsetDate");
        await Refused("allergies", new { substance = "Pollen", category = "PLANT" }, "category");
        await Refused("allergies", new { substance = "", category = "FOOD" }, "substance");
        await Refused("allergies", new { substance = "Peanut", category = "FOOD", severity = "FATAL" }, "severity");
        await Refused("allergies", new { substance = new string('x', 201), category = "FOOD" }, "substance");
        await Refused("immunizations", new { vaccine = "MMR", dateGiven = HistoryKit.Day(1) }, "dateGiven");
        await Refused("immunizations", new { vaccine = "MMR", dateGiven = HistoryKit.Day(-1), nextDueDate = HistoryKit.Day(-1) }, "nextDueDate");
        await Refused("immunizations", new { vaccine = "MMR", dateGiven = HistoryKit.Day(-1), doseNumber = 21 }, "doseNumber");
        await Refused("immunizations", new { vaccine = "MMR" }, "dateGiven");
        await Refused("medications", new { name = "Aspirin", startDate = HistoryKit.Day(-10), endDate = HistoryKit.Day(-20) }, "endDate");
        await Refused("medications", new { name = "Aspirin", source = "OTC" }, "source");
        await Refused("procedures", new { name = "Colonoscopy", status = "DONE", performedOn = HistoryKit.Day(3) }, "performedOn");
        await Refused("procedures", new { name = "Colonoscopy", performerId = Guid.NewGuid() }, "performerId");
        await Refused("notes", new { title = "Empty" }, "text");
        await Refused("notes", new { text = new string('x', 20001) }, "text");
        // A planned procedure may be in the future.
        await kit.RecordAsync("procedures", new { name = "Colonoscopy", status = "PLANNED", performedOn = HistoryKit.Day(3) });

        // PATCH checks the item as it would be: a resolution before the stored onset, a required field cleared.
        var condition = await kit.RecordAsync("conditions", new { text = "Hypertension", onsetDate = HistoryKit.Day(-300) });
        var problem = await (await kit.Doctor.SendAsync(HistoryKit.Patch(kit.Url("conditions", condition.Id()), new { resolutionDate = HistoryKit.Day(-400) })))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["resolutionDate"]);
        problem = await (await kit.Doctor.SendAsync(HistoryKit.Patch(kit.Url("conditions", condition.Id()), new { text = (string?)null })))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["text"]);
        await (await kit.Doctor.SendAsync(HistoryKit.Patch(kit.Url("conditions", condition.Id()), new { unknown = 1 })))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // The database holds the same rules on its own (named CHECK constraints).
        var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"""
            INSERT INTO "{kit.Tenant.Schema}".conditions (id, patient_id, text, status, onset_date, resolution_date, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, 'x', 'ACTIVE', '2020-01-02', '2020-01-01', now(), now())
            """, kit.PatientId));
        Assert.Equal("conditions_resolution_after_onset_check", ex.ConstraintName);
        ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"""
            INSERT INTO "{kit.Tenant.Schema}".conditions (id, patient_id, code, text, status, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, 'e11', 'x', 'ACTIVE', now(), now())
            """, kit.PatientId));
        Assert.Equal("conditions_code_check", ex.ConstraintName);
    }

    [Fact]
    public async Task No_known_allergies_is_a_recorded_state_distinct_from_never_asked_and_an_active_allergy_withdraws_it()
    {
        var kit = await HistoryKit.CreateAsync();
        var status = $"/api/v1/patients/{kit.PatientId}/allergies/status";
        Assert.Equal("UNKNOWN", (await (await kit.Nurse.GetAsync(status)).JsonAsync()).Str("status"));

        var nka = await (await kit.Nurse.PutAsJsonAsync(status, new { noKnownAllergies = true })).JsonAsync();
        Assert.Equal("NO_KNOWN_ALLERGIES", nka.Str("status"));
        Assert.NotNull(nka["recordedAt"]);
        Assert.NotNull(nka["recordedBy"]);
        // The portal patient sees the state, not who recorded it; they cannot record it.
        var own = await (await kit.Portal.GetAsync(status)).JsonAsync();
        Assert.Equal("NO_KNOWN_ALLERGIES", own.Str("status"));
        Assert.Null(own["recordedBy"]);
        await (await kit.Portal.PutAsJsonAsync(status, new { noKnownAllergies = true })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Nurse.PutAsJsonAsync(status, new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // A resolved allergy leaves the statement in force; an active one withdraws it (HAS_ALLERGIES), and NKA is then refused.
        await kit.RecordAsync("allergies", new { substance = "Latex", category = "ENVIRONMENT", status = "RESOLVED" });
        Assert.Equal("NO_KNOWN_ALLERGIES", (await (await kit.Nurse.GetAsync(status)).JsonAsync()).Str("status"));
        var active = await kit.RecordAsync("allergies", new { substance = "Sulfonamides", category = "DRUG", severity = "SEVERE" });
        var has = await (await kit.Nurse.GetAsync(status)).JsonAsync();
        Assert.Equal("HAS_ALLERGIES", has.Str("status"));
        Assert.Equal(1, has["activeAllergies"]!.GetValue<int>());
        await (await kit.Nurse.PutAsJsonAsync(status, new { noKnownAllergies = true })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "active_allergies");

        // Resolved again: the patient has no active allergy but nobody has said "none" since: UNKNOWN, until recorded again.
        await (await kit.Doctor.SendAsync(HistoryKit.Patch(kit.Url("allergies", active.Id()), new { status = "INACTIVE" }))).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("UNKNOWN", (await (await kit.Nurse.GetAsync(status)).JsonAsync()).Str("status"));
        Assert.Equal("NO_KNOWN_ALLERGIES", (await (await kit.Nurse.PutAsJsonAsync(status, new { noKnownAllergies = true })).JsonAsync()).Str("status"));
        Assert.Equal("UNKNOWN", (await (await kit.Nurse.PutAsJsonAsync(status, new { noKnownAllergies = false })).JsonAsync()).Str("status"));
        var recorded = await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{kit.Tenant.Schema}".audit_log WHERE action = 'ALLERGY_STATUS_RECORDED' AND resource_id = $1""", kit.PatientId.ToString());
        Assert.Equal(4, recorded); // NKA, withdrawn by the active allergy, NKA, withdrawn
    }

    [Fact]
    public async Task Due_immunizations_are_those_due_within_the_days_asked_overdue_included_and_not_superseded()
    {
        var kit = await HistoryKit.CreateAsync();
        var soon = await kit.RecordAsync("immunizations", new { vaccine = "Hepatitis B", doseNumber = 2, dateGiven = HistoryKit.Day(-150), nextDueDate = HistoryKit.Day(10) });
        var overdue = await kit.RecordAsync("immunizations", new { vaccine = "Influenza", dateGiven = HistoryKit.Day(-400), nextDueDate = HistoryKit.Day(-35) });
        var later = await kit.RecordAsync("immunizations", new { vaccine = "Tdap", dateGiven = HistoryKit.Day(-300), nextDueDate = HistoryKit.Day(100) });
        // Dose 1 of HPV was due, but dose 2 has been given since: only dose 2's due date counts.
        await kit.RecordAsync("immunizations", new { vaccine = "HPV", doseNumber = 1, dateGiven = HistoryKit.Day(-200), nextDueDate = HistoryKit.Day(-20) });
        var hpv2 = await kit.RecordAsync("immunizations", new { vaccine = "hpv", doseNumber = 2, dateGiven = HistoryKit.Day(-10), nextDueDate = HistoryKit.Day(200) });

        var due = await (await kit.Nurse.GetAsync(kit.Url("immunizations/due"))).JsonAsync();
        Assert.Equal([overdue.Id(), soon.Id()], due["items"]!.AsArray().Select(i => i!.Id()));
        Assert.Equal(2, due["total"]!.GetValue<int>());
        var wider = await (await kit.Nurse.GetAsync(kit.Url("immunizations/due") + "?days=365")).ItemsAsync();
        Assert.Equal([overdue.Id(), soon.Id(), later.Id(), hpv2.Id()], wider.Select(i => i!.Id()));
        Assert.Single(await (await kit.Portal.GetAsync(kit.Url("immunizations/due") + "?days=1&pageSize=1")).ItemsAsync());
        await (await kit.Nurse.GetAsync(kit.Url("immunizations/due") + "?days=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Nurse.GetAsync(kit.Url("immunizations/due") + "?days=3651")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_portal_patient_reads_their_own_history_without_staff_only_notes_and_cannot_write()
    {
        var kit = await HistoryKit.CreateAsync();
        var shared = await kit.RecordAsync("notes", new { title = "Plan", text = "Walk 30 minutes a day." });
        var hidden = await kit.RecordAsync("notes", new { title = "Internal", text = "Query possible non-adherence.", staffOnly = true });
        await kit.RecordAsync("conditions", new { code = "I10", text = "Essential hypertension" });

        var notes = await kit.ListAsync("notes", client: kit.Portal);
        var note = Assert.Single(notes)!;
        Assert.Equal(shared.Id(), note.Id());
        Assert.Null(note["staffOnly"]);
        Assert.Null(note["createdBy"]);
        await (await kit.Portal.GetAsync(kit.Url("notes", hidden.Id()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Portal.GetAsync(kit.Url("notes") + "?staffOnly=true")).JsonAsync();
        Assert.Empty(await kit.ListAsync("notes", "?staffOnly=true", kit.Portal));
        Assert.Equal(2, (await kit.ListAsync("notes")).Count);
        Assert.Single(await kit.ListAsync("conditions", client: kit.Portal));

        await (await kit.Portal.PostAsJsonAsync(kit.Url("notes"), new { text = "Mine" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Portal.PostAsJsonAsync(kit.Url("allergies"), new { substance = "Peanut", category = "FOOD" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Portal.SendAsync(HistoryKit.Patch(kit.Url("notes", shared.Id()), new { title = "x" }))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Portal.DeleteAsync(kit.Url("notes", shared.Id()))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Portal.GetAsync(kit.Url("notes") + "?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // Another patient's history: 404, as if it did not exist.
        var other = (await PatientKit.RegisterAsync(kit.Admin, PatientKit.Person())).Id();
        await (await kit.Portal.GetAsync($"/api/v1/patients/{other}/notes")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Portal.GetAsync($"/api/v1/patients/{other}/allergies/status")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_hospitals_patient_and_items_are_404_and_items_belong_to_their_patient()
    {
        var kit = await HistoryKit.CreateAsync();
        var allergy = await kit.RecordAsync("allergies", new { substance = "Shellfish", category = "FOOD" });
        var elsewhere = await (await kit.App.NewTenantAsync("h2")).ClientAsync(SystemRoles.Doctor);
        await (await elsewhere.GetAsync(kit.Url("allergies"))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.GetAsync(kit.Url("allergies", allergy.Id()))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.PostAsJsonAsync(kit.Url("allergies"), new { substance = "Egg", category = "FOOD" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // The item under another patient's route of the same hospital is not found either.
        var other = (await PatientKit.RegisterAsync(kit.Admin, PatientKit.Person())).Id();
        await (await kit.Doctor.GetAsync($"/api/v1/patients/{other}/allergies/{allergy.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.Doctor.DeleteAsync($"/api/v1/patients/{other}/allergies/{allergy.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_confidential_patients_history_needs_the_care_team_or_break_glass()
    {
        var kit = await HistoryKit.CreateAsync();
        await kit.RecordAsync("conditions", new { text = "Sensitive condition" });
        await (await kit.Admin.PatchAsJsonAsync($"/api/v1/patients/{kit.PatientId}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);

        await (await kit.Nurse.GetAsync(kit.Url("conditions"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Nurse.PostAsJsonAsync(kit.Url("notes"), new { text = "x" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Nurse.GetAsync(kit.Url("allergies/status"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        // The patient's own portal still reads it.
        Assert.Single(await kit.ListAsync("conditions", client: kit.Portal));

        await (await kit.Nurse.PostAsJsonAsync($"/api/v1/patients/{kit.PatientId}/break-glass", new { reason = "Collapsed in the waiting room, need the history" }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Single(await kit.ListAsync("conditions", client: kit.Nurse));
    }

    [Fact]
    public async Task Other_areas_add_conditions_in_their_own_unit_of_work_without_duplicating_current_ones()
    {
        var kit = await HistoryKit.CreateAsync();
        await kit.RecordAsync("conditions", new { code = "E11.9", text = "Type 2 diabetes mellitus" });
        using var scope = kit.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
        await db.UseTenantAsync(kit.Tenant.Id, kit.Tenant.Schema);
        var history = scope.ServiceProvider.GetRequiredService<MedicalHistory>();

        var bad = await Assert.ThrowsAsync<Carebase.Api.Platform.Errors.ValidationException>(() =>
            history.AddConditionsAsync(kit.PatientId, [new("X1", "Bad code", null)], default, field: "diagnoses"));
        Assert.Contains("diagnoses[0].code", bad.Errors.Keys);

        var added = await history.AddConditionsAsync(kit.PatientId,
            [new("e11.9", "Diabetes", HistoryKit.Today), new("J45.909", "Asthma", HistoryKit.Today), new("J45.909", "Asthma again", null), new(null, "Low back pain", null)],
            default);
        Assert.Equal(new string?[] { "J45.909", null }, added.Select(c => c.Code));
        // Nothing is saved until the caller saves.
        Assert.Single(await kit.ListAsync("conditions"));
        await db.SaveChangesAsync();
        Assert.Equal(3, (await kit.ListAsync("conditions")).Count);
    }
}
