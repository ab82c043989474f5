using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Doctors;

/// <summary>Every system role against every doctor-profile route, through the real pipeline (see <see cref="AuthorizationMatrix"/>).</summary>
public sealed class DoctorsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/doctors/", Permissions.DoctorsRead, "/api/v1/doctors"),
        new("GET", "/api/v1/doctors/{id:guid}", Permissions.DoctorsRead, $"/api/v1/doctors/{Missing}"),
        new("POST", "/api/v1/doctors/", Permissions.DoctorsWrite, "/api/v1/doctors", new { }),
        new("PATCH", "/api/v1/doctors/{id:guid}", Permissions.DoctorsWrite, $"/api/v1/doctors/{Missing}", new { }),
    ];

    // The profile routes only: schedules under /doctors/{id}/… belong to the scheduling matrix.
    [Fact]
    public async Task The_matrix_covers_every_doctor_profile_route_with_the_permission_it_declares() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, p => p is "/api/v1/doctors/" or "/api/v1/doctors/{id:guid}");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_system_role_reaches_exactly_the_doctor_routes_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_doctor_route() =>
        await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
