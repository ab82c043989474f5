namespace Carebase.Tests.Features.Doctors;

public sealed class DoctorsOpenApiTests
{
    [Fact]
    public async Task The_OpenAPI_document_describes_the_department_and_doctor_routes_with_their_problem_answers()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();

        var doc = await (await client.GetAsync("/openapi/v1.json")).JsonAsync();

        var paths = doc["paths"]!.AsObject();
        var patchDoctor = paths["/api/v1/doctors/{id}"]!["patch"]!;
        Assert.Equal("Doctors", patchDoctor["tags"]![0]!.GetValue<string>());
        Assert.Contains("doctors:write", patchDoctor["description"]!.GetValue<string>());
        foreach (var status in new[] { "200", "404", "409", "412", "422" })
            Assert.NotNull(patchDoctor["responses"]![status]);
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var bodyRef = patchDoctor["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        var body = schemas[bodyRef.Split('/')[^1]]!["properties"]!.AsObject();
        Assert.Equal(["bio", "consultationFee", "departmentId", "licenseNumber", "specialization", "yearsOfExperience"], body.Select(p => p.Key).Order());
        Assert.NotNull(paths["/api/v1/doctors"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(paths["/api/v1/doctors"]!["get"]!["responses"]!["200"]);
        Assert.True(schemas.ContainsKey("DoctorResponse"), string.Join(", ", schemas.Select(s => s.Key)));
        var deleteDepartment = paths["/api/v1/departments/{id}"]!["delete"]!;
        Assert.Contains("departments:write", deleteDepartment["description"]!.GetValue<string>());
        Assert.NotNull(deleteDepartment["responses"]!["409"]);
        Assert.NotNull(paths["/api/v1/departments"]!["post"]!["responses"]!["201"]);
    }
}
