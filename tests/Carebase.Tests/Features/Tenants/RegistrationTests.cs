using Carebase.Api.Features.Tenants;
using Carebase.Tests.Features.Platform;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Tenants;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Registered_hospital_goes_live_when_its_admin_confirms_the_email()
    {
        var app = await CarebaseApp.Shared();
        var slug = PlatformTestKit.NewSlug("reg");
        var email = $"owner@{slug}.test";
        using var anonymous = app.Anonymous();

        var response = await anonymous.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, email));
        var created = await response.JsonAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<Guid>();
        Assert.Equal(slug, created["slug"]!.GetValue<string>());
        Assert.Equal("PENDING", created["status"]!.GetValue<string>());
        Assert.EndsWith($"/platform/tenants/{id}", response.Headers.Location!.ToString());

        await (await app.LoginResponseAsync(email)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "email_not_confirmed");

        var mail = await app.Mail.WaitForAsync(email, "email-verification");
        var confirm = await anonymous.PostAsJsonAsync("/api/v1/auth/confirm-email", new { userId = PlatformTestKit.UserIdOf(mail), token = mail.Token });
        await confirm.EnsureStatusAsync(HttpStatusCode.NoContent);

        using var super = await app.SuperAdminAsync();
        Assert.Equal("ACTIVE", (await super.TenantAsync(id))["status"]!.GetValue<string>());
        using var admin = await app.SignInAsync(email);
        var settings = await (await admin.GetAsync("/api/v1/tenant")).JsonAsync();
        Assert.Equal(slug, settings["slug"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", settings["timezone"]!.GetValue<string>());
        Assert.Equal("EUR", settings["currency"]!.GetValue<string>());
        var me = await (await admin.GetAsync("/api/v1/auth/me")).JsonAsync();
        Assert.Contains("HOSPITAL_ADMIN", me["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Registration_with_bad_fields_is_422_naming_each_field_and_creates_nothing()
    {
        var app = await CarebaseApp.Shared();
        using var anonymous = app.Anonymous();

        var bad = await anonymous.PostAsJsonAsync("/api/v1/tenants/register", new
        {
            hospitalName = "", slug = "Not A Slug", timezone = "Mars/Olympus_Mons", currency = "usd",
            admin = new { firstName = "A", lastName = "B", email = "not-an-email", password = CarebaseApp.Password },
        });
        var errors = (await bad.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed"))["errors"]!.AsObject();
        foreach (var field in new[] { "hospitalName", "slug", "timezone", "currency", "admin.email" })
            Assert.True(errors.ContainsKey(field), $"expected an error on {field}: {errors.ToJsonString()}");

        var noAdmin = await anonymous.PostAsJsonAsync("/api/v1/tenants/register", new { hospitalName = "X", slug = "x-ok", timezone = "UTC", currency = "USD" });
        Assert.True((await noAdmin.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!.AsObject().ContainsKey("admin"));

        var slug = PlatformTestKit.NewSlug("weak");
        var weak = await anonymous.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, $"owner@{slug}.test", "short"));
        var weakErrors = (await weak.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!.AsObject();
        Assert.True(weakErrors.ContainsKey("admin.password"), weakErrors.ToJsonString());
        // The transaction rolled back: no tenant row, no schema.
        Assert.False(await app.WithDbAsync(db => db.Set<Tenant>().AnyAsync(t => t.Slug == slug)));
        Assert.False(await app.WithDbAsync(db => db.Database
            .SqlQuery<bool>($"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {"tenant_" + slug.Replace('-', '_')}) AS \"Value\"").SingleAsync()));
    }

    [Fact]
    public async Task A_caller_signed_in_to_another_hospital_registers_a_new_one_like_anyone_else()
    {
        var app = await CarebaseApp.Shared();
        var admin = await (await app.NewTenantAsync("own")).AdminAsync();
        var slug = PlatformTestKit.NewSlug("second");
        var created = await (await admin.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, $"owner@{slug}.test")))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(slug, created["slug"]!.GetValue<string>());
        await app.Mail.WaitForAsync($"owner@{slug}.test", "email-verification");
    }

    [Fact]
    public async Task A_taken_slug_is_409_and_the_first_hospital_is_untouched()
    {
        var app = await CarebaseApp.Shared();
        var slug = PlatformTestKit.NewSlug("dup");
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, $"first@{slug}.test")))
            .EnsureStatusAsync(HttpStatusCode.Created);

        var second = await anonymous.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, $"second@{slug}.test"));

        await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slug_taken");
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Tenant>().CountAsync(t => t.Slug == slug)));
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == $"second@{slug}.test")));
    }

    [Fact]
    public async Task Racing_registrations_for_one_slug_create_one_hospital_and_the_others_get_409()
    {
        var app = await CarebaseApp.Shared();
        var slug = PlatformTestKit.NewSlug("race");
        using var anonymous = app.Anonymous();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            anonymous.PostAsJsonAsync("/api/v1/tenants/register", PlatformTestKit.Registration(slug, $"owner{i}@{slug}.test"))));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        foreach (var lost in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await lost.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slug_taken");
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Tenant>().CountAsync(t => t.Slug == slug)));
        Assert.Equal(1, await app.WithDbAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("@" + slug + ".test"))));
    }

    [Fact]
    public async Task With_approval_required_a_verified_hospital_waits_for_a_super_admin()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("approval"),
            new Dictionary<string, string?> { ["Carebase:Tenants:RequireApproval"] = "true" });
        var slug = PlatformTestKit.NewSlug("appr");
        var email = $"owner@{slug}.test";

        var id = await app.RegisterAndConfirmAsync(slug, email);

        using var super = await app.SuperAdminAsync();
        Assert.Equal("VERIFIED", (await super.TenantAsync(id))["status"]!.GetValue<string>());
        await (await app.LoginResponseAsync(email)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "tenant_not_active");
        var waiting = await (await super.GetAsync("/api/v1/platform/tenants?status=VERIFIED")).JsonAsync();
        Assert.Contains(id, waiting["items"]!.AsArray().Select(t => t!["id"]!.GetValue<Guid>()));

        var activated = await (await super.PostAsJsonAsync($"/api/v1/platform/tenants/{id}/activate", new { reason = "checked" })).JsonAsync();

        Assert.Equal("ACTIVE", activated["status"]!.GetValue<string>());
        await (await app.LoginResponseAsync(email)).EnsureStatusAsync(HttpStatusCode.OK);
    }
}
