using Microsoft.EntityFrameworkCore;
using System.Text.RegularExpressions;

namespace Carebase.Tests.Features.Patients;

public sealed class PatientRegistrationTests
{
    [Fact]
    public async Task Registration_stores_every_field_and_answers_201_with_location_code_and_etag()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        var person = PatientKit.Person(first: "Zoë", last: "O'Neill", dob: "1988-02-29");
        person["middleName"] = "Anne";
        person["addressLine"] = "12 Elm Street";
        person["state"] = "IL";
        person["postalCode"] = "62701";
        person["country"] = "US";
        person["emergencyContactName"] = "Sam O'Neill";
        person["emergencyContactPhone"] = "+1 555 0100";
        person["emergencyContactRelation"] = "Brother";
        person["insuranceProvider"] = "Acme Health";
        person["insuranceNumber"] = "AC-123";
        person["occupation"] = "Teacher";
        person["consentSms"] = true;
        person["consentDataSharing"] = true;

        var response = await client.PostAsJsonAsync("/api/v1/patients", person);
        var created = await response.JsonAsync(HttpStatusCode.Created);

        Assert.Matches(new Regex(@"^P-\d{4}-\d{6}$"), created["patientCode"]!.GetValue<string>());
        Assert.Equal($"/api/v1/patients/{created.Id()}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.Tag);
        var fetched = await (await client.GetAsync($"/api/v1/patients/{created.Id()}")).JsonAsync();
        foreach (var (key, value) in person)
            Assert.Equal(value?.ToString()?.ToLowerInvariant(), fetched[key]?.ToString().ToLowerInvariant());
        Assert.Equal("Anne", fetched["middleName"]!.GetValue<string>());
        Assert.False(fetched["consentEmail"]!.GetValue<bool>());
        Assert.Equal(tenant.Id, await app.WithDbAsync(async db => (await db.Set<Carebase.Api.Platform.Audit.AuditEntry>()
            .ToListAsync()).Single(a => a.Action == "PATIENT_CREATED" && a.ResourceId == created.Id().ToString()).TenantId!.Value, tenant));
    }

    [Theory]
    [InlineData("dateOfBirth", "2999-01-01")]
    [InlineData("phone", "call me maybe")]
    [InlineData("phone", "123")]
    [InlineData("email", "not-an-email")]
    [InlineData("gender", "M")]
    [InlineData("bloodType", "A+")]
    [InlineData("insuranceType", "GOLD")]
    [InlineData("maritalStatus", "COMPLICATED")]
    [InlineData("patientType", "ER")]
    [InlineData("firstName", "")]
    public async Task Invalid_fields_are_422_naming_the_field(string field, string value)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        var person = PatientKit.Person();
        person[field] = value;
        var problem = await (await client.PostAsJsonAsync("/api/v1/patients", person)).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Fifty_parallel_registrations_get_fifty_distinct_codes()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var token = (await app.LoginAsync((await tenant.CreateUserAsync("RECEPTIONIST")).email)).AccessToken;

        var codes = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var client = app.WithToken(token);
            return (await PatientKit.RegisterAsync(client, PatientKit.Person()))["patientCode"]!.GetValue<string>();
        }));

        Assert.Equal(50, codes.Distinct().Count());
    }

    [Fact]
    public async Task A_likely_duplicate_is_409_with_candidates_unless_registered_deliberately_with_a_reason()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        var first = await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Maria", last: "Garcia", dob: "1970-05-05", nationalId: "X-998877"));

        // Same person, typed differently: accent, a typo, another phone format.
        var again = PatientKit.Person(first: "María", last: "Garcai", dob: "1970-05-05");
        var problem = await (await client.PostAsJsonAsync("/api/v1/patients", again)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "possible_duplicate");
        Assert.Equal(first.Id(), Guid.Parse(problem["candidates"]![0]!["id"]!.GetValue<string>()));

        var sameId = PatientKit.Person(nationalId: "X-998877");
        var byId = await (await client.PostAsJsonAsync("/api/v1/patients", sameId)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "possible_duplicate");
        Assert.Contains("SAME_NATIONAL_ID", byId["candidates"]![0]!["reasons"]!.AsArray().Select(r => r!.GetValue<string>()));

        again["allowDuplicate"] = true;
        await (await client.PostAsJsonAsync("/api/v1/patients", again)).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        again["duplicateReason"] = "Twin sister, confirmed at the desk";
        var created = await PatientKit.RegisterAsync(client, again);
        var audit = await app.WithDbAsync(db => db.Set<Carebase.Api.Platform.Audit.AuditEntry>()
            .Where(a => a.Action == "PATIENT_CREATED" && a.ResourceId == created.Id().ToString()).Select(a => a.Changes).SingleAsync(), tenant);
        Assert.Contains("Twin sister", audit);
    }

    [Fact]
    public async Task A_candidate_without_phone_or_national_id_is_still_weighed_as_a_duplicate()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        var first = PatientKit.Person(first: "Ines", last: "Barros", dob: "1979-03-04");
        first["phone"] = null;
        first["nationalId"] = null;
        await PatientKit.RegisterAsync(client, first);
        // Same birth date, a similar name and a phone: the stored candidate's missing phone must compare as "no", not fail.
        var second = PatientKit.Person(first: "Inês", last: "Barros", dob: "1979-03-04");
        var problem = await (await client.PostAsJsonAsync("/api/v1/patients", second)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "possible_duplicate");
        Assert.Single(problem["candidates"]!.AsArray());
    }

    [Fact]
    public async Task The_patient_limit_of_the_hospital_is_enforced()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        await TestDatabase.ExecuteAsync("UPDATE platform.tenants SET max_patients = 2 WHERE id = $1", tenant.Id);
        using var client = await tenant.ClientAsync("RECEPTIONIST");
        await PatientKit.RegisterAsync(client, PatientKit.Person());
        await PatientKit.RegisterAsync(client, PatientKit.Person());

        var problem = await (await client.PostAsJsonAsync("/api/v1/patients", PatientKit.Person())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_limit_reached");
        Assert.Contains("2", problem["detail"]!.GetValue<string>());
    }
}
