using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Scheduling;

/// <summary>A tenant with an admin client, a doctor working every day 08:00–18:00 local, and helpers to book through the API.</summary>
sealed class SchedulingKit
{
    public required CarebaseApp App { get; init; }
    public required TestTenant Tenant { get; init; }
    public required HttpClient Admin { get; init; }
    public required Guid DoctorId { get; init; }
    public required TimeZoneInfo Zone { get; init; }

    public static async Task<SchedulingKit> CreateAsync(string timezone = "UTC", bool workEveryDay = true)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("sch", timezone);
        var admin = await tenant.AdminAsync();
        var kit = new SchedulingKit
        {
            App = app, Tenant = tenant, Admin = admin, DoctorId = DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(admin, tenant)),
            Zone = TimeZoneInfo.FindSystemTimeZoneById(timezone),
        };
        if (workEveryDay) await kit.SetHoursAsync(kit.DoctorId, Enumerable.Range(1, 7).Select(d => Block(d, "08:00", "18:00")).ToArray());
        return kit;
    }

    public static object Block(int weekday, string start, string end) => new { weekday, startTime = start, endTime = end };

    public async Task SetHoursAsync(Guid doctorId, params object[] blocks) =>
        await (await Admin.PutAsJsonAsync($"/api/v1/doctors/{doctorId}/working-hours", new { blocks })).JsonAsync();

    public async Task<Guid> NewDoctorAsync(bool workEveryDay = true)
    {
        var id = DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(Admin, Tenant));
        if (workEveryDay) await SetHoursAsync(id, Enumerable.Range(1, 7).Select(d => Block(d, "08:00", "18:00")).ToArray());
        return id;
    }

    public async Task<Guid> NewPatientAsync() => (await PatientKit.RegisterAsync(Admin, PatientKit.Person())).Id();

    /// <summary>A portal client (PATIENT role) linked to a new patient record.</summary>
    public async Task<(HttpClient client, Guid patientId)> PortalPatientAsync()
    {
        var patientId = await NewPatientAsync();
        var (userId, email) = await Tenant.CreateUserAsync(SystemRoles.Patient);
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", patientId, userId);
        return (await App.SignInAsync(email), patientId);
    }

    /// <summary>Local wall-clock time <paramref name="daysAhead"/> days from today in the tenant's zone, as an instant with its offset.</summary>
    public DateTimeOffset At(int daysAhead, int hour, int minute = 0)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), Zone).DateTime);
        var local = today.AddDays(daysAhead).ToDateTime(new TimeOnly(hour, minute));
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public static object Booking(Guid patientId, Guid doctorId, DateTimeOffset startsAt, string? reason = "Check-up", object? recurrence = null) =>
        new { patientId, doctorId, startsAt, reason, recurrence };

    public Task<HttpResponseMessage> BookAsync(HttpClient client, Guid patientId, DateTimeOffset startsAt, Guid? doctorId = null, object? recurrence = null) =>
        client.PostAsJsonAsync("/api/v1/appointments", Booking(patientId, doctorId ?? DoctorId, startsAt, recurrence: recurrence));

    public async Task<JsonObject> BookedAsync(Guid patientId, DateTimeOffset startsAt, Guid? doctorId = null) =>
        await (await BookAsync(Admin, patientId, startsAt, doctorId)).JsonAsync(HttpStatusCode.Created);

    public static Guid IdOf(JsonObject o) => o["id"]!.GetValue<Guid>();
}
