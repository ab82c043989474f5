using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.History;

/// <summary>
/// What every item of a patient's medical history keeps: the patient, who recorded and last changed it and when, a version
/// (the ETag) and the soft delete (an item is never removed: deleted items stay, hidden, with who deleted them and when).
/// </summary>
public abstract class HistoryItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public Guid? CreatedBy { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public Guid? DeletedBy { get; private set; }
    /// <summary>The concurrency token behind the ETag; a writer that read an older version fails with 412.</summary>
    public int Version { get; private set; } = 1;

    public bool IsDeleted => DeletedAt is not null;

    /// <summary>A new item of <paramref name="patientId"/>'s history, recorded now by <paramref name="by"/>.</summary>
    public void Begin(Guid patientId, Guid? by, DateTimeOffset now)
    {
        PatientId = patientId;
        (CreatedAt, CreatedBy, UpdatedAt, UpdatedBy) = (now, by, now, by);
    }

    /// <summary>Records a change: a new version, who and when.</summary>
    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }

    public void SoftDelete(Guid? by, DateTimeOffset now)
    {
        if (IsDeleted) throw new ConflictException("already_deleted", "The item is already deleted.");
        (DeletedAt, DeletedBy) = (now, by);
        Touch(by, now);
    }

    /// <summary>Rules across fields and against today (dates not in the future, ends not before starts): 422 naming the field.</summary>
    public virtual void Check(DateOnly today, FieldErrors errors) { }

    protected static void NotFuture(FieldErrors errors, string field, DateOnly? date, DateOnly today)
    {
        if (date > today) errors.Add(field, "Cannot be in the future.");
    }

    protected static void NotBefore(FieldErrors errors, string field, DateOnly? date, DateOnly? start, string startField)
    {
        if (date is { } d && start is { } s && d < s) errors.Add(field, $"Cannot be before {startField}.");
    }
}

/// <summary>The who/when/version fields every history answer carries (who is for staff only).</summary>
public abstract record HistoryItemResponse
{
    public Guid Id { get; init; }
    public Guid PatientId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    [StaffOnly] public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    [StaffOnly] public Guid? UpdatedBy { get; init; }
    /// <summary>Set on a deleted item (seen only with includeDeleted and patients:delete).</summary>
    public DateTimeOffset? DeletedAt { get; init; }
    [StaffOnly] public Guid? DeletedBy { get; init; }
    public int Version { get; init; }
}

public static class HistoryItemResponses
{
    /// <summary>The answer with the common fields of <paramref name="item"/> filled in.</summary>
    public static T Stamped<T>(this T response, HistoryItem item) where T : HistoryItemResponse => response with
    {
        Id = item.Id, PatientId = item.PatientId, CreatedAt = item.CreatedAt, CreatedBy = item.CreatedBy, UpdatedAt = item.UpdatedAt,
        UpdatedBy = item.UpdatedBy, DeletedAt = item.DeletedAt, DeletedBy = item.DeletedBy, Version = item.Version,
    };
}

/// <summary>The query of every history list: paging and the soft-deleted items (which need patients:delete).</summary>
public interface IHistoryQuery : IPageQuery
{
    /// <summary>Include soft-deleted items (needs patients:delete).</summary>
    bool? IncludeDeleted { get; }

    /// <summary>The description of <c>includeDeleted</c> every history query carries.</summary>
    public const string IncludeDeletedText = "Include soft-deleted items (needs patients:delete; default false).";
}

/// <summary>
/// One list of the medical history (allergies, conditions, …): its route segment, audit names, how a request becomes an
/// item and changes it, its filters and order, and its answer. <see cref="HistoryDesk"/> does the rest the same way for
/// every list (the patient gate, paging, soft delete, ETags, audit).
/// </summary>
public abstract class HistoryList<TItem, TCreate, TPatch, TQuery, TResponse>
    where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
{
    /// <summary>The route segment under <c>/patients/{id}</c>, e.g. <c>allergies</c>.</summary>
    public abstract string Segment { get; }
    /// <summary>The audit resource type (SCREAMING_CASE), also the prefix of its actions (<c>ALLERGY_CREATED</c>…).</summary>
    public abstract string Resource { get; }
    /// <summary>The singular, capitalised, for summaries and endpoint names (<c>Allergy</c>).</summary>
    public abstract string Singular { get; }
    /// <summary>The plural, capitalised (<c>Allergies</c>).</summary>
    public abstract string Plural { get; }

    public abstract TResponse Map(TItem item);
    public abstract TItem Create(TCreate request);
    public abstract void Apply(TPatch request, TItem item);
    public abstract IOrderedQueryable<TItem> Order(IQueryable<TItem> items);

    /// <summary>The list's own filters (status…).</summary>
    public virtual IQueryable<TItem> Filter(IQueryable<TItem> items, TQuery query) => items;

    /// <summary>What the caller may see at all (a portal patient never sees staff-only notes).</summary>
    public virtual IQueryable<TItem> Visible(IQueryable<TItem> items, Caller caller) => items;

    /// <summary>Checks needing the database (a staff member named by id): add to <paramref name="errors"/>.</summary>
    public virtual Task CheckAsync(TItem item, CarebaseDb db, Caller caller, FieldErrors errors, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Work in the same transaction before the item is saved (the "no known allergies" statement follows allergies).</summary>
    public virtual Task BeforeSaveAsync(TItem item, HistoryChange write, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Runs in the delete's unit of work before it is saved (refuse with a problem exception).</summary>
    public virtual Task BeforeDeleteAsync(TItem item, HistoryChange write, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The changes written to the audit trail (long free text is summarised, not copied).</summary>
    public virtual Dictionary<string, object?> AuditChanges(Dictionary<string, object?> changes) => changes;

    public string NotFoundName => $"The {Singular.ToLowerInvariant()}";
}
