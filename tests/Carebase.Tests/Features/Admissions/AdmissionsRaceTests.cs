namespace Carebase.Tests.Features.Admissions;

/// <summary>The invariants the database keeps, raced with real parallel requests.</summary>
public sealed class AdmissionsRaceTests
{
    [Fact]
    public async Task Twenty_concurrent_admissions_into_one_bed_admit_exactly_one()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(1);
        var patients = new List<Guid>();
        for (var i = 0; i < 20; i++) patients.Add(await k.PatientAsync());

        var answers = await AdmissionsKit.Race(patients.Select(p => (Func<Task<HttpResponseMessage>>)(() => k.AdmitAsync(p, beds[0]))));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_occupied");
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(ward, beds[0]));
        var active = (await (await k.Desk.GetAsync("/api/v1/admissions?status=ACTIVE")).JsonAsync())["items"]!.AsArray();
        Assert.Single(active);
        // Only the admitted patient became IPD.
        var types = await Task.WhenAll(patients.Select(k.PatientTypeAsync));
        Assert.Equal(1, types.Count(t => t == "IPD"));
    }

    [Fact]
    public async Task The_same_patient_admitted_twice_at_once_is_admitted_once()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(6);
        var patient = await k.PatientAsync();

        // Into different beds and without a bed: only the partial unique index can refuse the others.
        var answers = await AdmissionsKit.Race(beds.Select(b => (Func<Task<HttpResponseMessage>>)(() => k.AdmitAsync(patient, b)))
            .Append(() => k.AdmitAsync(patient)).Append(() => k.AdmitAsync(patient)));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_already_admitted");
        var statuses = await Task.WhenAll(beds.Select(b => k.BedStatusAsync(ward, b)));
        Assert.True(statuses.Count(s => s == "OCCUPIED") <= 1, string.Join(",", statuses));
        Assert.Single((await (await k.Desk.GetAsync($"/api/v1/admissions?patientId={patient}")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task Concurrent_transfers_into_one_free_bed_move_exactly_one_patient_and_the_others_keep_their_beds()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(9);
        var target = beds[^1];
        var admissions = new List<Guid>();
        foreach (var bed in beds[..^1]) admissions.Add((await k.AdmittedAsync(await k.PatientAsync(), bed)).IdAt("id"));

        var answers = await AdmissionsKit.Race(admissions.Select(a => (Func<Task<HttpResponseMessage>>)(() =>
            k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{a}/transfer", new { bedId = target }))));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_occupied");
        var statuses = await Task.WhenAll(beds.Select(b => k.BedStatusAsync(ward, b)));
        Assert.Equal(8, statuses.Count(s => s == "OCCUPIED"));
        Assert.Equal(1, statuses.Count(s => s == "CLEANING"));
        Assert.Equal("OCCUPIED", statuses[^1]);
    }
}
