namespace Carebase.Api.Features.Insight;

public static class InsightEndpoints
{
    public static RouteGroupBuilder MapInsight(this RouteGroupBuilder api) => api;
}
