using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;
using static Carebase.Tests.Features.Prescriptions.PrescriptionsKit;

namespace Carebase.Tests.Features.Prescriptions;

/// <summary>Prescriptions through the real pipeline: drafts, issue with its checks, cancel, lists, the PDF, the portal and the gate.</summary>
public sealed class PrescriptionsTests(PrescriptionsKit kit) : IClassFixture<PrescriptionsKit>
{
    const string Url = "/api/v1/prescriptions";

    static HttpRequestMessage Send(HttpMethod method, string url, object? body, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task A_draft_is_written_edited_issued_under_an_RX_code_then_immutable_and_cancelled_with_a_reason()
    {
        var (patient, visit) = await kit.PatientInVisitAsync();
        var draft = await kit.DraftAsync(visit,
            new { stockItemId = kit.Amoxicillin, doseAmount = 1, frequency = "TID", durationDays = 7, instructions = "After food" },
            new { medicine = "Paracetamol syrup 120 mg/5 ml", doseAmount = 2.5, doseUnit = "ml", frequency = "Q8H", durationDays = 5 },
            new { medicine = "Vitamin D3 50,000 IU", doseAmount = 1, doseUnit = "capsule", frequency = "WEEKLY", durationDays = 10 },
            new { medicine = "Salbutamol inhaler", dose = "2 puffs", frequency = "PRN", quantity = 1 });
        var id = draft.Id();
        Assert.Equal("DRAFT", draft.Str("status"));
        Assert.Null(draft["code"]);
        Assert.Equal(patient.Id(), draft["patientId"]!.GetValue<Guid>());
        Assert.Equal(kit.DoctorId, draft["doctorId"]!.GetValue<Guid>());
        var items = draft["items"]!.AsArray();
        // From the catalog: its name, unit and route; quantities computed: 1 × 3/day × 7 days, ceil(2.5 × 3 × 5), 1 × 2 weeks.
        Assert.Equal("Amoxicillin 500 mg capsules", items[0]!.Str("medicine"));
        Assert.Equal(("capsule", "oral"), (items[0]!.Str("doseUnit"), items[0]!.Str("route")));
        Assert.Equal([21, 38, 2, 1], items.Select(i => i!["quantity"]!.GetValue<int>()));

        // Edited while DRAFT, with If-Match (412 when stale); the items are replaced whole.
        var read = await kit.Doctor.GetAsync($"{Url}/{id}");
        var etag = read.Headers.ETag!.Tag;
        await (await kit.Doctor.SendAsync(Send(HttpMethod.Patch, $"{Url}/{id}", new { notes = "x" }, "\"99\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        var edited = await (await kit.Doctor.SendAsync(Send(HttpMethod.Patch, $"{Url}/{id}",
            new { notes = "Review in a week", items = new[] { Item("Cetirizine 10 mg", "OD", 1, 10), Item("Omeprazole 20 mg", "BID", 1, 14) } }, etag))).JsonAsync();
        Assert.Equal(["Cetirizine 10 mg", "Omeprazole 20 mg"], edited["items"]!.AsArray().Select(i => i!.Str("medicine")));
        Assert.Equal([10, 28], edited["items"]!.AsArray().Select(i => i!["quantity"]!.GetValue<int>()));
        Assert.Equal("Review in a week", edited.Str("notes"));

        // The pharmacist reads it but does not prescribe; a portal patient does not see drafts.
        await (await kit.Pharmacist.GetAsync($"{Url}/{id}")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Pharmacist.PostAsJsonAsync($"{Url}/{id}/issue", new { })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var portal = await kit.PortalAsync(patient.Id());
        await (await portal.GetAsync($"{Url}/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await portal.GetAsync(Url)).ItemsAsync());

        var issued = await (await kit.IssueAsync(id)).JsonAsync();
        Assert.Equal("ISSUED", issued.Str("status"));
        Assert.Matches(new Regex($@"^RX-{TimeProvider.System.GetUtcNow().Year}-\d{{6}}$"), issued.Str("code"));
        Assert.Empty(issued["overrides"]!.AsArray());

        // Immutable once issued.
        await (await kit.Doctor.PatchAsJsonAsync($"{Url}/{id}", new { notes = "later" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_draft");
        await (await kit.Doctor.DeleteAsync($"{Url}/{id}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_draft");
        await (await kit.IssueAsync(id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_draft");

        // The portal patient now sees it (without staff-only fields), and it is on the timeline.
        var mine = await (await portal.GetAsync($"{Url}/{id}")).JsonAsync();
        Assert.False(mine.ContainsKey("issuedBy"));
        Assert.Equal(id, Assert.Single(await (await portal.GetAsync(Url)).ItemsAsync())!.Id());
        var timeline = await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient.Id()}/timeline")).ItemsAsync();
        Assert.Contains(timeline, e => e!.Str("type") == "PRESCRIPTION" && e!.Str("title") == $"Prescription {issued.Str("code")}");

        await (await kit.Doctor.PostAsJsonAsync($"{Url}/{id}/cancel", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var cancelled = await (await kit.Doctor.PostAsJsonAsync($"{Url}/{id}/cancel", new { reason = "Wrong patient weight used" })).JsonAsync();
        Assert.Equal(("CANCELLED", "Wrong patient weight used"), (cancelled.Str("status"), cancelled.Str("cancelReason")));
        await (await kit.Doctor.PostAsJsonAsync($"{Url}/{id}/cancel", new { reason = "again" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_cancellable");

        // A draft is discarded outright.
        var other = await kit.DraftAsync(visit, Item("Cetirizine 10 mg", "OD"));
        await (await kit.Doctor.DeleteAsync($"{Url}/{other.Id()}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await kit.Doctor.GetAsync($"{Url}/{other.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_items_are_422_naming_the_field()
    {
        var (_, visit) = await kit.PatientInVisitAsync();
        async Task<JsonNode> Errors(object body) =>
            (await (await kit.Doctor.PostAsJsonAsync(Url, body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!;

        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { Item("Salbutamol", "PRN") } }))["items[0].quantity"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { Item("Amoxicillin", "TID", durationDays: null) } }))["items[0].quantity"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { new { medicine = "Cream", frequency = "BID", quantity = 1 } } }))["items[0].doseAmount"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { Item("X", "THRICE") } }))["items[0].frequency"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { new { stockItemId = kit.Amoxicillin, medicine = "Amoxicillin", doseAmount = 1, frequency = "OD", durationDays = 1 } } }))["items[0].medicine"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { new { stockItemId = kit.Gauze, doseAmount = 1, frequency = "OD", durationDays = 1 } } }))["items[0].stockItemId"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = new[] { new { stockItemId = kit.Withdrawn, doseAmount = 1, frequency = "OD", durationDays = 1 } } }))["items[0].stockItemId"]);
        Assert.NotNull((await Errors(new { visitId = visit, items = Array.Empty<object>() }))["items"]);
        Assert.NotNull((await Errors(new { items = new[] { Item("X") } }))["visitId"]);
        // An unknown visit is not found; a STAT dose needs no duration.
        await (await kit.Doctor.PostAsJsonAsync(Url, new { visitId = Guid.NewGuid(), items = new[] { Item("X") } })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var stat = await kit.DraftAsync(visit, Item("Adrenaline 0.5 mg", "STAT", 1, durationDays: null));
        Assert.Equal(1, stat["items"]![0]!["quantity"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_completed_visit_takes_no_new_prescription_and_what_was_dispensed_cannot_be_cancelled()
    {
        var (_, visit) = await kit.PatientInVisitAsync();
        var draft = await kit.DraftAsync(visit, new { stockItemId = kit.Cefalexin, doseAmount = 1, frequency = "QID", durationDays = 5 });
        await (await kit.Doctor.PostAsync($"/api/v1/visits/{visit}/complete", null)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Doctor.PostAsJsonAsync(Url, new { visitId = visit, items = new[] { Item("X") } })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        await (await kit.Doctor.PatchAsJsonAsync($"{Url}/{draft.Id()}", new { notes = "x" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        // Written during the visit, it is still issued afterwards.
        await (await kit.IssueAsync(draft.Id())).EnsureStatusAsync(HttpStatusCode.OK);

        await TestDatabase.ExecuteAsync($"""UPDATE "{kit.Tenant.Schema}".prescription_items SET quantity_dispensed = 4 WHERE prescription_id = $1""", draft.Id());
        await (await kit.Doctor.PostAsJsonAsync($"{Url}/{draft.Id()}/cancel", new { reason = "Changed my mind" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_cancellable");
    }

    [Fact]
    public async Task An_allergy_to_a_class_blocks_its_members_accents_and_case_aside_until_each_conflict_is_overridden_with_a_reason()
    {
        var (patient, visit) = await kit.PatientInVisitAsync();
        await kit.RecordAsync(patient.Id(), "allergies", new { substance = "  PeNICILLÍN ", category = "DRUG", severity = "SEVERE", reaction = "Hives" });
        var draft = await kit.DraftAsync(visit,
            new { stockItemId = kit.Amoxicillin, doseAmount = 1, frequency = "TID", durationDays = 7 },
            Item("Amoxil 500", "TID", 1, 7),
            Item("Cetirizine 10 mg", "OD", 1, 5));
        var problem = await (await kit.IssueAsync(draft.Id())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "allergy_conflict");
        // Both amoxicillin items conflict with the allergy (the class, and the brand's ingredient); the second also repeats the first.
        var all = problem["conflicts"]!.AsArray();
        Assert.Equal([(1, "duplicate_therapy")], all.Where(c => c!.Str("code") != "allergy_conflict").Select(c => (c!["itemIndex"]!.GetValue<int>(), c!.Str("code"))));
        var conflicts = all.Where(c => c!.Str("code") == "allergy_conflict").ToList();
        Assert.Equal([0, 1], conflicts.Select(c => c!["itemIndex"]!.GetValue<int>()));
        Assert.All(conflicts, c => Assert.Equal(("allergy_conflict", "PeNICILLÍN"), (c!.Str("code"), c!.Str("allergy"))));
        Assert.Contains("Penicillins", conflicts[0]!.Str("detail"));

        // Every conflicting item needs its override.
        var partly = await (await kit.IssueAsync(draft.Id(), new[] { new { itemIndex = 0, reason = "Tolerated amoxicillin in 2024" } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "allergy_conflict");
        Assert.All(partly["conflicts"]!.AsArray(), c => Assert.Equal(1, c!["itemIndex"]!.GetValue<int>()));

        var issued = await (await kit.IssueAsync(draft.Id(), new[]
        {
            new { itemIndex = 0, reason = "Tolerated amoxicillin in 2024" }, new { itemIndex = 1, reason = "Same: supervised first dose" },
        })).JsonAsync();
        var overrides = issued["overrides"]!.AsArray();
        Assert.Equal([(0, "allergy_conflict"), (1, "allergy_conflict"), (1, "duplicate_therapy")],
            overrides.Select(o => (o!["itemIndex"]!.GetValue<int>(), o!.Str("code"))));
        Assert.Equal("Same: supervised first dose", overrides[2]!.Str("reason"));
        Assert.Equal("HAS_ALLERGIES", issued["allergies"]!.Str("status"));
        Assert.Equal(3L, await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{kit.Tenant.Schema}".audit_log WHERE action = 'PRESCRIPTION_CONFLICT_OVERRIDDEN' AND resource_id = $1""", draft.Id().ToString()));
    }

    [Fact]
    public async Task The_same_ingredient_as_a_current_medication_is_duplicate_therapy_and_the_allergy_state_prints_as_recorded()
    {
        var (patient, visit) = await kit.PatientInVisitAsync();
        await kit.RecordAsync(patient.Id(), "medications", new { name = "Ibuprofen 400 mg tablets", status = "ACTIVE" });
        var draft = await kit.DraftAsync(visit, Item("Brufen 200mg", "TID", 1, 3));
        var problem = await (await kit.IssueAsync(draft.Id())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "duplicate_therapy");
        var conflict = Assert.Single(problem["conflicts"]!.AsArray())!;
        Assert.Equal(("Ibuprofen 400 mg tablets", 0), (conflict.Str("medication"), conflict["itemIndex"]!.GetValue<int>()));
        var issued = await (await kit.IssueAsync(draft.Id(), new[] { new { itemIndex = 0, reason = "Replaces the 400 mg dose" } })).JsonAsync();
        Assert.Equal("duplicate_therapy", Assert.Single(issued["overrides"]!.AsArray())!.Str("code"));

        // Never asked: "Allergies not recorded"; after "no known allergies" is recorded, it says so.
        Assert.Equal(("UNKNOWN", "Allergies not recorded"), (issued["allergies"]!.Str("status"), issued["allergies"]!.Str("text")));
        Assert.Contains("Allergies not recorded", (await PdfAsync(await kit.Doctor.GetAsync($"{Url}/{draft.Id()}/pdf"))).text);
        await (await kit.Doctor.PutAsJsonAsync($"/api/v1/patients/{patient.Id()}/allergies/status", new { noKnownAllergies = true })).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("NO_KNOWN_ALLERGIES", (await (await kit.Doctor.GetAsync($"{Url}/{draft.Id()}")).JsonAsync())["allergies"]!.Str("status"));
        Assert.Contains("No known allergies", (await PdfAsync(await kit.Doctor.GetAsync($"{Url}/{draft.Id()}/pdf"))).text);
    }

    [Fact]
    public async Task The_PDF_names_the_hospital_prescriber_patient_and_every_item_and_a_draft_is_watermarked()
    {
        var (patient, visit) = await kit.PatientInVisitAsync();
        var draft = await kit.DraftAsync(visit,
            new { stockItemId = kit.Cefalexin, doseAmount = 1, frequency = "QID", durationDays = 5, instructions = "Finish the course" },
            Item("Ondansetron 4 mg", "Q8H", 1, 2));
        var (text, width) = await PdfAsync(await kit.Doctor.GetAsync($"{Url}/{draft.Id()}/pdf"));
        Assert.Contains("DRAFT", text);
        Assert.Equal(595, width, 0);
        var issued = await (await kit.IssueAsync(draft.Id())).JsonAsync();
        var (printed, letter) = await PdfAsync(await kit.Pharmacist.GetAsync($"{Url}/{draft.Id()}/pdf?paper=letter"));
        Assert.Equal(612, letter, 0);
        foreach (var expected in new[]
        {
            $"Hospital {kit.Tenant.Slug}", patient.Str("firstName"), patient.Str("lastName"), patient.Str("patientCode"), issued.Str("code"),
            "Cefalexin 250 mg", "Ondansetron 4 mg", "Finish the course", "Allergies not recorded", issued.Str("doctorName"),
        })
            Assert.Contains(expected, printed);
        Assert.DoesNotContain("DRAFT", printed);
        await (await kit.Doctor.GetAsync($"{Url}/{draft.Id()}/pdf?paper=a5")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Lists_filter_by_patient_visit_doctor_and_status_and_other_hospitals_and_confidential_patients_are_kept_out()
    {
        var (patient, visit) = await kit.PatientInVisitAsync();
        var (otherPatient, otherVisit) = await kit.PatientInVisitAsync();
        var first = await kit.DraftAsync(visit, Item("Cetirizine 10 mg", "OD"));
        await kit.DraftAsync(otherVisit, Item("Cetirizine 10 mg", "OD"));
        await (await kit.IssueAsync(first.Id())).EnsureStatusAsync(HttpStatusCode.OK);

        Assert.Equal(first.Id(), Assert.Single(await (await kit.Doctor.GetAsync($"{Url}?patientId={patient.Id()}")).ItemsAsync())!.Id());
        Assert.Single(await (await kit.Nurse.GetAsync($"{Url}?visitId={otherVisit}")).ItemsAsync());
        var issuedMine = await (await kit.Doctor.GetAsync($"{Url}?doctorId=me&status=ISSUED&patientId={patient.Id()}")).ItemsAsync();
        Assert.Equal(["Cetirizine 10 mg"], Assert.Single(issuedMine)!["medicines"]!.AsArray().Select(m => m!.GetValue<string>()));
        await (await kit.Nurse.GetAsync($"{Url}?doctorId=me")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // A portal patient sees nobody else's.
        using var portal = await kit.PortalAsync(otherPatient.Id());
        await (await portal.GetAsync($"{Url}/{first.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await portal.GetAsync($"{Url}/{first.Id()}/pdf")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // Another hospital: 404, nothing listed.
        var stranger = await (await kit.App.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        await (await stranger.GetAsync($"{Url}/{first.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PostAsJsonAsync($"{Url}/{first.Id()}/cancel", new { reason = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await stranger.GetAsync(Url)).ItemsAsync());

        // Confidential: the visit's doctor is on the care team; a nurse outside it is refused and sees the list restricted.
        await (await kit.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Doctor.GetAsync($"{Url}/{first.Id()}")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Nurse.GetAsync($"{Url}/{first.Id()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Nurse.GetAsync($"{Url}/{first.Id()}/pdf")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var restricted = Assert.Single(await (await kit.Nurse.GetAsync($"{Url}?patientId={patient.Id()}")).ItemsAsync())!;
        Assert.True(restricted["restricted"]!.GetValue<bool>());
        Assert.Null(restricted["medicines"]);
    }
}
