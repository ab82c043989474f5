using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Prescriptions;

public sealed class PrescriptionsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/prescriptions/", Permissions.PrescriptionsRead, "/api/v1/prescriptions"),
        new("POST", "/api/v1/prescriptions/", Permissions.PrescriptionsWrite, "/api/v1/prescriptions", new { }),
        new("GET", "/api/v1/prescriptions/{id:guid}", Permissions.PrescriptionsRead, $"/api/v1/prescriptions/{Missing}"),
        new("PATCH", "/api/v1/prescriptions/{id:guid}", Permissions.PrescriptionsWrite, $"/api/v1/prescriptions/{Missing}", new { }),
        new("DELETE", "/api/v1/prescriptions/{id:guid}", Permissions.PrescriptionsWrite, $"/api/v1/prescriptions/{Missing}"),
        new("POST", "/api/v1/prescriptions/{id:guid}/issue", Permissions.PrescriptionsIssue, $"/api/v1/prescriptions/{Missing}/issue", new { }),
        new("POST", "/api/v1/prescriptions/{id:guid}/cancel", Permissions.PrescriptionsIssue, $"/api/v1/prescriptions/{Missing}/cancel", new { reason = "x" }),
        new("GET", "/api/v1/prescriptions/{id:guid}/pdf", Permissions.PrescriptionsRead, $"/api/v1/prescriptions/{Missing}/pdf"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_prescription_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/prescriptions");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // DOCTOR prescribes, NURSE and PHARMACIST read, a portal patient reads their own; every change is the staff's.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
