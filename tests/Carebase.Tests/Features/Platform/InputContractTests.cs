using System.Text;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Scheduling;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The input contract, one case per rule, with the inputs a trial found answering 500: bad input is a 422 naming the
/// field or parameter (400 only for a body that is not JSON), whatever the route. The sweep over every route of the
/// OpenAPI document (HostileInputTests) keeps later routes to the same rules.
/// </summary>
public sealed class InputContractTests
{
    static StringContent Json(string raw) => new(raw, Encoding.UTF8, "application/json");

    static async Task<string> FieldErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await response.ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.True(problem["errors"]?[field] is not null, $"expected an error for '{field}': {problem.ToJsonString()}");
        return problem["errors"]![field]![0]!.GetValue<string>();
    }

    [Fact]
    public async Task Nul_and_control_characters_are_refused_in_bodies_and_query_strings_alike()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("in");
        var admin = await tenant.AdminAsync();
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Nurse);

        Assert.Equal("Must not contain control characters.", await FieldErrorAsync(await admin.PatchAsync("/api/v1/tenant", Json("""{"name":"\u0000"}""")), "name"));
        await FieldErrorAsync(await admin.PatchAsync($"/api/v1/users/{userId}", Json("""{"firstName":"Ann\u0000"}""")), "firstName");
        await FieldErrorAsync(await admin.PatchAsync($"/api/v1/users/{userId}", Json("""{"firstName":"Ann\u001b[31m"}""")), "firstName");
        Assert.Equal("Must be valid Unicode text.", await FieldErrorAsync(await admin.PatchAsync($"/api/v1/users/{userId}", Json("""{"lastName":"\ud800"}""")), "lastName"));
        Assert.Equal("Must be a single line (no tabs or line breaks).",
            await FieldErrorAsync(await admin.PatchAsync($"/api/v1/users/{userId}", Json("""{"lastName":"Smith\nJones"}""")), "lastName"));
        // Free text keeps its line breaks.
        var department = await (await admin.PostAsync("/api/v1/departments", Json("""{"name":"Wound care","description":"Dressings\nand follow-ups","isPatientFacing":false}""")))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal("Dressings\nand follow-ups", department["description"]!.GetValue<string>());

        foreach (var route in new[] { "/api/v1/patients?q=a%00b", "/api/v1/users?q=a%00b", "/api/v1/departments?q=a%00b" })
            Assert.Equal("Must not contain control characters.", await FieldErrorAsync(await admin.GetAsync(route), "q"));
        await (await admin.GetAsync("/api/v1/users?q%00=a")).ShouldBeProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Dates_and_instants_are_bounded_and_an_instant_needs_its_offset()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York");
        var patient = await kit.NewPatientAsync();
        var doctor = $"/api/v1/doctors/{kit.DoctorId}";
        foreach (var list in new[] { "available-slots", "time-off", "extra-sessions" })
        {
            await FieldErrorAsync(await kit.Admin.GetAsync($"{doctor}/{list}?from=9999-12-25&to=9999-12-31"), "from");
            await FieldErrorAsync(await kit.Admin.GetAsync($"{doctor}/{list}?from=0001-01-01"), "from");
        }
        await FieldErrorAsync(await kit.Admin.GetAsync("/api/v1/appointments?to=9999-12-31"), "to");
        await FieldErrorAsync(await kit.Admin.GetAsync("/api/v1/appointments/analytics?from=9999-01-01&to=9999-12-31"), "from");

        var booking = (string startsAt) => Json($$"""{"patientId":"{{patient}}","doctorId":"{{kit.DoctorId}}","startsAt":"{{startsAt}}"}""");
        Assert.StartsWith("Must be a date and time with its offset", await FieldErrorAsync(await kit.Admin.PostAsync("/api/v1/appointments", booking("9999-12-31T10:00:00-05:00")), "startsAt"));
        await FieldErrorAsync(await kit.Admin.PostAsync("/api/v1/appointments", booking("2026-12-02")), "startsAt");
        await FieldErrorAsync(await kit.Admin.PostAsync("/api/v1/appointments", booking($"{kit.At(2, 10):yyyy-MM-ddTHH:mm:ss}")), "startsAt");
        var booked = await kit.BookedAsync(patient, kit.At(2, 10));
        await FieldErrorAsync(await kit.Admin.PostAsync($"/api/v1/appointments/{SchedulingKit.IdOf(booked)}/reschedule", Json("""{"startsAt":"9999-12-31T10:00:00-05:00"}""")), "startsAt");

        // Absurd time off and extra sessions.
        await FieldErrorAsync(await kit.Admin.PostAsync($"{doctor}/time-off", Json("""{"startsAt":"0001-01-01T00:00:00Z","endsAt":"0001-01-02T00:00:00Z"}""")), "startsAt");
        await FieldErrorAsync(await kit.Admin.PostAsJsonAsync($"{doctor}/time-off", new { startsAt = kit.At(-100, 9), endsAt = kit.At(-99, 9) }), "startsAt");
        await FieldErrorAsync(await kit.Admin.PostAsJsonAsync($"{doctor}/time-off", new { startsAt = kit.At(1000, 9), endsAt = kit.At(1001, 9) }), "endsAt");
        await FieldErrorAsync(await kit.Admin.PostAsJsonAsync($"{doctor}/extra-sessions", new { startsAt = kit.At(-1, 19), endsAt = kit.At(-1, 20) }), "startsAt");
    }

    [Fact]
    public async Task A_well_formed_body_with_a_wrong_type_or_impossible_value_is_422_naming_the_field()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("in");
        var admin = await tenant.AdminAsync();
        var person = PatientKit.Person();

        person["dateOfBirth"] = "1990-02-30";
        Assert.StartsWith("Must be a date as YYYY-MM-DD", await FieldErrorAsync(await admin.PostAsJsonAsync("/api/v1/patients", person), "dateOfBirth"));
        person["dateOfBirth"] = "1990-02-28";
        person["allowDuplicate"] = "yes";
        Assert.Equal("Must be true or false.", await FieldErrorAsync(await admin.PostAsJsonAsync("/api/v1/patients", person), "allowDuplicate"));

        var super = await app.SuperAdminAsync();
        await FieldErrorAsync(await super.PatchAsync($"/api/v1/platform/tenants/{tenant.Id}/limits", Json("""{"maxUsers":"ten"}""")), "maxUsers");
        Assert.StartsWith("Must be a whole number between", await FieldErrorAsync(
            await super.PatchAsync($"/api/v1/platform/tenants/{tenant.Id}/limits", Json("""{"maxUsers":2147483648}""")), "maxUsers"));
        await FieldErrorAsync(await admin.PatchAsync("/api/v1/tenant", Json("""{"slotMinutes":1.5}""")), "slotMinutes");
        await FieldErrorAsync(await admin.PostAsync("/api/v1/departments", Json("""[{"name":"x"}]""")), "body");
        await FieldErrorAsync(await admin.PutAsync($"/api/v1/doctors/{Guid.NewGuid()}/working-hours", Json("""{"blocks":{"weekday":1}}""")), "blocks");

        // A body that is not JSON at all stays a 400.
        await (await admin.PostAsync("/api/v1/departments", Json("""{"name": """))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task Malformed_and_unknown_query_parameters_are_422_naming_the_parameter()
    {
        var app = await CarebaseApp.Shared();
        var admin = await (await app.NewTenantAsync("in")).AdminAsync();
        await FieldErrorAsync(await admin.GetAsync("/api/v1/patients?ageMin=abc"), "ageMin");
        Assert.Equal("Must be a UUID.", await FieldErrorAsync(await admin.GetAsync("/api/v1/reports/audit-logs?userId=notauuid"), "userId"));
        await FieldErrorAsync(await admin.GetAsync("/api/v1/users?page=2147483648"), "page");
        await FieldErrorAsync(await admin.GetAsync("/api/v1/users?page=0"), "page");
        await FieldErrorAsync(await admin.GetAsync("/api/v1/departments?isPatientFacing=maybe"), "isPatientFacing");
        Assert.StartsWith("Unknown query parameter", await FieldErrorAsync(await admin.GetAsync("/api/v1/reports/audit-logs?resource=patient"), "resource"));
        Assert.StartsWith("Must be one of", await FieldErrorAsync(await admin.GetAsync("/api/v1/reports/audit-logs?action=bogus"), "action"));
        await (await admin.GetAsync("/api/v1/reports/audit-logs?action=TENANT_UPDATED&resourceType=TENANT")).JsonAsync();
    }

    [Fact]
    public async Task Unknown_fields_are_refused_the_same_way_everywhere()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (userId, _) = await kit.Tenant.CreateUserAsync(SystemRoles.Nurse);
        var appointment = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 10)));
        var person = PatientKit.Person();
        person["favouriteColour"] = "green";

        Assert.Equal("This field does not exist or cannot be set here.", await FieldErrorAsync(await kit.Admin.PatchAsync("/api/v1/tenant", Json("""{"slug":"other"}""")), "slug"));
        await FieldErrorAsync(await kit.Admin.PatchAsync($"/api/v1/users/{userId}", Json("""{"email":"x@y.test"}""")), "email");
        await FieldErrorAsync(await kit.Admin.PatchAsync($"/api/v1/appointments/{appointment}", Json("""{"status":"COMPLETED"}""")), "status");
        await FieldErrorAsync(await kit.Admin.PostAsJsonAsync("/api/v1/patients", person), "favouriteColour");
        await FieldErrorAsync(await kit.Admin.PostAsync("/api/v1/appointments", Json($$$"""{"doctorId":"{{{kit.DoctorId}}}","startsAt":"2030-01-01T10:00:00Z","recurrence":{"count":2,"every":1}}""")), "recurrence.every");
    }

    [Fact]
    public async Task Patch_leaves_out_what_is_absent_and_clears_what_is_null()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("in");
        var admin = await tenant.AdminAsync();
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Nurse);
        var user = $"/api/v1/users/{userId}";

        var withPhone = await (await admin.PatchAsJsonAsync(user, new { phone = "+1 555 0100" })).JsonAsync();
        Assert.Equal("+1 555 0100", withPhone["phone"]!.GetValue<string>());
        var renamed = await (await admin.PatchAsJsonAsync(user, new { firstName = "Nia" })).JsonAsync();
        Assert.Equal("+1 555 0100", renamed["phone"]!.GetValue<string>()); // absent: unchanged
        var cleared = await (await admin.PatchAsync(user, Json("""{"phone":null}"""))).JsonAsync();
        Assert.Null(cleared["phone"]); // null: cleared
        Assert.Equal("This field cannot be cleared.", await FieldErrorAsync(await admin.PatchAsync(user, Json("""{"firstName":null}""")), "firstName"));

        var settings = await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { contactPhone = "+1 555 0199" })).JsonAsync();
        Assert.Equal("+1 555 0199", settings["contactPhone"]!.GetValue<string>());
        Assert.Null((await (await admin.PatchAsync("/api/v1/tenant", Json("""{"contactPhone":null}"""))).JsonAsync())["contactPhone"]);
        await FieldErrorAsync(await admin.PatchAsync("/api/v1/tenant", Json("""{"timezone":null}""")), "timezone");
    }

    [Fact]
    public async Task Every_etag_is_the_row_version_and_a_stale_if_match_is_412_on_every_resource()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (userId, _) = await kit.Tenant.CreateUserAsync(SystemRoles.Nurse);
        var role = await (await kit.Admin.PostAsJsonAsync("/api/v1/roles", new { name = "Porter", permissions = Array.Empty<string>() })).JsonAsync(HttpStatusCode.Created);
        var patient = await kit.NewPatientAsync();
        var appointment = SchedulingKit.IdOf(await kit.BookedAsync(patient, kit.At(2, 10)));
        var changes = new (string url, object body)[]
        {
            ("/api/v1/tenant", new { name = "Renamed" }),
            ($"/api/v1/users/{userId}", new { firstName = "Renamed" }),
            ($"/api/v1/roles/{role["id"]}", new { name = "Runner" }),
            ($"/api/v1/doctors/{kit.DoctorId}", new { bio = "Renamed" }),
            ($"/api/v1/patients/{patient}", new { city = "Renamed" }),
            ($"/api/v1/appointments/{appointment}", new { reason = "Renamed" }),
        };
        foreach (var (url, body) in changes)
        {
            var read = await kit.Admin.GetAsync(url);
            var version = (await read.JsonAsync())["version"]!.GetValue<int>();
            Assert.Equal($"\"{version}\"", read.Headers.ETag!.Tag);
            var changed = await kit.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, url)
            {
                Content = JsonContent.Create(body), Headers = { IfMatch = { new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\"") } },
            });
            Assert.Equal($"\"{version + 1}\"", changed.Headers.ETag!.Tag);
            var stale = await kit.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, url)
            {
                Content = JsonContent.Create(body), Headers = { IfMatch = { new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\"") } },
            });
            await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");
        }
    }

    [Fact]
    public async Task Portal_invite_takes_an_empty_body()
    {
        var app = await CarebaseApp.Shared();
        var admin = await (await app.NewTenantAsync("in")).AdminAsync();
        var patient = (await PatientKit.RegisterAsync(admin, PatientKit.Person())).Id();
        var invited = await (await admin.PostAsync($"/api/v1/patients/{patient}/portal-invite", null)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(patient, invited["patientId"]!.GetValue<Guid>());
    }
}
