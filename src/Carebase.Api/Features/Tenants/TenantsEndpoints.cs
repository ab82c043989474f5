namespace Carebase.Api.Features.Tenants;

public static class TenantsEndpoints
{
    public static IServiceCollection AddTenants(this IServiceCollection services) => services.AddScoped<TenantProvisioning>();

    public static RouteGroupBuilder MapTenants(this RouteGroupBuilder api) => api;
}
