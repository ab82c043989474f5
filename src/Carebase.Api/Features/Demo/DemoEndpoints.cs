namespace Carebase.Api.Features.Demo;

public static class DemoEndpoints
{
    public static IServiceCollection AddDemo(this IServiceCollection services) => services.AddSingleton<DemoData>();

    public static RouteGroupBuilder MapDemo(this RouteGroupBuilder api) => api;
}
