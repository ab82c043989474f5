using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Billing;

public sealed class BillingAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/invoices/", Permissions.BillingRead, "/api/v1/invoices"),
        new("POST", "/api/v1/invoices/", Permissions.BillingWrite, "/api/v1/invoices", new { }),
        new("GET", "/api/v1/invoices/{id:guid}", Permissions.BillingRead, $"/api/v1/invoices/{Missing}"),
        new("PATCH", "/api/v1/invoices/{id:guid}", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}", new { }),
        new("POST", "/api/v1/invoices/{id:guid}/lines", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/lines", new { }),
        new("DELETE", "/api/v1/invoices/{id:guid}/lines/{lineId:guid}", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/lines/{Missing}"),
        new("POST", "/api/v1/invoices/{id:guid}/issue", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/issue"),
        new("POST", "/api/v1/invoices/{id:guid}/void", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/void", new { reason = "x" }),
        new("POST", "/api/v1/invoices/{id:guid}/payments", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/payments", new { }),
        new("GET", "/api/v1/invoices/{id:guid}/pdf", Permissions.BillingRead, $"/api/v1/invoices/{Missing}/pdf"),
        new("GET", "/api/v1/invoices/{id:guid}/payments", Permissions.BillingRead, $"/api/v1/invoices/{Missing}/payments"),
        new("POST", "/api/v1/invoices/{id:guid}/refunds", Permissions.BillingWrite, $"/api/v1/invoices/{Missing}/refunds", new { }),
        new("GET", "/api/v1/payments/{id:guid}/receipt", Permissions.BillingRead, $"/api/v1/payments/{Missing}/receipt"),
        new("GET", "/api/v1/billing/settings/", Permissions.BillingRead, "/api/v1/billing/settings"),
        new("PATCH", "/api/v1/billing/settings/", Permissions.BillingWrite, "/api/v1/billing/settings", new { }),
    ];

    [Fact]
    public async Task The_matrix_covers_every_billing_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/invoices", "/api/v1/payments", "/api/v1/billing");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient reads their own issued invoices and receipts; the hospital's billing settings are the staff's.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes,
            role == SystemRoles.Patient ? ["GET /api/v1/billing/settings/"] : []);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
