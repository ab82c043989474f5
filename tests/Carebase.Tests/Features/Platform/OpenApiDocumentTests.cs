using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Carebase.Tests.Features.Platform;

/// <summary>The OpenAPI document says what the API does: ids, parameters, rules of the fields, problem answers and headers.</summary>
public sealed partial class OpenApiDocumentTests
{
    /// <summary>Where the served document is written for the linter of the CI script (next to the test binaries).</summary>
    public static readonly string WrittenDocument = Path.Combine(AppContext.BaseDirectory, "openapi", "v1.json");

    static readonly string[] Methods = ["get", "put", "post", "patch", "delete"];

    static async Task<JsonObject> DocumentAsync()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();
        return await (await client.GetAsync("/openapi/v1.json")).JsonAsync();
    }

    static IEnumerable<(string path, string method, JsonObject op)> Operations(JsonObject doc) =>
        from path in doc["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        where Methods.Contains(method.Key)
        select (path.Key, method.Key, method.Value!.AsObject());

    static JsonObject Schema(JsonObject doc, string name) => doc["components"]!["schemas"]![name]!.AsObject();

    static string[] Required(JsonObject schema) => schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? [];

    static string[] Enum(JsonNode schema) => schema["enum"]!.AsArray().Where(n => n is not null).Select(n => n!.GetValue<string>()).ToArray();

    [Fact]
    public async Task The_served_document_is_written_for_the_linter()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();

        var response = await client.GetAsync("/openapi/v1.json");

        await response.EnsureStatusAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("3.1.1", JsonNode.Parse(text)!["openapi"]!.GetValue<string>());
        Directory.CreateDirectory(Path.GetDirectoryName(WrittenDocument)!);
        await File.WriteAllTextAsync(WrittenDocument, text);
    }

    [Fact]
    public async Task Every_operation_has_a_unique_readable_id_and_its_problem_answers()
    {
        var doc = await DocumentAsync();
        var operations = Operations(doc).ToList();
        Assert.True(operations.Count > 50, $"only {operations.Count} operations");

        var ids = operations.Select(o => o.op["operationId"]?.GetValue<string>()).ToList();
        Assert.All(ids, id => Assert.Matches("^[A-Z][A-Za-z]*_[A-Z][A-Za-z0-9]*$", id ?? ""));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("Patients_Search", Operation(doc, "/api/v1/patients", "get")["operationId"]!.GetValue<string>());
        Assert.Equal("Appointments_Book", Operation(doc, "/api/v1/appointments", "post")["operationId"]!.GetValue<string>());

        foreach (var (path, method, op) in operations)
        {
            var responses = op["responses"]!.AsObject();
            var expected = new List<string> { "401", "403", "422", "429", "500" };
            if (op["requestBody"] is not null) expected.Add("400");
            if (path.Contains('{')) expected.Add("404");
            foreach (var status in expected)
                Assert.True(responses[status]?["$ref"] is not null, $"{method} {path}: no {status} problem answer");
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            Assert.False(string.IsNullOrWhiteSpace(op["description"]?.GetValue<string>()), $"{method} {path}: no description");
        }

        // One problem schema, as problem+json; a 429 says when to retry; answers carry the rate-limit headers.
        var problems = doc["components"]!["responses"]!.AsObject();
        foreach (var (status, name) in new[] { ("404", "NotFound"), ("409", "Conflict"), ("422", "ValidationFailed"), ("429", "TooManyRequests") })
        {
            var schema = problems[name]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>();
            Assert.Equal(status == "422" ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails", schema);
            Assert.NotNull(problems[name]!["headers"]!["X-RateLimit-Limit"]);
        }
        Assert.NotNull(problems["TooManyRequests"]!["headers"]!["Retry-After"]);
        var problem = Schema(doc, "ProblemDetails");
        Assert.Contains("code", Required(problem));
        Assert.NotEqual(false, problem["additionalProperties"]?.GetValue<bool>()); // some codes add members
        Assert.Contains("errors", Required(Schema(doc, "HttpValidationProblemDetails")));
        var created = Operation(doc, "/api/v1/patients", "post")["responses"]!["201"]!;
        Assert.NotNull(created["headers"]!["X-RateLimit-Remaining"]);
        Assert.NotNull(Operation(doc, "/api/v1/users/{id}", "patch")["responses"]!["412"]);

        // Typed success content: the export's two formats.
        var export = Operation(doc, "/api/v1/patients/export", "get")["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal(["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"], export.Select(c => c.Key).Order());
    }

    [Fact]
    public async Task Query_parameters_are_named_as_the_API_reads_them_with_a_description_and_their_rules()
    {
        var doc = await DocumentAsync();

        var parameters = Operations(doc).SelectMany(o => (o.op["parameters"]?.AsArray() ?? []).Select(p => (o.path, o.method, p: p!.AsObject())))
            .Where(x => x.p["in"]!.GetValue<string>() == "query").ToList();
        Assert.True(parameters.Count > 50, $"only {parameters.Count} query parameters");
        foreach (var (path, method, p) in parameters)
        {
            var name = p["name"]!.GetValue<string>();
            Assert.Matches("^[a-z][A-Za-z]*$", name);
            Assert.False(string.IsNullOrWhiteSpace(p["description"]?.GetValue<string>()), $"{method} {path}: {name} has no description");
        }

        JsonObject Parameter(string path, string name) =>
            Operation(doc, path, "get")["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!.AsObject();
        Assert.True(Parameter("/api/v1/queue", "doctorId")["required"]!.GetValue<bool>());
        Assert.False(Parameter("/api/v1/queue", "date")["required"]?.GetValue<bool>() ?? false);
        var pageSize = Parameter("/api/v1/users", "pageSize")["schema"]!;
        Assert.Equal((1, 200), (pageSize["minimum"]!.GetValue<int>(), pageSize["maximum"]!.GetValue<int>()));
        Assert.Equal(200, Parameter("/api/v1/patients", "q")["schema"]!["maxLength"]!.GetValue<int>());
        Assert.Contains("FEMALE", Enum(Parameter("/api/v1/patients", "gender")["schema"]!));
        Assert.Equal(150, Parameter("/api/v1/patients", "ageMax")["schema"]!["maximum"]!.GetValue<int>());
        Assert.Equal(["DENIED", "FAILURE", "SUCCESS"], Enum(Parameter("/api/v1/reports/audit-logs", "outcome")["schema"]!).Order());
    }

    [Fact]
    public async Task Schemas_carry_the_rules_the_validation_enforces()
    {
        var doc = await DocumentAsync();

        var register = Schema(doc, "RegisterPatientRequest");
        Assert.Equal(["dateOfBirth", "firstName", "gender", "lastName"], Required(register).Order());
        var firstName = register["properties"]!["firstName"]!;
        Assert.Equal(100, firstName["maxLength"]!.GetValue<int>());
        Assert.Equal("string", firstName["type"]!.GetValue<string>()); // required: not null
        Assert.Equal(["FEMALE", "MALE", "OTHER", "UNKNOWN"], Enum(register["properties"]!["gender"]!).Order());
        Assert.Contains("AB_NEGATIVE", Enum(register["properties"]!["bloodType"]!));
        Assert.Equal("email", register["properties"]!["email"]!["format"]!.GetValue<string>());
        // A PATCH requires nothing: a field left out stays as it is.
        Assert.Empty(Required(Schema(doc, "UpdatePatientRequest")));

        var book = Schema(doc, "BookAppointmentRequest");
        Assert.Equal(["doctorId", "startsAt"], Required(book).Order());
        Assert.Equal(4000, book["properties"]!["notes"]!["maxLength"]!.GetValue<int>());
        var recurrence = Schema(doc, "Recurrence")["properties"]!["count"]!;
        Assert.Equal((2, 52), (recurrence["minimum"]!.GetValue<int>(), recurrence["maximum"]!.GetValue<int>()));
        Assert.Equal(70, Schema(doc, "WorkingHoursBody")["properties"]!["blocks"]!["maxItems"]!.GetValue<int>());
        var permissions = Schema(doc, "CreateRoleRequest")["properties"]!["permissions"]!;
        Assert.Contains("patients:read", Enum(permissions["items"]!));
        Assert.DoesNotContain("platform:tenants", Enum(permissions["items"]!));
        Assert.Equal(["grant_type"], Required(Schema(doc, "OAuthTokenRequest")));

        // Answers: status fields are enums, numbers are numbers, and the fields always written are required.
        var appointment = Schema(doc, "AppointmentResponse");
        Assert.Contains("NO_SHOW", Enum(appointment["properties"]!["status"]!));
        Assert.Equal("integer", appointment["properties"]!["version"]!["type"]!.GetValue<string>());
        Assert.Contains("status", Required(appointment));
        Assert.DoesNotContain("notes", Required(appointment)); // staff only: left out for patients
        Assert.Contains("EMERGENCY", Enum(Schema(doc, "QueueTokenResponse")["properties"]!["priority"]!));
        Assert.Contains("SERVING", Enum(Schema(doc, "QueueTokenResponse")["properties"]!["status"]!));
        Assert.DoesNotMatch(@"""type"":\s*\[\s*""integer"",\s*""string""", doc.ToJsonString());
    }

    [Fact]
    public async Task ReDoc_loads_nothing_from_another_host()
    {
        var app = await CarebaseApp.Shared();
        using var client = app.Anonymous();

        var page = await client.GetAsync("/redoc/index.html");

        await page.EnsureStatusAsync(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("redoc.standalone.js", html);
        foreach (var local in new[] { "index.css", "index.js" })
        {
            var text = await (await client.GetAsync($"/redoc/{local}")).Content.ReadAsStringAsync();
            Assert.Empty(OtherHosts(text, client.BaseAddress!.Host));
        }
        Assert.Empty(OtherHosts(html, client.BaseAddress!.Host));
    }

    static JsonObject Operation(JsonObject doc, string path, string method) => doc["paths"]![path]![method]!.AsObject();

    static List<string> OtherHosts(string text, string host) =>
        Url().Matches(text).Select(m => m.Groups[1].Value).Where(h => !h.Equals(host, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();

    [GeneratedRegex(@"https?://([^/""'\s)>]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Url();
}
