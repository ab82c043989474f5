using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Visits;

public sealed class VisitsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/visits/", Permissions.VisitsRead, "/api/v1/visits"),
        new("POST", "/api/v1/visits/", Permissions.VisitsWrite, "/api/v1/visits", new { }),
        new("GET", "/api/v1/visits/{id:guid}", Permissions.VisitsRead, $"/api/v1/visits/{Missing}"),
        new("PATCH", "/api/v1/visits/{id:guid}", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}", new { }),
        new("POST", "/api/v1/visits/{id:guid}/complete", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/complete"),
        new("POST", "/api/v1/visits/{id:guid}/addenda", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/addenda", new { text = "x" }),
        new("POST", "/api/v1/visits/{id:guid}/notes", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/notes", new { text = "x" }),
        new("POST", "/api/v1/visits/{id:guid}/diagnoses/to-conditions", Permissions.HistoryWrite, $"/api/v1/visits/{Missing}/diagnoses/to-conditions"),
        new("POST", "/api/v1/visits/{id:guid}/vitals", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/vitals", new { pulsePerMin = 70 }),
        new("POST", "/api/v1/visits/{id:guid}/diagnoses", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/diagnoses", new { text = "x", kind = "PRIMARY" }),
        new("PATCH", "/api/v1/visits/{id:guid}/diagnoses/{diagnosisId:guid}", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/diagnoses/{Missing}", new { }),
        new("DELETE", "/api/v1/visits/{id:guid}/diagnoses/{diagnosisId:guid}", Permissions.VisitsWrite, $"/api/v1/visits/{Missing}/diagnoses/{Missing}"),
        new("GET", "/api/v1/diagnosis-codes/", Permissions.VisitsRead, "/api/v1/diagnosis-codes?q=E11"),
        new("POST", "/api/v1/diagnosis-codes/", Permissions.VisitsWrite, "/api/v1/diagnosis-codes", new { }),
        new("GET", "/api/v1/reports/visit-history", Permissions.ReportsRead, "/api/v1/reports/visit-history?pageSize=1"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_visit_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/visits", "/api/v1/diagnosis-codes", "/api/v1/reports/visit-history");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient reads their own visits; every change of one is the staff's.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
