using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Documents;

/// <summary>Every system role against every document route (the patients matrix leaves these to this one).</summary>
public sealed class DocumentsAuthorizationMatrixTests
{
    public const string Prefix = "/api/v1/patients/{id:guid}/documents";
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("POST", Prefix, Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/documents", new { }),
        new("GET", Prefix, Permissions.HistoryRead, $"/api/v1/patients/{Missing}/documents"),
        new("GET", Prefix + "/{docId:guid}", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/documents/{Missing}"),
        new("GET", Prefix + "/{docId:guid}/content", Permissions.HistoryRead, $"/api/v1/patients/{Missing}/documents/{Missing}/content"),
        new("PATCH", Prefix + "/{docId:guid}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/documents/{Missing}", new { }),
        new("DELETE", Prefix + "/{docId:guid}", Permissions.HistoryWrite, $"/api/v1/patients/{Missing}/documents/{Missing}"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_document_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, Prefix);

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role)
    {
        var app = await CarebaseApp.Shared();
        await AuthorizationMatrix.AssertRoleAsync(await app.NewTenantAsync(), role, Routes);
    }

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
