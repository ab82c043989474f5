using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.History;

/// <summary>"No known allergies" and an active allergy recorded at the same moment never both stand.</summary>
public sealed class AllergyStatusRaceTests
{
    [Fact]
    public async Task Recording_no_known_allergies_and_an_active_allergy_at_once_never_leaves_both_in_force()
    {
        var kit = await HistoryKit.CreateAsync();
        var patients = new List<Guid>();
        for (var i = 0; i < 8; i++) patients.Add((await PatientKit.RegisterAsync(kit.Admin, PatientKit.Person())).Id());

        await Task.WhenAll(patients.SelectMany(p => new[]
        {
            kit.Nurse.PutAsJsonAsync($"/api/v1/patients/{p}/allergies/status", new { noKnownAllergies = true }),
            kit.Doctor.PostAsJsonAsync($"/api/v1/patients/{p}/allergies", new { substance = "Penicillin", category = "DRUG" }),
            kit.Nurse.PutAsJsonAsync($"/api/v1/patients/{p}/allergies/status", new { noKnownAllergies = true }),
        }).Select(async call =>
        {
            using var response = await call;
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict,
                $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }));

        // The statement in force (the latest) is never "no known allergies" while an active allergy stands.
        var both = await TestDatabase.ScalarAsync<long>($"""
            SELECT count(*) FROM "{kit.Tenant.Schema}".allergies a
            WHERE a.status = 'ACTIVE' AND a.deleted_at IS NULL AND a.patient_id = ANY($1)
              AND (SELECT s.no_known_allergies FROM "{kit.Tenant.Schema}".allergy_statements s WHERE s.patient_id = a.patient_id
                   ORDER BY s.seq DESC LIMIT 1)
            """, patients.ToArray());
        Assert.Equal(0, both);
        foreach (var p in patients)
            Assert.Equal("HAS_ALLERGIES", (await (await kit.Nurse.GetAsync($"/api/v1/patients/{p}/allergies/status")).JsonAsync()).Str("status"));
    }
}
