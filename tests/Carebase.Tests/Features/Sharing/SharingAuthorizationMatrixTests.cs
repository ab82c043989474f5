using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Sharing;

public sealed class SharingAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("POST", "/api/v1/patients/{id:guid}/share-links", Permissions.SharingLinks, $"/api/v1/patients/{Missing}/share-links",
            new { expiresInHours = 1, purpose = "x" }),
        new("GET", "/api/v1/patients/{id:guid}/share-links", Permissions.SharingLinks, $"/api/v1/patients/{Missing}/share-links"),
        new("DELETE", "/api/v1/patients/{id:guid}/share-links/{linkId:guid}", Permissions.SharingLinks, $"/api/v1/patients/{Missing}/share-links/{Missing}"),
        new("GET", "/api/v1/patients/{id:guid}/disclosures", Permissions.DisclosuresRead, $"/api/v1/patients/{Missing}/disclosures"),
        new("GET", "/api/v1/patients/{id:guid}/export", Permissions.RecordsExport, $"/api/v1/patients/{Missing}/export?purpose=x&recipient=y"),
    ];

    /// <summary>The sharing routes under /patients/{id} (the patients matrix leaves them to this one).</summary>
    public static bool Owns(string pattern) =>
        new[] { "/share-links", "/disclosures", "/export" }.Any(s => pattern.StartsWith("/api/v1/patients/{id:guid}" + s, StringComparison.Ordinal));

    static bool Belongs(string pattern) => Owns(pattern) || pattern.StartsWith("/api/v1/public/shared", StringComparison.Ordinal);

    [Fact]
    public async Task The_matrix_covers_every_sharing_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(),
            [.. Routes, new("GET", "/api/v1/public/shared/{token:maxlength(100)}", "(none)", "/api/v1/public/shared/x")], Belongs);

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        // A portal patient lists the links of their own record but does not make or revoke them.
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes,
            role == SystemRoles.Patient ? ["POST /api/v1/patients/{id:guid}/share-links", "DELETE /api/v1/patients/{id:guid}/share-links/{linkId:guid}"] : []);

    [Fact]
    public async Task Anonymous_callers_get_401_except_on_the_link_itself()
    {
        var app = await CarebaseApp.Shared();
        await AuthorizationMatrix.AssertAnonymousRefusedAsync(app, Routes);
        using var anonymous = app.Anonymous();
        await (await anonymous.GetAsync("/api/v1/public/shared/nothing")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
