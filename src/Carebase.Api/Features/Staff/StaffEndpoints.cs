namespace Carebase.Api.Features.Staff;

public static class StaffEndpoints
{
    public static IServiceCollection AddStaff(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapStaff(this RouteGroupBuilder api) => api;
}
