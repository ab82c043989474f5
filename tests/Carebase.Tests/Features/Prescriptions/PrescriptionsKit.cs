using System.Text.Json.Nodes;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using UglyToad.PdfPig;

namespace Carebase.Tests.Features.Prescriptions;

/// <summary>
/// One hospital per test class: an admin, a signed-in doctor with a profile, a nurse, a pharmacist and a small medicine
/// catalog made directly through the app's DbContext (the stock API is another area's). Each test makes its own patient
/// and visit, so tests do not depend on one another's data.
/// </summary>
public sealed class PrescriptionsKit : IAsyncLifetime
{
    public CarebaseApp App { get; private set; } = null!;
    public TestTenant Tenant { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Doctor { get; private set; } = null!;
    public Guid DoctorId { get; private set; }
    public HttpClient Nurse { get; private set; } = null!;
    public HttpClient Pharmacist { get; private set; } = null!;
    public Guid Amoxicillin { get; private set; }
    public Guid Cefalexin { get; private set; }
    public Guid Gauze { get; private set; }
    public Guid Withdrawn { get; private set; }

    public async Task InitializeAsync()
    {
        App = await CarebaseApp.Shared();
        Tenant = await App.NewTenantAsync("rx");
        Admin = await Tenant.AdminAsync();
        (Doctor, _, DoctorId) = await DoctorsApi.SignedInDoctorAsync(Admin, Tenant);
        Nurse = await Tenant.ClientAsync(SystemRoles.Nurse);
        Pharmacist = await Tenant.ClientAsync(SystemRoles.Pharmacist);
        Amoxicillin = await StockItemAsync("Amoxicillin 500 mg capsules", "amoxicillin", "Amoxil", ["Amoxicillin"], "Penicillins", "capsule", "oral");
        Cefalexin = await StockItemAsync("Cefalexin 250 mg capsules", "cefalexin", null, ["Cefalexin"], "Cephalosporins", "capsule", "oral");
        Gauze = await StockItemAsync("Gauze swabs", null, null, [], null, "pack", null, StockItemKinds.Consumable);
        Withdrawn = await StockItemAsync("Withdrawn medicine 10 mg", "withdrawnol", null, [], null, "tablet", "oral", active: false);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public Task<Guid> StockItemAsync(string name, string? generic, string? brand, string[] ingredients, string? drugClass, string unit, string? route,
        string kind = StockItemKinds.Medicine, bool active = true) =>
        App.WithDbAsync(async db =>
        {
            var now = TimeProvider.System.GetUtcNow();
            var item = new StockItem
            {
                Kind = kind, Name = name, GenericName = generic, BrandName = brand, ActiveIngredients = ingredients, DrugClass = drugClass, Unit = unit,
                Route = route, SalePrice = 1.50m, IsActive = active, CreatedAt = now,
            };
            item.Touch(null, now);
            db.Add(item);
            await db.SaveChangesAsync();
            return item.Id;
        }, Tenant);

    /// <summary>A new patient (registered by the admin) and an open visit for them with the kit's doctor.</summary>
    public async Task<(JsonObject patient, Guid visit)> PatientInVisitAsync()
    {
        var patient = await PatientKit.RegisterAsync(Admin, PatientKit.Person());
        var visit = await (await Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient.Id() })).JsonAsync(HttpStatusCode.Created);
        return (patient, visit.Id());
    }

    /// <summary>The patient's own portal account, linked directly and signed in.</summary>
    public async Task<HttpClient> PortalAsync(Guid patientId)
    {
        var (user, email) = await Tenant.CreateUserAsync(SystemRoles.Patient);
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", patientId, user);
        return await App.SignInAsync(email);
    }

    public async Task<JsonObject> DraftAsync(Guid visit, params object[] items) =>
        await (await Doctor.PostAsJsonAsync("/api/v1/prescriptions", new { visitId = visit, items })).JsonAsync(HttpStatusCode.Created);

    public Task<HttpResponseMessage> IssueAsync(Guid id, object? overrides = null) =>
        Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{id}/issue", new { overrides });

    public static object Item(string medicine, string frequency = "TID", decimal? doseAmount = 1, int? durationDays = 5, int? quantity = null) =>
        new { medicine, doseAmount, doseUnit = "tablet", frequency, route = "oral", durationDays, quantity };

    public async Task RecordAsync(Guid patient, string list, object body) =>
        await (await Doctor.PostAsJsonAsync($"/api/v1/patients/{patient}/{list}", body)).EnsureStatusAsync(HttpStatusCode.Created);

    /// <summary>The PDF's words in reading order, one space apart.</summary>
    public static async Task<(string text, double width)> PdfAsync(HttpResponseMessage response)
    {
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        return (text, pdf.GetPage(1).Width);
    }
}
