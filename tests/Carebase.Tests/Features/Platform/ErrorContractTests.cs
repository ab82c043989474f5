using System.Text;

namespace Carebase.Tests.Features.Platform;

/// <summary>The problem+json contract for the statuses the framework itself produces.</summary>
public sealed class ErrorContractTests
{
    [Fact]
    public async Task Malformed_json_is_400_problem()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var response = await client.PostAsync("/api/v1/auth/login", new StringContent("{\"email\": \"a@b.c\", ", Encoding.UTF8, "application/json"));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_422_naming_the_field_and_what_it_must_be()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var response = await client.PostAsync("/api/v1/auth/confirm-email", new StringContent("{\"userId\": 42, \"token\": \"x\"}", Encoding.UTF8, "application/json"));
        var problem = await response.ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.Equal("Must be a UUID.", problem["errors"]!["userId"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Missing_fields_are_422_with_errors_per_field()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var problem = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "" })).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.NotNull(problem["errors"]!["email"]);
        Assert.NotNull(problem["errors"]!["password"]);
    }

    [Fact]
    public async Task Oversized_body_is_413_problem()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var huge = new string('x', 2 * 1024 * 1024);
        var response = await client.PostAsync("/api/v1/auth/login", new StringContent($"{{\"email\":\"{huge}\"}}", Encoding.UTF8, "application/json"));
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task Wrong_content_type_is_415_problem()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var response = await client.PostAsync("/api/v1/auth/login", new StringContent("email=a", Encoding.UTF8, "text/plain"));
        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unknown_route_is_404_problem_and_wrong_method_is_405_problem()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        await (await client.GetAsync("/api/v1/no-such-thing")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/v1/auth/login")).ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task No_token_is_401_problem_with_a_bearer_challenge()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var response = await client.GetAsync("/api/v1/auth/me");
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var response = await client.GetAsync("/health/live");
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-Id").Single()));
    }

    [Fact]
    public async Task OpenApi_declares_the_bearer_scheme_and_every_operation_has_a_summary()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        var doc = await (await client.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.Equal("http", doc["components"]!["securitySchemes"]!["bearer"]!["type"]!.GetValue<string>());
        foreach (var (path, item) in doc["paths"]!.AsObject())
            foreach (var (method, op) in item!.AsObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(op!["summary"]?.GetValue<string>()), $"{method} {path} has no summary");
                Assert.NotEmpty(op["responses"]!.AsObject());
            }
        await (await client.GetAsync("/docs/index.html")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/redoc/index.html")).EnsureStatusAsync(HttpStatusCode.OK);
    }
}

/// <summary>Refusals the API expects (a taken slot, bad input) are answers, not errors: nothing is logged as an error with a stack trace.</summary>
public sealed class ExpectedRefusalLoggingTests
{
    [Fact]
    public async Task Conflicts_and_validation_failures_are_not_logged_as_errors()
    {
        var logs = new LogCapture();
        await using var app = await CarebaseApp.CreateAsync(logs: logs);
        var tenant = await app.NewTenantAsync("log");
        var admin = await tenant.AdminAsync();
        await (await admin.PostAsJsonAsync("/api/v1/departments", new { name = "Twice", isPatientFacing = true })).JsonAsync(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/api/v1/departments", new { name = "Twice", isPatientFacing = true })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await admin.PostAsJsonAsync("/api/v1/departments", new { name = 42 })).ShouldBeProblemAsync((HttpStatusCode)422);
        await (await admin.GetAsync($"/api/v1/departments/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A conflict only the database sees (a unique license number): EF's failed command is not an error either.
        await Doctors.DoctorsApi.CreateDoctorAsync(admin, tenant, licenseNumber: "LOG-1");
        var (userId, _) = await tenant.CreateUserAsync(Carebase.Api.Platform.Auth.SystemRoles.Doctor);
        await (await Doctors.DoctorsApi.PostDoctorAsync(admin, Doctors.DoctorsApi.ProfileBody(userId, licenseNumber: "LOG-1")))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "license_number_taken");
        await (await admin.PostAsync("/api/v1/departments", new StringContent("{", System.Text.Encoding.UTF8, "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
    }
}
