using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Records;

public sealed class TimelineTests
{
    [Fact]
    public async Task The_timeline_lists_every_clinical_event_newest_first_filtered_and_cursor_paged()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("tl");
        using var admin = await tenant.AdminAsync();
        var (doctor, _, _) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
        using var desk = await tenant.ClientAsync(SystemRoles.Receptionist);
        var patient = (await PatientKit.RegisterAsync(desk, PatientKit.Person())).Id();
        var now = TimeProvider.System.GetUtcNow();

        var visit = await (await doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient, chiefComplaint = "Fever" })).JsonAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"/api/v1/visits/{visit.Id()}/diagnoses", new { code = "R50.9", kind = "PRIMARY" })).EnsureStatusAsync(HttpStatusCode.Created);
        var old = await (await doctor.PostAsJsonAsync($"/api/v1/patients/{patient}/vitals",
            new { recordedAt = now.AddDays(-30), temperatureC = 38.4 })).JsonAsync(HttpStatusCode.Created);
        var url = $"/api/v1/patients/{patient}/timeline";

        var all = await (await doctor.GetAsync(url)).JsonAsync();
        var types = all["items"]!.AsArray().Select(e => e!.Str("type")).ToList();
        Assert.Equal(["DIAGNOSIS", "VISIT", "VITALS"], types);
        Assert.Null(all["nextCursor"]);
        Assert.Equal(old.Id(), all["items"]![2]!.Id());
        Assert.Contains("R50.9", all["items"]![0]!.Str("title"));

        // One at a time through the cursor: the same events, each once, in the same order.
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await (await doctor.GetAsync($"{url}?pageSize=1" + (cursor is null ? "" : $"&cursor={cursor}"))).JsonAsync();
            seen.AddRange(page["items"]!.AsArray().Select(e => e!.Id()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(all["items"]!.AsArray().Select(e => e!.Id()), seen);

        Assert.Equal(["VITALS"], (await (await doctor.GetAsync($"{url}?types=vitals")).JsonAsync())["items"]!.AsArray().Select(e => e!.Str("type")));
        Assert.Single((await (await doctor.GetAsync($"{url}?from={Uri.EscapeDataString(now.AddDays(-40).ToString("O"))}&to={Uri.EscapeDataString(now.AddDays(-1).ToString("O"))}")).JsonAsync())["items"]!.AsArray());
        Assert.NotNull((await (await doctor.GetAsync($"{url}?types=BANANA")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!["types"]);
        Assert.NotNull((await (await doctor.GetAsync($"{url}?cursor=nonsense")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!["cursor"]);
        await (await doctor.GetAsync($"/api/v1/patients/{Guid.NewGuid()}/timeline")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await desk.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var other = await (await app.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        await (await other.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
