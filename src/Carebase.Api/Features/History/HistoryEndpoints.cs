using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.History;

/// <summary>
/// The medical history of a patient under <c>/patients/{id}/…</c>: allergies (and the "no known allergies" statement),
/// conditions, medications, immunizations (and those due), procedures and clinical notes. Every route sits behind the
/// patient gate (404 for patients the caller may not see, 403 break_glass_required for a confidential patient outside
/// the care team); reads need history:read (a portal patient reads their own history, without staff-only notes), writes
/// history:write.
/// </summary>
public static class HistoryEndpoints
{
    public static IServiceCollection AddHistory(this IServiceCollection services) =>
        TimelineSources.Add<HistoryTimeline>(services.AddScoped<HistoryDesk>().AddScoped<MedicalHistory>().AddScoped<AllergyStatements>());

    public static RouteGroupBuilder MapHistory(this RouteGroupBuilder api)
    {
        var record = PatientAccess.MapPatientRoutes(api, "History").AddEndpointFilter<ValidationFilter>();
        // Routes of fixed segments before the lists' {itemId} routes read more clearly; the :guid constraint keeps them apart anyway.
        AllergyStatements.Map(record);
        Immunizations.MapDue(record);
        MapList(record, Allergies.List);
        MapList(record, Conditions.List);
        MapList(record, Medications.List);
        MapList(record, Immunizations.List);
        MapList(record, Procedures.List);
        MapList(record, ClinicalNotes.List);
        return api;
    }

    /// <summary>The five routes of one list: GET (paged), GET /{itemId}, POST, PATCH /{itemId} (If-Match), DELETE /{itemId} (soft).</summary>
    static void MapList<TItem, TCreate, TPatch, TQuery, TResponse>(RouteGroupBuilder record, HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var (one, many, path) = (list.Singular.ToLowerInvariant(), list.Plural.ToLowerInvariant(), $"/{list.Segment}");
        record.MapGet(path, async Task<Ok<Paged<TResponse>>> (Guid id, [AsParameters] TQuery query, HistoryDesk desk, CancellationToken ct) =>
                TypedResults.Ok(await desk.ListAsync(list, id, query, ct)))
            .RequirePermission(HistoryRead).WithName($"List{list.Plural}")
            .WithSummary($"The patient's {many}, newest first (deleted ones with includeDeleted, which needs patients:delete)");
        record.MapGet($"{path}/{{itemId:guid}}", async Task<Ok<TResponse>> (Guid id, Guid itemId, HistoryDesk desk, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await desk.GetAsync(list, id, itemId, http, ct)))
            .RequirePermission(HistoryRead).WithName($"Get{list.Singular}")
            .WithSummary($"One {one} of the patient (ETag for If-Match)");
        record.MapPost(path, async Task<Created<TResponse>> (Guid id, TCreate request, HistoryDesk desk, HttpContext http, CancellationToken ct) =>
            {
                var created = await desk.CreateAsync(list, id, request, http, ct);
                return TypedResults.Created($"/api/v1/patients/{id}/{list.Segment}/{created.Id}", created);
            })
            .RequirePermission(HistoryWrite).ProducesProblem(409).WithName($"Record{list.Singular}")
            .WithSummary($"Record a {one} in the patient's history");
        record.MapPatch($"{path}/{{itemId:guid}}", async Task<Ok<TResponse>> (Guid id, Guid itemId, TPatch request, HistoryDesk desk, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await desk.UpdateAsync(list, id, itemId, request, http, ct)))
            .RequirePermission(HistoryWrite).ProducesProblem(409).ProducesProblem(412).WithName($"Update{list.Singular}")
            .WithSummary($"Change the fields of a {one} present in the body (null clears an optional field; If-Match → 412 when stale)");
        record.MapDelete($"{path}/{{itemId:guid}}", async Task<NoContent> (Guid id, Guid itemId, HistoryDesk desk, HttpContext http, CancellationToken ct) =>
            {
                await desk.DeleteAsync(list, id, itemId, http, ct);
                return TypedResults.NoContent();
            })
            .RequirePermission(HistoryWrite).ProducesProblem(409).ProducesProblem(412).WithName($"Delete{list.Singular}")
            .WithSummary($"Soft-delete a {one}: hidden from the history, kept with who deleted it and when (If-Match supported)");
    }
}
