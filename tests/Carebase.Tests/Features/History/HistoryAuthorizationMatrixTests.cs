using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.History;

public sealed class HistoryAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    /// <summary>The lists of the medical history mapped by this area (vitals and documents belong to their own areas).</summary>
    public static readonly string[] Lists = ["allergies", "conditions", "medications", "immunizations", "procedures", "notes"];

    /// <summary>Whether a route pattern belongs to this area's matrix (the patients matrix leaves these out).</summary>
    public static bool Owns(string pattern) => Lists.Any(l => pattern.StartsWith($"/api/v1/patients/{{id:guid}}/{l}", StringComparison.Ordinal));

    static readonly MatrixRoute[] Routes =
    [
        .. Lists.SelectMany(l => new MatrixRoute[]
        {
            new("GET", $"/api/v1/patients/{{id:guid}}/{l}", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/{l}"),
            new("POST", $"/api/v1/patients/{{id:guid}}/{l}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/{l}", new { }),
            new("GET", $"/api/v1/patients/{{id:guid}}/{l}/{{itemId:guid}}", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/{l}/{Missing}"),
            new("PATCH", $"/api/v1/patients/{{id:guid}}/{l}/{{itemId:guid}}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/{l}/{Missing}", new { }),
            new("DELETE", $"/api/v1/patients/{{id:guid}}/{l}/{{itemId:guid}}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/{l}/{Missing}"),
        }),
        new("GET", "/api/v1/patients/{id:guid}/allergies/status", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/allergies/status"),
        new("PUT", "/api/v1/patients/{id:guid}/allergies/status", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/allergies/status", new { }),
        new("GET", "/api/v1/patients/{id:guid}/immunizations/due", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/immunizations/due"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_history_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, Owns);

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient holds history:read (their own record, through the patient gate) and never history:write.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
