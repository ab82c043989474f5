using System.Text.Json.Nodes;

namespace Carebase.Tests.Features.Patients;

public sealed class PatientSearchTests
{
    static async Task<(TestTenant tenant, HttpClient client)> ClinicAsync()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        return (tenant, await tenant.ClientAsync("RECEPTIONIST"));
    }

    static async Task<List<string>> NamesAsync(HttpClient client, string query)
    {
        var page = await (await client.GetAsync("/api/v1/patients?" + query)).JsonAsync();
        return page["items"]!.AsArray().Select(i => $"{i!["firstName"]} {i["lastName"]}").ToList();
    }

    [Fact]
    public async Task Names_are_found_despite_typos_and_accents()
    {
        var (_, client) = await ClinicAsync();
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "John", last: "Smith"));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "José", last: "Núñez"));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Priya", last: "Raman"));

        Assert.Equal(["John Smith"], await NamesAsync(client, "q=Jonh%20Smiht"));
        Assert.Equal(["José Núñez"], await NamesAsync(client, "q=Jose"));
        Assert.Equal(["José Núñez"], await NamesAsync(client, "q=jose%20nunez"));
        Assert.Equal(["José Núñez"], await NamesAsync(client, "q=JOSÉ"));
        Assert.Equal(["Priya Raman"], await NamesAsync(client, "q=priya"));
        Assert.Empty(await NamesAsync(client, "q=Xylophone"));
        // Two-letter words must be whole words of the name ("li" is not found inside "Olivia").
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Li", last: "Wei"));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Olivia", last: "Stone"));
        Assert.Equal(["Li Wei"], await NamesAsync(client, "q=li"));
        Assert.Equal(["Olivia Stone"], await NamesAsync(client, "q=oliv"));
    }

    [Fact]
    public async Task The_box_matches_code_phone_in_any_format_email_and_national_id()
    {
        var (_, client) = await ClinicAsync();
        var p = await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Ama", last: "Mensah", phone: "+1 (555) 010-4477", nationalId: "GH-77-1234"));
        await PatientKit.RegisterAsync(client, PatientKit.Person());

        foreach (var q in new[] { p["patientCode"]!.GetValue<string>(), p["patientCode"]!.GetValue<string>().ToLowerInvariant(), "5550104477", "555.010.4477", "010-4477", p["email"]!.GetValue<string>().ToUpperInvariant(), "GH-77-1234" })
            Assert.Equal(["Ama Mensah"], await NamesAsync(client, "q=" + Uri.EscapeDataString(q)));
    }

    [Fact]
    public async Task Hostile_strings_are_searched_literally_and_returned_escaped()
    {
        var (_, client) = await ClinicAsync();
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "<script>alert(1)</script>", last: "Robert'); DROP TABLE patients;--"));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Plain", last: "Person"));

        foreach (var q in new[] { "' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE patients; --", "<img src=x onerror=alert(1)>", "%' OR '%'='" })
        {
            var response = await client.GetAsync("/api/v1/patients?q=" + Uri.EscapeDataString(q));
            var page = await response.JsonAsync();
            Assert.True(page["total"]!.GetValue<long>() <= 1, $"'{q}' matched {page["total"]} patients");
        }
        var hit = await client.GetAsync("/api/v1/patients?q=" + Uri.EscapeDataString("DROP TABLE patients"));
        var raw = await hit.Content.ReadAsStringAsync();
        Assert.Contains("DROP TABLE", raw);
        var script = await client.GetAsync("/api/v1/patients?q=" + Uri.EscapeDataString("script alert"));
        var body = await script.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", body);            // escaped in JSON as \u003Cscript\u003E
        Assert.Contains("<script>alert(1)</script>", (await script.JsonAsync())["items"]![0]!["firstName"]!.GetValue<string>());
        Assert.Equal(2, (await (await client.GetAsync("/api/v1/patients")).JsonAsync())["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Age_filters_are_exact_at_birthdays()
    {
        var (_, client) = await ClinicAsync();
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime); // the test tenant is in UTC
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Turns", last: "Forty", dob: today.AddYears(-40).ToString("yyyy-MM-dd")));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Almost", last: "Forty", dob: today.AddYears(-40).AddDays(1).ToString("yyyy-MM-dd")));
        await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Just", last: "Fortyone", dob: today.AddYears(-41).AddDays(1).ToString("yyyy-MM-dd")));

        Assert.Equal(["Turns Forty", "Just Fortyone"], (await NamesAsync(client, "ageMin=40&ageMax=40&sort=name")).OrderByDescending(n => n.StartsWith("Turns")).ToList());
        Assert.Equal(["Almost Forty"], await NamesAsync(client, "ageMax=39"));
        Assert.Equal(2, (await NamesAsync(client, "ageMin=40")).Count);
        var forty = (await (await client.GetAsync("/api/v1/patients?q=Turns")).JsonAsync())["items"]![0]!;
        Assert.Equal(40, forty["age"]!.GetValue<int>());
        await (await client.GetAsync("/api/v1/patients?ageMin=50&ageMax=40")).ShouldBeProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Filters_sorting_and_paging_with_totals()
    {
        var (_, client) = await ClinicAsync();
        foreach (var (first, gender, blood, city) in new[] { ("Ann", "FEMALE", "A_NEGATIVE", "Lagos"), ("Ben", "MALE", "A_NEGATIVE", "lagos"), ("Cat", "FEMALE", "B_POSITIVE", "Accra"), ("Dan", "MALE", "O_POSITIVE", "Lagos") })
        {
            var p = PatientKit.Person(first: first, last: "Zed" + first, gender: gender);
            p["bloodType"] = blood;
            p["city"] = city;
            await PatientKit.RegisterAsync(client, p);
        }
        Assert.Equal(["Ann ZedAnn", "Cat ZedCat"], await NamesAsync(client, "gender=FEMALE"));
        Assert.Equal(["Ann ZedAnn", "Ben ZedBen"], await NamesAsync(client, "bloodType=A_NEGATIVE"));
        Assert.Equal(3, (await NamesAsync(client, "city=LAGOS")).Count);
        Assert.Equal(["Dan ZedDan", "Cat ZedCat", "Ben ZedBen", "Ann ZedAnn"], await NamesAsync(client, "sort=created"));
        var page2 = await (await client.GetAsync("/api/v1/patients?pageSize=3&page=2")).JsonAsync();
        Assert.Equal(4, page2["total"]!.GetValue<long>());
        Assert.True(page2["totalExact"]!.GetValue<bool>());
        Assert.Equal(2, page2["page"]!.GetValue<int>());
        Assert.Single(page2["items"]!.AsArray());
        await (await client.GetAsync("/api/v1/patients?pageSize=500")).ShouldBeProblemAsync((HttpStatusCode)422);
        await (await client.GetAsync("/api/v1/patients?gender=male")).ShouldBeProblemAsync((HttpStatusCode)422);
        await (await client.GetAsync("/api/v1/patients?sort=shoeSize")).ShouldBeProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Deleted_patients_are_hidden_and_only_admins_may_include_them()
    {
        var (tenant, client) = await ClinicAsync();
        var p = await PatientKit.RegisterAsync(client, PatientKit.Person(first: "Gone", last: "Away"));
        using var admin = await tenant.AdminAsync();
        await (await admin.DeleteAsync($"/api/v1/patients/{p.Id()}")).EnsureStatusAsync(HttpStatusCode.NoContent);

        Assert.Empty(await NamesAsync(client, "q=Gone"));
        await (await client.GetAsync("/api/v1/patients?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var withDeleted = await (await admin.GetAsync("/api/v1/patients?includeDeleted=true&q=Gone")).JsonAsync();
        Assert.NotNull(withDeleted["items"]![0]!["deletedAt"]);
    }
}
