using System.Text.Json.Nodes;
using Carebase.Api.Features.Patients;

namespace Carebase.Tests.Features.Departments;

/// <summary>Small steps the department and doctor tests share, through the HTTP API except where noted.</summary>
static class DepartmentsApi
{
    /// <summary>A name no other test's department has.</summary>
    public static string NewName(string prefix = "Dept") => $"{prefix} {Guid.NewGuid():N}"[..20];

    public static Task<HttpResponseMessage> PostDepartmentAsync(HttpClient admin, string name, string? code = null, bool isPatientFacing = true,
        string? description = null) =>
        admin.PostAsJsonAsync("/api/v1/departments", new { name, code, description, isPatientFacing });

    /// <summary>Creates a department through the API and returns its id (201 asserted).</summary>
    public static async Task<Guid> CreateDepartmentAsync(HttpClient admin, string? name = null, bool isPatientFacing = true) =>
        (await (await PostDepartmentAsync(admin, name ?? NewName(), isPatientFacing: isPatientFacing)).JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();

    /// <summary>
    /// Adds a patient in <paramref name="departmentId"/> directly in the tenant's schema (the patients API is
    /// another feature); soft-deleted records count as users of the department too.
    /// </summary>
    public static Task<Guid> AddPatientAsync(CarebaseApp app, TestTenant tenant, Guid departmentId, bool deleted = false) =>
        app.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var patient = Patient.Register($"P-TEST-{Guid.NewGuid():N}"[..20], null, now);
            patient.FirstName = "Pat";
            patient.LastName = "Ient";
            patient.DateOfBirth = new DateOnly(1980, 1, 1);
            patient.Gender = "FEMALE";
            patient.DepartmentId = departmentId;
            if (deleted) patient.SoftDelete(null, now);
            db.Add(patient);
            await db.SaveChangesAsync();
            return patient.Id;
        }, tenant);

    public static HashSet<string> ErrorFields(JsonObject problem) => problem["errors"]!.AsObject().Select(kv => kv.Key).ToHashSet();

    public static string[] Names(JsonObject page, string field = "name") =>
        page["items"]!.AsArray().Select(d => d![field]!.GetValue<string>()).ToArray();
}
