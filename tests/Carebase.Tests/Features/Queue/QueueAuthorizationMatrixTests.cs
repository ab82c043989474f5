using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Queue;

public sealed class QueueAuthorizationMatrixTests
{
    static readonly string Missing = Guid.NewGuid().ToString();

    static readonly MatrixRoute[] Routes =
    [
        new("GET", "/api/v1/queue/", Permissions.QueueRead, $"/api/v1/queue?doctorId={Missing}"),
        new("GET", "/api/v1/queue/stream", Permissions.QueueRead, $"/api/v1/queue/stream?doctorId={Missing}"),
        new("GET", "/api/v1/queue/{id:guid}", Permissions.QueueRead, $"/api/v1/queue/{Missing}"),
        new("POST", "/api/v1/queue/check-in", Permissions.QueueWrite, "/api/v1/queue/check-in", new { }),
        new("POST", "/api/v1/queue/walk-in", Permissions.QueueWrite, "/api/v1/queue/walk-in", new { }),
        new("POST", "/api/v1/queue/next", Permissions.QueueWrite, "/api/v1/queue/next", new { }),
        new("POST", "/api/v1/queue/{id:guid}/skip", Permissions.QueueWrite, $"/api/v1/queue/{Missing}/skip"),
        new("POST", "/api/v1/queue/{id:guid}/recall", Permissions.QueueWrite, $"/api/v1/queue/{Missing}/recall"),
        new("POST", "/api/v1/queue/{id:guid}/serve", Permissions.QueueWrite, $"/api/v1/queue/{Missing}/serve"),
        new("POST", "/api/v1/queue/{id:guid}/leave", Permissions.QueueWrite, $"/api/v1/queue/{Missing}/leave"),
    ];

    [Fact]
    public async Task The_matrix_covers_every_queue_route() =>
        AuthorizationMatrix.AssertCovers(await CarebaseApp.Shared(), Routes, "/api/v1/queue");

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.SystemRoleNames), MemberType = typeof(AuthorizationMatrix))]
    public async Task Each_role_reaches_exactly_what_its_permissions_allow(string role) =>
        await AuthorizationMatrix.AssertRoleAsync(await (await CarebaseApp.Shared()).NewTenantAsync(), role, Routes);

    [Fact]
    public async Task Anonymous_callers_get_401() => await AuthorizationMatrix.AssertAnonymousRefusedAsync(await CarebaseApp.Shared(), Routes);
}
