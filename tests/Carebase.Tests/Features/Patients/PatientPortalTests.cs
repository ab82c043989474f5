namespace Carebase.Tests.Features.Patients;

public sealed class PatientPortalTests
{
    [Fact]
    public async Task An_invited_patient_sets_a_password_and_sees_only_their_own_record()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        var me = await PatientKit.RegisterAsync(desk, PatientKit.Person(first: "Ifeoma", last: "Eze"));
        var other = await PatientKit.RegisterAsync(desk, PatientKit.Person(first: "Someone", last: "Else"));
        var email = me["email"]!.GetValue<string>();

        var invite = await (await desk.PostAsJsonAsync($"/api/v1/patients/{me.Id()}/portal-invite", new { })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(email, invite["email"]!.GetValue<string>());
        await (await desk.PostAsJsonAsync($"/api/v1/patients/{me.Id()}/portal-invite", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "portal_account_exists");
        var mail = await app.Mail.WaitForAsync(email, "welcome");
        using var anon = app.Anonymous();
        await (await anon.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = mail.Token, newPassword = "My-Own-Portal-Pass-1" }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        using var patient = await app.SignInAsync(email, "My-Own-Portal-Pass-1");

        var profile = await (await patient.GetAsync("/api/v1/auth/me")).JsonAsync();
        Assert.Equal(me.Id().ToString(), profile["patientId"]!.GetValue<string>());
        await (await patient.GetAsync($"/api/v1/patients/{me.Id()}")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await patient.GetAsync($"/api/v1/patients/{other.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await patient.PatchAsJsonAsync($"/api/v1/patients/{other.Id()}", new { city = "X" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var list = await (await patient.GetAsync("/api/v1/patients")).JsonAsync();
        Assert.Equal(1, list["total"]!.GetValue<long>());
        Assert.Equal(me.Id().ToString(), list["items"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(0, (await (await patient.GetAsync("/api/v1/patients?q=Someone")).JsonAsync())["total"]!.GetValue<long>());

        var contact = await (await patient.PatchAsJsonAsync($"/api/v1/patients/{me.Id()}", new { phone = "+234 801 234 5678", city = "Enugu" })).JsonAsync();
        Assert.Equal("Enugu", contact["city"]!.GetValue<string>());
        await (await patient.PatchAsJsonAsync($"/api/v1/patients/{me.Id()}", new { firstName = "Queen" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "contact_fields_only");
        await (await patient.PatchAsJsonAsync($"/api/v1/patients/{me.Id()}", new { bloodType = "AB_NEGATIVE" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "contact_fields_only");
        await (await patient.PostAsJsonAsync("/api/v1/patients", PatientKit.Person())).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.GetAsync("/api/v1/patients/export")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.GetAsync("/api/v1/patients/duplicates?dateOfBirth=1980-01-01")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Self_registration_only_where_the_hospital_allows_it_and_only_after_email_confirmation()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var anon = app.Anonymous();
        var email = $"self-{Guid.NewGuid():N}@mail.test";
        var body = new { hospital = tenant.Slug, firstName = "Noor", lastName = "Haddad", dateOfBirth = "1995-09-09", gender = "FEMALE", email, password = "Noor-Strong-Pass-42" };

        await (await anon.PostAsJsonAsync("/api/v1/auth/register-patient", body)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "self_registration_disabled");
        await (await anon.PostAsJsonAsync("/api/v1/auth/register-patient", body with { hospital = "no-such-hospital" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await TestDatabase.ExecuteAsync("UPDATE platform.tenants SET allow_patient_self_registration = true WHERE id = $1", tenant.Id);
        await (await anon.PostAsJsonAsync("/api/v1/auth/register-patient", body with { dateOfBirth = "2999-01-01" })).ShouldBeProblemAsync((HttpStatusCode)422);
        var created = await (await anon.PostAsJsonAsync("/api/v1/auth/register-patient", body)).JsonAsync(HttpStatusCode.Created);

        await (await anon.PostAsJsonAsync("/api/v1/auth/login", new { email, password = body.password })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "email_not_confirmed");
        var mail = await app.Mail.WaitForAsync(email, "email-verification");
        await (await anon.PostAsJsonAsync("/api/v1/auth/confirm-email", new { userId = created["userId"]!.GetValue<string>(), token = mail.Token }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        using var patient = await app.SignInAsync(email, body.password);
        var record = await (await patient.GetAsync($"/api/v1/patients/{created["patientId"]}")).JsonAsync();
        Assert.False(record["isVerified"]!.GetValue<bool>());
        Assert.Equal("Noor", record["firstName"]!.GetValue<string>());
    }
}
