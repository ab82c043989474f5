using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Operations;
using Microsoft.AspNetCore.Http;
using Carebase.Tests.Features.Queue;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Carebase.Tests.Features.Sharing.SharingKit;

namespace Carebase.Tests.Features.Sharing;

/// <summary>Read-only links through the real pipeline: made by staff, opened without an account, expiring, revoked, locked by wrong codes.</summary>
public sealed class ShareLinksTests(SharingKit kit) : IClassFixture<SharingKit>
{
    [Fact]
    public async Task A_link_opens_the_summary_without_an_account_as_json_or_a_printable_page_and_each_opening_is_a_disclosure()
    {
        var patient = await kit.PatientAsync();
        await (await kit.Doctor.PostAsJsonAsync($"/api/v1/patients/{patient}/allergies",
            new { substance = "<script>alert(1)</script>Peanut", category = "FOOD", severity = "SEVERE" })).EnsureStatusAsync(HttpStatusCode.Created);
        var created = await kit.LinkAsync(patient, hours: 48, recipient: "Dr Rao & partners");
        var link = created["link"]!.AsObject();
        Assert.Equal(("ACTIVE", false, 0), (link.Str("status"), link["hasAccessCode"]!.GetValue<bool>(), link["openCount"]!.GetValue<int>()));
        Assert.Null(created["accessCode"]);
        var token = created.Str("token");
        Assert.StartsWith(kit.Tenant.Slug + ".", token);
        Assert.True(token.Length - kit.Tenant.Slug.Length - 1 >= 43, "at least 256 bits of secret");
        Assert.Equal(TimeSpan.FromHours(48), DateTimeOffset.Parse(link.Str("expiresAt")) - DateTimeOffset.Parse(link.Str("createdAt")));
        // Only the hash is stored: the row is found by the SHA-256 of the token, and no column holds its secret.
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{kit.Tenant.Schema}".share_links WHERE token_hash = sha256(convert_to($1, 'UTF8'))""", token));
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{kit.Tenant.Schema}".share_links l WHERE strpos(row_to_json(l)::text, $1) > 0""",
            token[(token.LastIndexOf('.') + 1)..]));

        using var anonymous = kit.App.Anonymous();
        var json = await (await OpenAsync(anonymous, created)).JsonAsync();
        var shown = json["patient"]!.AsObject();
        Assert.Equal(kit.Tenant.Slug, json.Str("hospital").Split(' ')[^1]);
        Assert.Equal("HAS_ALLERGIES", json.Str("allergyStatus"));
        Assert.Equal("<script>alert(1)</script>Peanut", Assert.Single(json["activeAllergies"]!.AsArray())!.Str("substance"));
        Assert.Equal("Second opinion", json.Str("purpose"));
        // What a link leaves out: contact, address, insurance, national id, staff fields, the counts.
        foreach (var hidden in new[] { "phone", "email", "nationalId", "addressLine", "city", "insuranceNumber", "emergencyContactName", "createdBy", "id" })
            Assert.False(shown.ContainsKey(hidden), hidden);
        Assert.False(json.ContainsKey("counts"));

        var page = await OpenAsync(anonymous, created, accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        await page.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains(shown.Str("lastName"), html);
        Assert.Contains("style-src 'sha256-", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());

        var disclosures = await kit.DisclosuresAsync(patient);
        Assert.Equal(2, disclosures.Count);
        Assert.All(disclosures, node =>
        {
            var d = node!;
            Assert.Equal(("LINK_OPENED", "Dr Rao & partners", "Second opinion"), (d.Str("kind"), d.Str("recipient"), d.Str("purpose")));
            Assert.Equal(("SHARE_LINK", link.Str("id")), (d.Str("sourceType"), d.Str("sourceId")));
            Assert.Equal(kit.DoctorUserId.ToString(), d.Str("disclosedBy"));
            Assert.Equal(UserAgent, d.Str("userAgent"));
        });
        Assert.Contains(disclosures, d => d!.Str("description").Contains("HTML"));
        Assert.Equal(2, (await kit.LinkStateAsync(patient, link["id"]!.GetValue<Guid>()))["openCount"]!.GetValue<int>());
        Assert.Equal(2L, await kit.AuditCountAsync("SHARE_LINK_OPENED", patient.ToString()));
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{kit.Tenant.Schema}".audit_log WHERE action = 'SHARE_LINK_OPENED' AND resource_id = $1 AND user_agent = $2 AND user_id IS NULL""",
            patient.ToString(), UserAgent));
        Assert.Equal(1L, await kit.AuditCountAsync("SHARE_LINK_CREATED", patient.ToString()));
    }

    [Fact]
    public async Task An_expired_link_answers_410_on_the_injected_clock()
    {
        var patient = await kit.PatientAsync();
        var created = await kit.LinkAsync(patient, hours: 1);
        var clock = new MovableTime();
        await using var host = kit.App.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var anonymous = host.CreateClient();
        await (await OpenAsync(anonymous, created)).EnsureStatusAsync(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(59));
        await (await OpenAsync(anonymous, created)).EnsureStatusAsync(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(2));
        await (await OpenAsync(anonymous, created)).ShouldBeProblemAsync(HttpStatusCode.Gone, "link_expired");
        Assert.Equal(2, (await kit.DisclosuresAsync(patient)).Count); // a refused opening discloses nothing
    }

    [Fact]
    public async Task A_revoked_link_answers_410_and_stays_listed_as_revoked()
    {
        var patient = await kit.PatientAsync();
        var created = await kit.LinkAsync(patient);
        var id = created["link"]!.Str("id");
        using var anonymous = kit.App.Anonymous();
        await (await OpenAsync(anonymous, created)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await kit.Nurse.DeleteAsync($"/api/v1/patients/{patient}/share-links/{id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await kit.Doctor.DeleteAsync($"/api/v1/patients/{patient}/share-links/{id}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await kit.Doctor.DeleteAsync($"/api/v1/patients/{patient}/share-links/{id}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_revoked");
        await (await OpenAsync(anonymous, created)).ShouldBeProblemAsync(HttpStatusCode.Gone, "link_revoked");
        var state = await kit.LinkStateAsync(patient, Guid.Parse(id));
        Assert.Equal("REVOKED", state.Str("status"));
        Assert.Equal(kit.DoctorUserId.ToString(), state.Str("revokedBy"));
        Assert.Single(await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient}/share-links?status=REVOKED")).ItemsAsync());
        Assert.Empty(await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient}/share-links?status=ACTIVE")).ItemsAsync());
        // Another patient's link id under this patient is not found.
        var other = await kit.LinkAsync(await kit.PatientAsync());
        await (await kit.Doctor.DeleteAsync($"/api/v1/patients/{patient}/share-links/{other["link"]!.Str("id")}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Twenty_parallel_wrong_codes_get_five_tries_between_them_then_the_link_is_locked_for_good()
    {
        var patient = await kit.PatientAsync();
        var created = await kit.LinkAsync(patient, accessCode: true);
        var code = created.Str("accessCode");
        Assert.Matches("^[0-9]{6}$", code);
        using var anonymous = kit.App.Anonymous();
        await (await OpenAsync(anonymous, created)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "access_code_required");

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tries = Enumerable.Range(1, 20).Select(async n => { await gate.Task; return await OpenAsync(anonymous, created, WrongCode(code, n)); }).ToList();
        gate.SetResult();
        var answers = await Task.WhenAll(tries);
        var codes = new List<string>();
        foreach (var answer in answers) codes.Add((await answer.Content.ReadFromJsonAsync<JsonObject>())!.Str("code"));
        Assert.Equal(4, codes.Count(c => c == "access_code_invalid"));
        Assert.Equal(16, codes.Count(c => c == "link_locked"));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Unauthorized), a => Assert.Equal(HttpStatusCode.Gone, a.StatusCode));

        // The right code no longer opens it; the list shows it locked after five tries.
        await (await OpenAsync(anonymous, created, code)).ShouldBeProblemAsync(HttpStatusCode.Gone, "link_locked");
        var state = await kit.LinkStateAsync(patient, created["link"]!["id"]!.GetValue<Guid>());
        Assert.Equal(("LOCKED", 5), (state.Str("status"), state["failedAttempts"]!.GetValue<int>()));
        Assert.Empty(await kit.DisclosuresAsync(patient));
        Assert.Equal(1L, await kit.AuditCountAsync("SHARE_LINK_LOCKED", created["link"]!.Str("id")));
    }

    [Fact]
    public async Task The_right_code_opens_the_link_and_gives_its_try_back()
    {
        var patient = await kit.PatientAsync();
        var created = await kit.LinkAsync(patient, accessCode: true);
        var code = created.Str("accessCode");
        using var anonymous = kit.App.Anonymous();
        var wrong = await (await OpenAsync(anonymous, created, WrongCode(code))).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "access_code_invalid");
        Assert.Contains("4 tries left", wrong.Str("detail"));
        await (await OpenAsync(anonymous, created, "12ab")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "access_code_invalid");
        await (await OpenAsync(anonymous, created, code)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await OpenAsync(anonymous, created, code)).EnsureStatusAsync(HttpStatusCode.OK);
        var state = await kit.LinkStateAsync(patient, created["link"]!["id"]!.GetValue<Guid>());
        Assert.Equal(("ACTIVE", 2, 2), (state.Str("status"), state["failedAttempts"]!.GetValue<int>(), state["openCount"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Unknown_malformed_and_other_hospital_tokens_are_404()
    {
        using var anonymous = kit.App.Anonymous();
        var real = (await kit.LinkAsync(await kit.PatientAsync())).Str("token");
        var secret = real[(real.LastIndexOf('.') + 1)..];
        foreach (var token in new[] { "nothing", $"{kit.Tenant.Slug}.{new string('A', 43)}", $"no-such-hospital.{secret}", $"{kit.Tenant.Slug}.{secret[..^1]}" })
            await (await anonymous.GetAsync($"/api/v1/public/shared/{Uri.EscapeDataString(token)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public void The_token_is_left_out_of_the_logs()
    {
        Assert.Equal("/api/v1/public/shared/[token]", OperationsSetup.LoggedPath(new PathString("/api/v1/public/shared/general.s3cr3t-value")));
        Assert.Equal("/api/v1/patients/1/share-links", OperationsSetup.LoggedPath(new PathString("/api/v1/patients/1/share-links")));
    }

    [Fact]
    public async Task The_public_route_is_rate_limited_per_address()
    {
        await using var host = kit.App.WithWebHostBuilder(b => b.UseSetting("Carebase:RateLimits:PublicLinkPerIpPerMinute", "3"));
        using var anonymous = host.CreateClient();
        for (var i = 0; i < 3; i++)
            await (await anonymous.GetAsync("/api/v1/public/shared/nothing")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var limited = await anonymous.GetAsync("/api/v1/public/shared/nothing");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
    }

    [Fact]
    public async Task Bad_input_names_the_fields()
    {
        var patient = await kit.PatientAsync();
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { expiresInHours = 169, purpose = "x" }, "expiresInHours"),
                     (new { expiresInHours = 0, purpose = "x" }, "expiresInHours"),
                     (new { purpose = "x" }, "expiresInHours"),
                     (new { expiresInHours = 2 }, "purpose"),
                     (new { expiresInHours = 2, purpose = "   " }, "purpose"),
                     (new { expiresInHours = 2, purpose = new string('p', 501) }, "purpose"),
                     (new { expiresInHours = 2, purpose = "x", recipient = new string('r', 201) }, "recipient"),
                 })
        {
            var problem = await (await kit.Doctor.PostAsJsonAsync($"/api/v1/patients/{patient}/share-links", body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.True(problem["errors"]!.AsObject().ContainsKey(field), $"{field}: {problem}");
        }
        var list = await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient}/share-links?status=OPEN")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.True(list["errors"]!.AsObject().ContainsKey("status"));
        Assert.Empty(await (await kit.Doctor.GetAsync($"/api/v1/patients/{patient}/share-links")).ItemsAsync());
    }

    [Fact]
    public async Task A_confidential_patient_needs_break_glass_and_another_hospital_sees_nothing()
    {
        var patient = await kit.PatientAsync();
        await (await kit.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await CreateLinkAsync(kit.Admin, patient)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Admin.GetAsync($"/api/v1/patients/{patient}/share-links")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");

        var other = await kit.App.NewTenantAsync();
        var otherDoctor = await other.ClientAsync(SystemRoles.Doctor);
        var mine = await kit.PatientAsync();
        var created = await kit.LinkAsync(mine);
        await (await CreateLinkAsync(otherDoctor, mine)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await otherDoctor.GetAsync($"/api/v1/patients/{mine}/share-links")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await otherDoctor.DeleteAsync($"/api/v1/patients/{mine}/share-links/{created["link"]!.Str("id")}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A deleted record is not shared.
        await (await kit.Admin.DeleteAsync($"/api/v1/patients/{mine}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        using var anonymous = kit.App.Anonymous();
        await (await OpenAsync(anonymous, created)).ShouldBeProblemAsync(HttpStatusCode.Gone, "record_unavailable");
    }

    [Fact]
    public async Task The_portal_patient_sees_the_links_of_their_record_without_tokens_and_nobody_elses()
    {
        var patient = await kit.PatientAsync();
        var someoneElse = await kit.PatientAsync();
        var created = await kit.LinkAsync(patient, accessCode: true);
        await kit.LinkAsync(someoneElse);
        using var portal = await kit.PortalAsync(patient);
        var links = await (await portal.GetAsync($"/api/v1/patients/{patient}/share-links")).ItemsAsync();
        var link = Assert.Single(links)!.AsObject();
        Assert.Equal(created["link"]!.Str("id"), link.Str("id"));
        Assert.True(link["hasAccessCode"]!.GetValue<bool>());
        foreach (var hidden in new[] { "token", "accessCode", "tokenHash", "accessCodeHash", "createdBy" }) Assert.False(link.ContainsKey(hidden), hidden);
        Assert.DoesNotContain(created.Str("token"), links.ToJsonString());
        await (await portal.GetAsync($"/api/v1/patients/{someoneElse}/share-links")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A patient does not make or revoke links.
        await (await CreateLinkAsync(portal, patient)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await portal.DeleteAsync($"/api/v1/patients/{patient}/share-links/{link.Str("id")}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }
}
