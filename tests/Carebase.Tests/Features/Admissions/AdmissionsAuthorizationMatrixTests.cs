using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Admissions;

/// <summary>Doctors admit, transfer and discharge; nurses read admissions and ready beds; the front desk sees the census and the list; admins manage wards.</summary>
public sealed class AdmissionsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/wards/", Permissions.CensusRead, "/api/v1/wards"),
        new("POST", "/api/v1/wards/", Permissions.WardsManage, "/api/v1/wards", new { }),
        new("GET", "/api/v1/wards/occupancy", Permissions.CensusRead, "/api/v1/wards/occupancy"),
        new("GET", "/api/v1/wards/{id:guid}", Permissions.CensusRead, $"/api/v1/wards/{Missing}"),
        new("PATCH", "/api/v1/wards/{id:guid}", Permissions.WardsManage, $"/api/v1/wards/{Missing}", new { }),
        new("DELETE", "/api/v1/wards/{id:guid}", Permissions.WardsManage, $"/api/v1/wards/{Missing}"),
        new("GET", "/api/v1/wards/{id:guid}/beds", Permissions.CensusRead, $"/api/v1/wards/{Missing}/beds"),
        new("POST", "/api/v1/wards/{id:guid}/beds", Permissions.WardsManage, $"/api/v1/wards/{Missing}/beds", new { }),
        new("PATCH", "/api/v1/wards/{id:guid}/beds/{bedId:guid}", Permissions.WardsManage, $"/api/v1/wards/{Missing}/beds/{Missing}", new { }),
        new("DELETE", "/api/v1/wards/{id:guid}/beds/{bedId:guid}", Permissions.WardsManage, $"/api/v1/wards/{Missing}/beds/{Missing}"),
        new("POST", "/api/v1/beds/{id:guid}/ready", Permissions.BedsReady, $"/api/v1/beds/{Missing}/ready"),
        new("GET", "/api/v1/admissions/", Permissions.CensusRead, "/api/v1/admissions"),
        new("POST", "/api/v1/admissions/", Permissions.AdmissionsWrite, "/api/v1/admissions", new { }),
        new("GET", "/api/v1/admissions/{id:guid}", Permissions.AdmissionsRead, $"/api/v1/admissions/{Missing}"),
        new("POST", "/api/v1/admissions/{id:guid}/transfer", Permissions.AdmissionsWrite, $"/api/v1/admissions/{Missing}/transfer", new { bedId = Missing }),
        new("POST", "/api/v1/admissions/{id:guid}/discharge", Permissions.AdmissionsWrite, $"/api/v1/admissions/{Missing}/discharge", new { }),
        new("GET", "/api/v1/admissions/{id:guid}/discharge-summary/pdf", Permissions.AdmissionsRead, $"/api/v1/admissions/{Missing}/discharge-summary/pdf"),
        new("GET", "/api/v1/admissions/{id:guid}/orders", Permissions.AdmissionsRead, $"/api/v1/admissions/{Missing}/orders"),
        new("POST", "/api/v1/admissions/{id:guid}/medication-administrations", Permissions.MarWrite, $"/api/v1/admissions/{Missing}/medication-administrations",
            new { prescriptionItemId = Missing, status = "GIVEN" }),
        new("GET", "/api/v1/admissions/{id:guid}/medication-administrations", Permissions.AdmissionsRead, $"/api/v1/admissions/{Missing}/medication-administrations"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_inpatient_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/wards", "/api/v1/beds", "/api/v1/admissions");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);

    [Fact]
    public void Nurses_chart_and_read_but_do_not_admit_the_front_desk_sees_the_census_only_and_doctors_admit_and_discharge()
    {
        string[] Of(string role) => [.. SystemRoles.All.Single(r => r.Name == role).Permissions];
        Assert.Contains(Permissions.AdmissionsRead, Of(SystemRoles.Nurse));
        Assert.Contains(Permissions.BedsReady, Of(SystemRoles.Nurse));
        Assert.Contains(Permissions.MarWrite, Of(SystemRoles.Nurse));
        Assert.Contains(Permissions.MarWrite, Of(SystemRoles.Doctor));
        Assert.DoesNotContain(Permissions.MarWrite, Of(SystemRoles.Receptionist));
        Assert.DoesNotContain(Permissions.MarWrite, Of(SystemRoles.Pharmacist));
        Assert.DoesNotContain(Permissions.AdmissionsWrite, Of(SystemRoles.Nurse));
        Assert.Contains(Permissions.CensusRead, Of(SystemRoles.Receptionist));
        Assert.DoesNotContain(Permissions.AdmissionsRead, Of(SystemRoles.Receptionist));
        Assert.Contains(Permissions.AdmissionsWrite, Of(SystemRoles.Doctor));
        Assert.DoesNotContain(Permissions.WardsManage, Of(SystemRoles.Doctor));
        Assert.Contains(Permissions.WardsManage, Of(SystemRoles.HospitalAdmin));
    }
}
