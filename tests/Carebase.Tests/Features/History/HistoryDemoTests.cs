using Carebase.Api.Features.Demo;
using Carebase.Api.Features.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.History;

public sealed class HistoryDemoTests
{
    [Fact]
    public async Task Demo_patients_have_histories_the_portal_patient_sees_without_staff_notes_and_freshening_moves_them()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("demohistory"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var portal = await app.SignInAsync("patient@general.demo", DemoData.Password);
        var me = (await (await portal.GetAsync("/api/v1/auth/me")).JsonAsync())["patientId"]!.GetValue<Guid>();
        string Url(string list) => $"/api/v1/patients/{me}/{list}";
        foreach (var list in new[] { "allergies", "conditions", "medications", "immunizations", "procedures", "notes" })
            Assert.NotEmpty(await (await portal.GetAsync(Url(list))).ItemsAsync());
        Assert.Equal("HAS_ALLERGIES", (await (await portal.GetAsync(Url("allergies/status"))).JsonAsync()).Str("status"));
        Assert.All(await (await portal.GetAsync(Url("notes"))).ItemsAsync(), n => Assert.Null(n!["staffOnly"]));
        using var doctor = await app.SignInAsync("doctor@general.demo", DemoData.Password);
        Assert.Contains(await (await doctor.GetAsync(Url("notes"))).ItemsAsync(), n => n!["staffOnly"]!.GetValue<bool>());

        // Across the demo patients: every allergy status, and immunizations due within the month.
        var schema = await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Slug == "general").Select(t => t.SchemaName).SingleAsync());
        var states = new HashSet<string>();
        var due = 0;
        var first30 = $"""
            SELECT p.id AS "Value" FROM "{schema}".patients p WHERE NOT p.confidential AND p.deleted_at IS NULL ORDER BY p.patient_code LIMIT 30
            """;
        var patients = await app.WithDbAsync(db => db.Database.SqlQueryRaw<Guid>(first30).ToListAsync());
        foreach (var id in patients)
        {
            states.Add((await (await doctor.GetAsync($"/api/v1/patients/{id}/allergies/status")).JsonAsync()).Str("status"));
            due += (await (await doctor.GetAsync($"/api/v1/patients/{id}/immunizations/due")).JsonAsync())["total"]!.GetValue<int>();
        }
        Assert.Equal(["HAS_ALLERGIES", "NO_KNOWN_ALLERGIES", "UNKNOWN"], states.Order());
        Assert.True(due >= 5, $"only {due} immunizations due within 30 days");

        var firstGiven = $"""SELECT min(date_given) AS "Value" FROM "{schema}".immunizations""";
        Task<DateOnly> FirstGivenAsync() => app.WithDbAsync(db => db.Database.SqlQueryRaw<DateOnly>(firstGiven).SingleAsync());
        var before = await FirstGivenAsync();
        await app.Services.GetRequiredService<DemoData>().FreshenAsync(7, default);
        Assert.Equal(before.AddDays(7), await FirstGivenAsync());
    }
}
