using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Billing;

/// <summary>A hospital (USD) with its front desk (RECEPTIONIST bills), a signed-in doctor whose fee is 150.50, and helpers through the API.</summary>
sealed class BillingKit
{
    public required CarebaseApp App { get; init; }
    public required TestTenant Tenant { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Desk { get; init; }
    public required HttpClient Doctor { get; init; }
    public required Guid DoctorId { get; init; }

    public static async Task<BillingKit> CreateAsync()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("bill");
        var admin = await tenant.AdminAsync();
        var (doctor, _, doctorId) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
        return new BillingKit { App = app, Tenant = tenant, Admin = admin, Desk = await tenant.ClientAsync(SystemRoles.Receptionist), Doctor = doctor, DoctorId = doctorId };
    }

    public async Task<JsonObject> NewPatientAsync() => await PatientKit.RegisterAsync(Desk, PatientKit.Person());

    /// <summary>A visit of a new patient with the kit's doctor, started directly.</summary>
    public async Task<(Guid visitId, Guid patientId)> VisitAsync(Guid? patientId = null)
    {
        var patient = patientId ?? (await NewPatientAsync()).Id();
        var visit = await (await Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient })).JsonAsync(HttpStatusCode.Created);
        return (visit.Id(), patient);
    }

    public static object Item(decimal unitPrice, decimal quantity = 1, string kind = "OTHER", string description = "Dressing", object? discount = null,
        decimal? taxRate = null) => new { kind, description, quantity, unitPrice, discount, taxRate };

    public async Task<JsonObject> DraftAsync(Guid patientId, params object[] lines) =>
        await (await Desk.PostAsJsonAsync("/api/v1/invoices", new { patientId, lines })).JsonAsync(HttpStatusCode.Created);

    public async Task<JsonObject> IssueAsync(Guid invoiceId) => await (await Desk.PostAsync($"/api/v1/invoices/{invoiceId}/issue", null)).JsonAsync();

    /// <summary>An issued invoice of one line for a new patient.</summary>
    public async Task<JsonObject> IssuedAsync(decimal amount) => await IssueAsync((await DraftAsync((await NewPatientAsync()).Id(), Item(amount))).Id());

    public Task<HttpResponseMessage> PayAsync(Guid invoiceId, decimal amount, string method = "CASH", string? key = null, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/invoices/{invoiceId}/payments") { Content = JsonContent.Create(new { method, amount }) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return (client ?? Desk).SendAsync(request);
    }

    public Task<HttpResponseMessage> RefundAsync(Guid invoiceId, Guid paymentId, decimal amount) =>
        Desk.PostAsJsonAsync($"/api/v1/invoices/{invoiceId}/refunds", new { paymentId, amount, reason = "Overcharged" });

    public async Task<JsonObject> InvoiceAsync(Guid id) => await (await Desk.GetAsync($"/api/v1/invoices/{id}")).JsonAsync();

    /// <summary>Starts every call at once (behind one gate) and waits for all.</summary>
    public static async Task<HttpResponseMessage[]> Race(IEnumerable<Func<Task<HttpResponseMessage>>> calls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = calls.Select(async call => { await gate.Task; return await call(); }).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }
}

static class BillingJson
{
    public static decimal Dec(this JsonNode o, string name) => o[name]!.GetValue<decimal>();
    public static string Str(this JsonNode o, string name) => o[name]!.GetValue<string>();
}
