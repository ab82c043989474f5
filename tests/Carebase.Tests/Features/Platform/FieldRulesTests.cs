using System.Text.Json.Nodes;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The rule attributes of the contracts are what the API enforces: one 422 with every field's messages, keyed by the
/// camelCase path the client wrote (nested objects and lists too), alongside the rules written in code; a PATCH checks
/// only the fields it sends.
/// </summary>
public sealed class FieldRulesTests
{
    static async Task<JsonObject> ErrorsAsync(HttpResponseMessage response) =>
        (await response.ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed"))["errors"]!.AsObject();

    static string[] Keys(JsonObject errors) => errors.Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Attribute_rules_and_code_rules_answer_together_keyed_by_the_paths_clients_wrote()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("fr");
        using var admin = await tenant.AdminAsync();

        var booking = await ErrorsAsync(await admin.PostAsJsonAsync("/api/v1/appointments", new
        {
            patientId = Guid.Empty, reason = new string('r', 501), recurrence = new { everyWeeks = 9, count = 99 },
        }));

        Assert.Equal(["doctorId", "patientId", "reason", "recurrence.count", "recurrence.everyWeeks", "startsAt"], Keys(booking));
        Assert.Equal("This field is required.", booking["doctorId"]![0]!.GetValue<string>());
        Assert.Equal("Must be at most 500 characters.", booking["reason"]![0]!.GetValue<string>());
        Assert.Equal("Must be between 2 and 52.", booking["recurrence.count"]![0]!.GetValue<string>());
        Assert.StartsWith("Must be a patient's id", booking["patientId"]![0]!.GetValue<string>()); // a rule written in code

        var person = PatientKit.Person();
        person["firstName"] = new string('a', 101);
        person["gender"] = "male";
        person.Remove("lastName");
        var registration = await ErrorsAsync(await admin.PostAsJsonAsync("/api/v1/patients", person));
        Assert.Equal(["firstName", "gender", "lastName"], Keys(registration));
        Assert.Equal("Must be one of: MALE, FEMALE, OTHER, UNKNOWN.", registration["gender"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_PATCH_checks_the_fields_it_sends_and_a_required_one_cannot_be_cleared()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("fp");
        using var admin = await tenant.AdminAsync();
        var patient = await PatientKit.RegisterAsync(admin, PatientKit.Person());
        var url = $"/api/v1/patients/{patient.Id()}";

        // Required fields left out stay as they are.
        var changed = await (await admin.PatchAsJsonAsync(url, new { city = "Shelbyville" })).JsonAsync();
        Assert.Equal("Shelbyville", changed["city"]!.GetValue<string>());
        Assert.Equal(patient["firstName"]!.GetValue<string>(), changed["firstName"]!.GetValue<string>());

        var cleared = await ErrorsAsync(await admin.PatchAsync(url, JsonContent.Create(new JsonObject { ["firstName"] = null, ["gender"] = "  " })));
        Assert.Equal(["firstName", "gender"], Keys(cleared));
        Assert.Equal("This field cannot be cleared.", cleared["firstName"]![0]!.GetValue<string>());
        var tooLong = await ErrorsAsync(await admin.PatchAsJsonAsync(url, new { occupation = new string('o', 101) }));
        Assert.Equal(["occupation"], Keys(tooLong));
    }
}
