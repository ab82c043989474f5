using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Labs;

public sealed class LabsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/lab-tests/", Permissions.LabsRead, "/api/v1/lab-tests"),
        new("GET", "/api/v1/lab-tests/{id:guid}", Permissions.LabsRead, $"/api/v1/lab-tests/{Missing}"),
        new("POST", "/api/v1/lab-tests/", Permissions.LabsWrite, "/api/v1/lab-tests", new { }),
        new("PATCH", "/api/v1/lab-tests/{id:guid}", Permissions.LabsWrite, $"/api/v1/lab-tests/{Missing}", new { }),
        new("GET", "/api/v1/lab-panels/", Permissions.LabsRead, "/api/v1/lab-panels"),
        new("GET", "/api/v1/lab-panels/{id:guid}", Permissions.LabsRead, $"/api/v1/lab-panels/{Missing}"),
        new("POST", "/api/v1/lab-panels/", Permissions.LabsWrite, "/api/v1/lab-panels", new { }),
        new("PATCH", "/api/v1/lab-panels/{id:guid}", Permissions.LabsWrite, $"/api/v1/lab-panels/{Missing}", new { }),
        new("GET", "/api/v1/lab-orders/", Permissions.LabsRead, "/api/v1/lab-orders"),
        new("POST", "/api/v1/lab-orders/", Permissions.LabsWrite, "/api/v1/lab-orders", new { }),
        new("GET", "/api/v1/lab-orders/{id:guid}", Permissions.LabsRead, $"/api/v1/lab-orders/{Missing}"),
        new("POST", "/api/v1/lab-orders/{id:guid}/collect", Permissions.LabsResults, $"/api/v1/lab-orders/{Missing}/collect", new { specimenId = "S1" }),
        new("POST", "/api/v1/lab-orders/{id:guid}/results", Permissions.LabsResults, $"/api/v1/lab-orders/{Missing}/results",
            new { items = new[] { new { itemId = Missing, value = 1 } } }),
        new("POST", "/api/v1/lab-orders/{id:guid}/verify", Permissions.LabsVerify, $"/api/v1/lab-orders/{Missing}/verify"),
        new("POST", "/api/v1/lab-orders/{id:guid}/cancel", Permissions.LabsWrite, $"/api/v1/lab-orders/{Missing}/cancel", new { reason = "x" }),
        new("POST", "/api/v1/lab-orders/{id:guid}/attachments", Permissions.LabsResults, $"/api/v1/lab-orders/{Missing}/attachments"),
        new("GET", "/api/v1/lab-orders/{id:guid}/attachments/{attachmentId:guid}/content", Permissions.LabsRead,
            $"/api/v1/lab-orders/{Missing}/attachments/{Missing}/content"),
        new("POST", "/api/v1/lab-results/{id:guid}/correct", Permissions.LabsResults, $"/api/v1/lab-results/{Missing}/correct",
            new { value = 1, reason = "x" }),
    ];

    [Fact]
    public async Task The_matrix_covers_every_lab_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/lab-tests", "/api/v1/lab-panels", "/api/v1/lab-orders", "/api/v1/lab-results");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient reads the catalog and their own verified orders; everything else is the staff's.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
