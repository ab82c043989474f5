namespace Carebase.Tests.Features.Staff;

public sealed class StaffOpenApiTests
{
    [Fact]
    public async Task The_OpenAPI_document_describes_the_staff_routes_with_their_problem_answers()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();

        var doc = await (await client.GetAsync("/openapi/v1.json")).JsonAsync();

        var paths = doc["paths"]!.AsObject();
        var patchUser = paths["/api/v1/users/{id}"]!["patch"]!;
        Assert.Equal("Users", patchUser["tags"]![0]!.GetValue<string>());
        Assert.Contains("users:write", patchUser["description"]!.GetValue<string>());
        foreach (var status in new[] { "200", "404", "409", "412", "422" })
            Assert.NotNull(patchUser["responses"]![status]);
        Assert.NotNull(paths["/api/v1/users"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(paths["/api/v1/roles/{id}"]!["delete"]!["responses"]!["409"]);
        Assert.NotNull(paths["/api/v1/permissions"]!["get"]);
        var listParameters = paths["/api/v1/users"]!["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
        Assert.Equal(["DepartmentId", "IsActive", "Page", "PageSize", "Q", "Role"], listParameters.Select(p => char.ToUpperInvariant(p[0]) + p[1..]).Order());
    }
}
