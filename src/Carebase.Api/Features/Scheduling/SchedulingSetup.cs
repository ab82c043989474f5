using Carebase.Api.Features.Demo;

namespace Carebase.Api.Features.Scheduling;

public static class SchedulingSetup
{
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        foreach (var sql in SchedulingDemo.FreshenStatements)
            if (!DemoData.FreshenStatements.Contains(sql)) DemoData.FreshenStatements.Add(sql);
        return services.AddScoped<DoctorCalendars>().AddScoped<AppointmentBooking>();
    }

    public static RouteGroupBuilder MapScheduling(this RouteGroupBuilder api) => api.MapSchedules().MapAppointments();
}
