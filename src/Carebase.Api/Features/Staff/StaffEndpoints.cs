namespace Carebase.Api.Features.Staff;

/// <summary>Staff accounts, roles and the permission catalog.</summary>
public static class StaffEndpoints
{
    public static IServiceCollection AddStaff(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapStaff(this RouteGroupBuilder api) => api.MapUsers().MapRoles();
}
