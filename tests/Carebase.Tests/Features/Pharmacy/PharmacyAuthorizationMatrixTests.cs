using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>Every system role against every stock route, through the real pipeline (see <see cref="AuthorizationMatrix"/>).</summary>
public sealed class PharmacyAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/stock-items/", Permissions.PharmacyRead, "/api/v1/stock-items"),
        new("GET", "/api/v1/stock-items/{id:guid}", Permissions.PharmacyRead, $"/api/v1/stock-items/{Missing}"),
        new("POST", "/api/v1/stock-items/", Permissions.PharmacyWrite, "/api/v1/stock-items", new { }),
        new("PATCH", "/api/v1/stock-items/{id:guid}", Permissions.PharmacyWrite, $"/api/v1/stock-items/{Missing}", new { }),
        new("POST", "/api/v1/stock-items/{id:guid}/deactivate", Permissions.PharmacyWrite, $"/api/v1/stock-items/{Missing}/deactivate"),
        new("POST", "/api/v1/stock-items/{id:guid}/activate", Permissions.PharmacyWrite, $"/api/v1/stock-items/{Missing}/activate"),
        new("GET", "/api/v1/stock-items/{id:guid}/batches", Permissions.PharmacyRead, $"/api/v1/stock-items/{Missing}/batches"),
        new("POST", "/api/v1/stock-items/{id:guid}/batches", Permissions.PharmacyWrite, $"/api/v1/stock-items/{Missing}/batches", new { }),
        new("GET", "/api/v1/batches/{id:guid}", Permissions.PharmacyRead, $"/api/v1/batches/{Missing}"),
        new("PATCH", "/api/v1/batches/{id:guid}", Permissions.PharmacyWrite, $"/api/v1/batches/{Missing}", new { }),
        new("POST", "/api/v1/batches/{id:guid}/adjustments", Permissions.PharmacyWrite, $"/api/v1/batches/{Missing}/adjustments", new { }),
        new("GET", "/api/v1/stock-movements", Permissions.PharmacyRead, "/api/v1/stock-movements"),
        new("GET", "/api/v1/inventory/low-stock", Permissions.PharmacyRead, "/api/v1/inventory/low-stock"),
        new("GET", "/api/v1/inventory/expiring", Permissions.PharmacyRead, "/api/v1/inventory/expiring"),
        new("GET", "/api/v1/inventory/valuation", Permissions.PharmacyRead, "/api/v1/inventory/valuation"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_stock_route_with_the_permission_it_declares() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/stock-items", "/api/v1/batches", "/api/v1/stock-movements", "/api/v1/inventory");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_system_role_reaches_exactly_the_stock_routes_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_stock_route() =>
        await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
