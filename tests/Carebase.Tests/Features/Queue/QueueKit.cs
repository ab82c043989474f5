using System.Text.Json.Nodes;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;

namespace Carebase.Tests.Features.Queue;

/// <summary>A tenant with a doctor and a front desk, and quick ways to fill its queue.</summary>
sealed record QueueSetup(CarebaseApp App, TestTenant Tenant, HttpClient Desk, Guid DoctorId)
{
    public static async Task<QueueSetup> CreateAsync(CarebaseApp? app = null, string timezone = "UTC")
    {
        app ??= await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("q", timezone);
        using var admin = await tenant.AdminAsync();
        var doctor = await DoctorsApi.CreateDoctorAsync(admin, tenant);
        return new QueueSetup(app, tenant, await tenant.ClientAsync(SystemRoles.Receptionist), DoctorsApi.IdOf(doctor));
    }

    public static DateOnly TodayUtc => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    /// <summary>Patients made directly in the tenant's table (fast; the queue only needs them to exist).</summary>
    public async Task<Guid[]> PatientsAsync(int count, DateOnly? dateOfBirth = null)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        await TestDatabase.ExecuteAsync($"""
            INSERT INTO "{Tenant.Schema}".patients (id, patient_code, first_name, last_name, date_of_birth, gender, created_at, updated_at)
            SELECT id, 'Q-' || replace(id::text, '-', ''), 'Queue', 'Patient ' || ord, $2, 'FEMALE', now(), now()
            FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord)
            """, ids, dateOfBirth ?? new DateOnly(1990, 5, 17));
        return ids;
    }

    /// <summary>A SCHEDULED appointment of the doctor, made directly (booking is scheduling's API).</summary>
    public Task<Guid> AppointmentAsync(Guid patientId, DateTimeOffset startsAt, DateOnly? localDate = null, Guid? doctorId = null) => App.WithDbAsync(async db =>
    {
        var appointment = Appointment.Book(patientId, doctorId ?? DoctorId, null, startsAt, startsAt.AddMinutes(15),
            localDate ?? DateOnly.FromDateTime(startsAt.UtcDateTime), null, null, TimeProvider.System.GetUtcNow());
        db.Add(appointment);
        await db.SaveChangesAsync();
        return appointment.Id;
    }, Tenant);

    public static DateTimeOffset TodayAt(int hour, int minute = 0) => new(TodayUtc.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    public Task<HttpResponseMessage> WalkInAsync(Guid patientId, string? priority = null, string? reason = null, HttpClient? client = null) =>
        (client ?? Desk).PostAsJsonAsync("/api/v1/queue/walk-in", new { patientId, doctorId = DoctorId, priority, priorityReason = reason });

    public Task<HttpResponseMessage> CheckInAsync(Guid appointmentId, string? priority = null, string? reason = null) =>
        Desk.PostAsJsonAsync("/api/v1/queue/check-in", new { appointmentId, priority, priorityReason = reason });

    public Task<HttpResponseMessage> NextAsync(HttpClient? client = null, Guid? doctorId = null) =>
        (client ?? Desk).PostAsJsonAsync("/api/v1/queue/next", new { doctorId = doctorId ?? DoctorId });

    /// <summary>POST /queue/{tokenId}/{action} (skip, recall, serve, leave).</summary>
    public Task<HttpResponseMessage> MoveAsync(Guid tokenId, string action, HttpClient? client = null) =>
        (client ?? Desk).PostAsync($"/api/v1/queue/{tokenId}/{action}", null);

    /// <summary>POST /appointments/{id}/{action} (check-in, start, complete, no-show; cancel with a reason).</summary>
    public Task<HttpResponseMessage> AppointmentStepAsync(Guid appointmentId, string action) =>
        Desk.PostAsJsonAsync($"/api/v1/appointments/{appointmentId}/{action}", action == "cancel" ? new { reason = (string?)"Feels better" } : new { reason = (string?)null });

    /// <summary>Another doctor of the same hospital.</summary>
    public async Task<Guid> AnotherDoctorAsync()
    {
        using var admin = await Tenant.AdminAsync();
        return DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(admin, Tenant));
    }

    public Task<long> ServingCountAsync(Guid doctorId) => TestDatabase.ScalarAsync<long>(
        $"""SELECT count(*) FROM "{Tenant.Schema}".queue_tokens WHERE doctor_id = $1 AND status = 'SERVING'""", doctorId);

    public Task<string?> TokenStatusAsync(Guid tokenId) =>
        TestDatabase.ScalarAsync<string?>($"""SELECT status FROM "{Tenant.Schema}".queue_tokens WHERE id = $1""", tokenId);

    public async Task<JsonObject> BoardAsync(DateOnly? date = null) =>
        await (await Desk.GetAsync($"/api/v1/queue?doctorId={DoctorId}" + (date is { } d ? $"&date={d:yyyy-MM-dd}" : ""))).JsonAsync();

    public Task<string?> AppointmentStatusAsync(Guid appointmentId) =>
        TestDatabase.ScalarAsync<string?>($"""SELECT status FROM "{Tenant.Schema}".appointments WHERE id = $1""", appointmentId);
}

static class QueueJson
{
    public static Guid Id(this JsonNode o) => o["id"]!.GetValue<Guid>();
    public static int Number(this JsonNode o) => o["number"]!.GetValue<int>();
    public static string Str(this JsonNode o, string name) => o[name]!.GetValue<string>();
}
