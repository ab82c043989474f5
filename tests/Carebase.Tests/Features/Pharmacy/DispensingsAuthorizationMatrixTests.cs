using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Pharmacy;

public sealed class DispensingsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/dispensings/", Permissions.PrescriptionsRead, "/api/v1/dispensings"),
        new("POST", "/api/v1/dispensings/", Permissions.PharmacyDispense, "/api/v1/dispensings", new { }),
        new("GET", "/api/v1/dispensings/{id:guid}", Permissions.PrescriptionsRead, $"/api/v1/dispensings/{Missing}"),
        new("POST", "/api/v1/dispensings/{id:guid}/returns", Permissions.PharmacyDispense, $"/api/v1/dispensings/{Missing}/returns",
            new { items = new[] { new { lineId = Missing, quantity = 1, reason = "Unused" } } }),
        new("GET", "/api/v1/pharmacy/worklist", Permissions.PharmacyRead, "/api/v1/pharmacy/worklist"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_dispensing_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/dispensings", "/api/v1/pharmacy/worklist");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient reads their own dispensings (prescriptions:read); dispensing and returns are the pharmacy's.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
