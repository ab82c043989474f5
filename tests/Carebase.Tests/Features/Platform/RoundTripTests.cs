using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// Database round trips per request, counted on the wire by <see cref="RoundTripProxy"/> (counts are exact,
/// unlike timings). The search_path rides with the first query and the read's audit entry is inserted, chained
/// and committed in one batch, so reading a patient costs two.
/// </summary>
public sealed class RoundTripTests
{
    [Fact]
    public async Task Reading_a_patient_by_id_takes_at_most_two_round_trips()
    {
        await using var proxy = RoundTripProxy.Start((await TestDatabase.GetAsync()).ConnectionString);
        await using var app = await CarebaseApp.CreateAsync(proxy.ConnectionString,
            new Dictionary<string, string?> { ["Carebase:Messaging:DispatcherEnabled"] = "false" });
        var tenant = await app.NewTenantAsync();
        using var desk = await tenant.ClientAsync("RECEPTIONIST");
        var id = (await PatientKit.RegisterAsync(desk, PatientKit.Person())).Id();
        // Warm: the session snapshot and the hospital's clock are cached, and the pool holds open connections.
        await (await desk.GetAsync($"/api/v1/patients/{id}")).EnsureStatusAsync(HttpStatusCode.OK);

        proxy.Reset();
        await (await desk.GetAsync($"/api/v1/patients/{id}")).EnsureStatusAsync(HttpStatusCode.OK);

        Assert.InRange(proxy.RoundTrips, 1, 2);
    }
}
