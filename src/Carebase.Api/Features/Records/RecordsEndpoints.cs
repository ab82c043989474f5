using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;
using Microsoft.AspNetCore.Http.HttpResults;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Records;

/// <summary>Query of the timeline: comma-separated types, a period, a cursor from the previous page.</summary>
public sealed record TimelineQuery(
    [property: MaxLength(300), Description("Comma-separated event types (VISIT, VITALS, DIAGNOSIS, ALLERGY, …); all when left out.")] string? Types,
    [property: Description("Events at or after this instant.")] DateTimeOffset? From,
    [property: Description("Events before this instant.")] DateTimeOffset? To,
    [property: MaxLength(100), Description("nextCursor of the previous page.")] string? Cursor,
    [property: Range(1, 200), Description("Events per page, 1 to 200 (50 when left out).")] int? PageSize) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

/// <summary>The whole record of a patient in one place: the timeline of every clinical event and the one-page summary.</summary>
public static class RecordsEndpoints
{
    public static IServiceCollection AddRecords(this IServiceCollection services) => services.AddScoped<Timeline>().AddScoped<PatientSummary>();

    public static RouteGroupBuilder MapRecords(this RouteGroupBuilder api)
    {
        var record = PatientAccess.MapPatientRoutes(api, "Records").AddEndpointFilter<ValidationFilter>();
        record.MapGet("/timeline", GetTimeline).RequirePermission(HistoryRead)
            .WithSummary("Every clinical event of the patient, newest first, filterable by type and period, cursor-paged");
        record.MapGet("/summary", GetSummary).RequirePermission(HistoryRead)
            .WithSummary("One page: demographics, allergies (or no known allergies), active conditions, current medications, latest vitals with the previous value, immunizations due, the last five visits, the latest verified lab results, counts");
        return api;
    }

    static async Task<Ok<PatientSummaryResponse>> GetSummary(Guid id, PatientAccess access, PatientSummary summary, AuditLog audit, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct);
        var answer = await summary.ReadAsync(patient, ct);
        await audit.WriteAsync("SUMMARY_READ", "PATIENT", id, ct: ct);
        return TypedResults.Ok(answer);
    }

    static async Task<Ok<TimelinePage>> GetTimeline(Guid id, [AsParameters] TimelineQuery query, Timeline timeline, AuditLog audit, CancellationToken ct)
    {
        var types = query.Types?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t.ToUpperInvariant()).ToList();
        if (types?.Except(timeline.Types).ToList() is { Count: > 0 } unknown)
            throw new ValidationException("types", $"Unknown types {string.Join(", ", unknown)}; known: {string.Join(", ", timeline.Types)}.");
        var page = await timeline.PageAsync(id, types, query.From, query.To, query.Cursor, query.PageSize ?? 50, ct);
        await audit.WriteAsync("TIMELINE_READ", "PATIENT", id, new { filter = query, returned = page.Items.Count }, ct: ct);
        return TypedResults.Ok(page);
    }
}
