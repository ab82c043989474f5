namespace Carebase.Api.Features.Scheduling;

public static class SchedulingSetup
{
    public static IServiceCollection AddScheduling(this IServiceCollection services) => Patients.CareTeam.AddSource<AppointmentCareTeam>(
        services.AddScoped<DoctorCalendars>().AddScoped<AppointmentBooking>().AddScoped<AppointmentWorkflow>());

    public static RouteGroupBuilder MapScheduling(this RouteGroupBuilder api) => api.MapSchedules().MapAppointments();
}
