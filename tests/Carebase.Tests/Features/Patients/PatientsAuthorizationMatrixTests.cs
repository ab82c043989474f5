using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Patients;

public sealed class PatientsAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/patients/", Permissions.PatientsRead, "/api/v1/patients"),
        new("POST", "/api/v1/patients/", Permissions.PatientsWrite, "/api/v1/patients", new { }),
        new("GET", "/api/v1/patients/duplicates", Permissions.PatientsRead, "/api/v1/patients/duplicates"),
        new("GET", "/api/v1/patients/export", Permissions.PatientsExport, "/api/v1/patients/export?format=none"),
        new("GET", "/api/v1/patients/{id:guid}", Permissions.PatientsRead, $"/api/v1/patients/{Missing}"),
        new("PATCH", "/api/v1/patients/{id:guid}", Permissions.PatientsWrite, $"/api/v1/patients/{Missing}", new { }),
        new("DELETE", "/api/v1/patients/{id:guid}", Permissions.PatientsDelete, $"/api/v1/patients/{Missing}"),
        new("POST", "/api/v1/patients/{id:guid}/restore", Permissions.PatientsDelete, $"/api/v1/patients/{Missing}/restore"),
        new("POST", "/api/v1/patients/{id:guid}/merge", Permissions.PatientsMerge, $"/api/v1/patients/{Missing}/merge", new { }),
        new("POST", "/api/v1/patients/{id:guid}/portal-invite", Permissions.PatientsWrite, $"/api/v1/patients/{Missing}/portal-invite", new { }),
        new("GET", "/api/v1/patients/{id:guid}/care-team", Permissions.PatientsRead, $"/api/v1/patients/{Missing}/care-team"),
        new("POST", "/api/v1/patients/{id:guid}/care-team", Permissions.PatientsConfidential, $"/api/v1/patients/{Missing}/care-team", new { }),
        new("DELETE", "/api/v1/patients/{id:guid}/care-team/{userId:guid}", Permissions.PatientsConfidential, $"/api/v1/patients/{Missing}/care-team/{Missing}"),
        new("POST", "/api/v1/patients/{id:guid}/break-glass", Permissions.PatientsRead, $"/api/v1/patients/{Missing}/break-glass", new { reason = "An emergency in the ward" }),
        new("GET", "/api/v1/patients/{id:guid}/vitals", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/vitals"),
        new("POST", "/api/v1/patients/{id:guid}/vitals", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/vitals", new { pulsePerMin = 70 }),
        new("GET", "/api/v1/patients/{id:guid}/vitals/{vitalsId:guid}", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/vitals/{Missing}"),
        new("PUT", "/api/v1/patients/{id:guid}/vitals/{vitalsId:guid}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/vitals/{Missing}", new { pulsePerMin = 70 }),
        new("DELETE", "/api/v1/patients/{id:guid}/vitals/{vitalsId:guid}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/vitals/{Missing}"),
        new("GET", "/api/v1/patients/{id:guid}/timeline", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/timeline"),
        new("GET", "/api/v1/patients/{id:guid}/summary", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/summary"),
        new("GET", "/api/v1/patients/{id:guid}/amendments", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/amendments"),
        new("POST", "/api/v1/patients/{id:guid}/amendments", Permissions.PatientsWrite, $"/api/v1/patients/{Missing}/amendments", new { }),
    ];

    /// <summary>The break-glass report (admins).</summary>
    static readonly MatrixRoute[] Reports =
    [
        new("GET", "/api/v1/reports/break-glass/", Permissions.AuditRead, "/api/v1/reports/break-glass"),
        new("POST", "/api/v1/reports/break-glass/{id:guid}/review", Permissions.AuditRead, $"/api/v1/reports/break-glass/{Missing}/review", new { }),
        new("POST", "/api/v1/amendments/{id:guid}/accept", Permissions.HistoryWrite, $"/api/v1/amendments/{Missing}/accept", new { }),
        new("POST", "/api/v1/amendments/{id:guid}/refuse", Permissions.HistoryWrite, $"/api/v1/amendments/{Missing}/refuse", new { reason = "x" }),
    ];

    [Fact]
    public async Task The_matrix_covers_every_patient_route()
    {
        // The medical history, documents and sharing under /patients/{id}/… have matrices of their own.
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, p => p.StartsWith("/api/v1/patients", StringComparison.Ordinal)
            && !History.HistoryAuthorizationMatrixTests.Owns(p) && !p.StartsWith(Documents.DocumentsAuthorizationMatrixTests.Prefix, StringComparison.Ordinal)
            && !Sharing.SharingAuthorizationMatrixTests.Owns(p));
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Reports, "/api/v1/reports/break-glass", "/api/v1/amendments");
    }

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role)
    {
        var app = await CarebaseApp.Shared();
        // A portal patient holds patients:read/write for their own record only: registering, inviting, duplicate search,
        // care teams and break-glass are refused outright. Break-glass needs a clinical read permission on top of
        // patients:read, which the front desk does not hold.
        await AuthorizationMatrix.AssertRoleAsync(await app.NewTenantAsync(), role, [.. Routes, .. Reports], role switch
        {
            SystemRoles.Patient => ["POST /api/v1/patients/", "GET /api/v1/patients/duplicates", "POST /api/v1/patients/{id:guid}/portal-invite",
                "GET /api/v1/patients/{id:guid}/care-team", "POST /api/v1/patients/{id:guid}/break-glass"],
            SystemRoles.Receptionist => ["POST /api/v1/patients/{id:guid}/break-glass"],
            _ => [],
        });
    }

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), [.. Routes, .. Reports]);
}
