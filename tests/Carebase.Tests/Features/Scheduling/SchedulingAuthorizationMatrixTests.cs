using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Scheduling;

public sealed class SchedulingAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();
    const string D = "/api/v1/doctors/{id:guid}";
    const string A = "/api/v1/appointments";

    static readonly MatrixRoute[] Routes =
    [
        new("GET", $"{D}/working-hours", Permissions.SchedulesRead, $"/api/v1/doctors/{Missing}/working-hours"),
        new("PUT", $"{D}/working-hours", Permissions.SchedulesWrite, $"/api/v1/doctors/{Missing}/working-hours", new { }),
        new("GET", $"{D}/time-off", Permissions.SchedulesRead, $"/api/v1/doctors/{Missing}/time-off"),
        new("POST", $"{D}/time-off", Permissions.SchedulesWrite, $"/api/v1/doctors/{Missing}/time-off", new { }),
        new("DELETE", $"{D}/time-off/{{timeOffId:guid}}", Permissions.SchedulesWrite, $"/api/v1/doctors/{Missing}/time-off/{Missing}"),
        new("GET", $"{D}/extra-sessions", Permissions.SchedulesRead, $"/api/v1/doctors/{Missing}/extra-sessions"),
        new("POST", $"{D}/extra-sessions", Permissions.SchedulesWrite, $"/api/v1/doctors/{Missing}/extra-sessions", new { }),
        new("DELETE", $"{D}/extra-sessions/{{sessionId:guid}}", Permissions.SchedulesWrite, $"/api/v1/doctors/{Missing}/extra-sessions/{Missing}"),
        new("GET", $"{D}/available-slots", Permissions.SchedulesRead, $"/api/v1/doctors/{Missing}/available-slots"),
        new("GET", $"{A}/", Permissions.AppointmentsRead, $"{A}?status=NONE"),
        new("POST", $"{A}/", Permissions.AppointmentsWrite, A, new { }),
        new("GET", $"{A}/analytics", Permissions.AppointmentsRead, $"{A}/analytics?from=never"),
        new("GET", $"{A}/{{id:guid}}", Permissions.AppointmentsRead, $"{A}/{Missing}"),
        new("PATCH", $"{A}/{{id:guid}}", Permissions.AppointmentsWrite, $"{A}/{Missing}", new { }),
        new("POST", $"{A}/{{id:guid}}/confirm", Permissions.AppointmentsWrite, $"{A}/{Missing}/confirm"),
        new("POST", $"{A}/{{id:guid}}/check-in", Permissions.AppointmentsWrite, $"{A}/{Missing}/check-in"),
        new("POST", $"{A}/{{id:guid}}/start", Permissions.AppointmentsWrite, $"{A}/{Missing}/start"),
        new("POST", $"{A}/{{id:guid}}/complete", Permissions.AppointmentsWrite, $"{A}/{Missing}/complete"),
        new("POST", $"{A}/{{id:guid}}/no-show", Permissions.AppointmentsWrite, $"{A}/{Missing}/no-show"),
        new("POST", $"{A}/{{id:guid}}/cancel", Permissions.AppointmentsWrite, $"{A}/{Missing}/cancel", new { }),
        new("POST", $"{A}/{{id:guid}}/reschedule", Permissions.AppointmentsWrite, $"{A}/{Missing}/reschedule", new { }),
    ];

    [Fact]
    public async Task The_matrix_covers_every_scheduling_route()
    {
        var app = await CarebaseApp.Shared();
        AuthorizationMatrix.AssertCovers(app, Routes, "/api/v1/appointments", "/api/v1/doctors/{id:guid}/");
    }

    [Theory]
    [InlineData(SystemRoles.HospitalAdmin)]
    [InlineData(SystemRoles.Doctor)]
    [InlineData(SystemRoles.Nurse)]
    [InlineData(SystemRoles.Receptionist)]
    [InlineData(SystemRoles.Pharmacist)]
    [InlineData(SystemRoles.LabTechnician)]
    [InlineData(SystemRoles.Patient)]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role)
    {
        var app = await CarebaseApp.Shared();
        // Analytics are for staff: a portal patient holds appointments:read for their own appointments only.
        await AuthorizationMatrix.AssertRoleAsync(await app.NewTenantAsync(), role, Routes,
            role == SystemRoles.Patient ? ["GET /api/v1/appointments/analytics"] : []);
    }

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
