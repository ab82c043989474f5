using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.History;

/// <summary>What a write hands to a list's <c>BeforeSaveAsync</c>: the unit of work, who writes and when.</summary>
public sealed record HistoryChange(CarebaseDb Db, Caller Caller, AuditLog Audit, DateTimeOffset Now);

/// <summary>
/// The operations every history list shares, written once: list (paged, soft-deleted items only with patients:delete),
/// read, record, change (If-Match) and soft-delete, each audited. The patient named by the route has already passed the
/// patient gate (<c>PatientAccess.MapPatientRoutes</c>), so only the item is looked up here, always within that patient.
/// </summary>
public sealed class HistoryDesk(CarebaseDb db, Caller caller, AuditLog audit, TenantClock clock, TimeProvider time)
{
    public async Task<Paged<TResponse>> ListAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, TQuery query, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var includeDeleted = query.IncludeDeleted == true;
        if (includeDeleted && !caller.Has(PatientsDelete))
            throw new ForbiddenException("forbidden", $"Including deleted items needs the permission '{PatientsDelete}'.");
        var items = list.Visible(db.Set<TItem>().AsNoTracking().Where(i => i.PatientId == patientId), caller);
        if (!includeDeleted) items = items.Where(i => i.DeletedAt == null);
        var page = await list.Order(list.Filter(items, query)).ToPagedAsync(query, list.Map, ct);
        await audit.WriteAsync($"{list.Resource}_LISTED", "PATIENT", patientId, new { returned = page.Items.Select(i => i.Id) }, ct: ct);
        return page;
    }

    public async Task<TResponse> GetAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, Guid itemId, HttpContext http, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var item = await FindAsync(list, patientId, itemId, track: false, ct);
        await audit.WriteAsync($"{list.Resource}_READ", list.Resource, itemId, new { patientId }, ct: ct);
        ETags.Send(http, item.Version);
        return list.Map(item);
    }

    public async Task<TResponse> CreateAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, TCreate request, HttpContext http, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var item = list.Create(request);
        var now = time.GetUtcNow();
        item.Begin(patientId, caller.UserId, now);
        await CheckAsync(list, item, ct);
        await using var tx = await db.BeginOrJoinAsync(ct);
        await list.BeforeSaveAsync(item, new HistoryChange(db, caller, audit, now), ct);
        db.Add(item);
        audit.Record($"{list.Resource}_CREATED", list.Resource, item.Id, list.AuditChanges(AuditLog.ChangesOf(db.Entry(item))));
        await db.SaveChangesAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        ETags.Send(http, item.Version);
        return list.Map(item);
    }

    public async Task<TResponse> UpdateAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, Guid itemId, TPatch request, HttpContext http, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var item = await FindAsync(list, patientId, itemId, track: true, ct);
        ETags.Check(http, item.Version);
        if (item.IsDeleted) throw new ConflictException("deleted", $"{list.NotFoundName} is deleted; deleted items cannot be changed.");
        list.Apply(request, item);
        var changes = AuditLog.ChangesOf(db.Entry(item));
        if (changes.Count > 0)
        {
            await CheckAsync(list, item, ct);
            var now = time.GetUtcNow();
            item.Touch(caller.UserId, now);
            await list.BeforeSaveAsync(item, new HistoryChange(db, caller, audit, now), ct);
            audit.Record($"{list.Resource}_UPDATED", list.Resource, item.Id, list.AuditChanges(changes));
            await db.SaveChangesAsync(ct);
        }
        if (tx is not null) await tx.CommitAsync(ct);
        ETags.Send(http, item.Version);
        return list.Map(item);
    }

    public async Task DeleteAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, Guid itemId, HttpContext http, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var item = await FindAsync(list, patientId, itemId, track: true, ct);
        ETags.Check(http, item.Version);
        var now = time.GetUtcNow();
        await list.BeforeDeleteAsync(item, new HistoryChange(db, caller, audit, now), ct);
        item.SoftDelete(caller.UserId, now);
        audit.Record($"{list.Resource}_DELETED", list.Resource, item.Id, new { patientId });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The item of this patient the caller may see; a deleted one only with patients:delete. Else 404.</summary>
    async Task<TItem> FindAsync<TItem, TCreate, TPatch, TQuery, TResponse>(
        HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, Guid patientId, Guid itemId, bool track, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var set = track ? db.Set<TItem>() : db.Set<TItem>().AsNoTracking();
        var item = await list.Visible(set.Where(i => i.Id == itemId && i.PatientId == patientId), caller).SingleOrDefaultAsync(ct);
        if (item is null || (item.IsDeleted && !caller.Has(PatientsDelete))) throw new NotFoundException(list.NotFoundName);
        return item;
    }

    async Task CheckAsync<TItem, TCreate, TPatch, TQuery, TResponse>(HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, TItem item, CancellationToken ct)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
    {
        var errors = new FieldErrors();
        item.Check(await clock.TodayAsync(ct), errors);
        await list.CheckAsync(item, db, caller, errors, ct);
        errors.ThrowIfAny();
    }
}
