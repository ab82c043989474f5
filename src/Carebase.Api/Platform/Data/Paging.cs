using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The list shape of every collection: <c>{ items, page, pageSize, total }</c>. A list that stops counting
/// past a cap (patient search) says so with <c>totalExact: false</c>, and <c>total</c> is then an estimate.
/// </summary>
public sealed record Paged<T>([property: System.ComponentModel.DataAnnotations.MaxLength(Paging.MaxPageSize)] IReadOnlyList<T> Items, int Page, int PageSize, long Total,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? TotalExact = null);

/// <summary>The paging parameters every list query carries: <c>page</c> ≥ 1 and 1 ≤ <c>pageSize</c> ≤ 200 (50 by default).</summary>
public interface IPageQuery
{
    /// <summary>The page to return, from 1.</summary>
    int? Page { get; }
    /// <summary>Items per page, 1 to 200 (50 when left out).</summary>
    int? PageSize { get; }
}

/// <summary>Paging of every list, in one place: bounds checked (else 422), a page of a query or of a list in memory.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;
    public const int MaxPage = 1_000_000;

    /// <summary>The page, its size and how many items come before it; 422 naming the parameter when out of bounds.</summary>
    public static (int page, int size, int skip) Of(IPageQuery query)
    {
        var errors = new FieldErrors();
        if (query.Page is < 1 or > MaxPage) errors.Add("page", $"Must be between 1 and {MaxPage}.");
        if (query.PageSize is < 1 or > MaxPageSize) errors.Add("pageSize", $"Must be between 1 and {MaxPageSize}.");
        errors.ThrowIfAny();
        var (p, s) = (query.Page ?? 1, query.PageSize ?? DefaultPageSize);
        return (p, s, (p - 1) * s);
    }

    /// <summary>One page of an ordered query, with the total count.</summary>
    public static async Task<Paged<TOut>> ToPagedAsync<T, TOut>(this IOrderedQueryable<T> ordered, IPageQuery query, Func<T, TOut> map,
        CancellationToken ct)
    {
        var (page, size, skip) = Of(query);
        var total = await ordered.CountAsync(ct);
        var rows = total <= skip ? [] : await ordered.Skip(skip).Take(size).ToListAsync(ct);
        return new Paged<TOut>(rows.Select(map).ToList(), page, size, total);
    }

    /// <summary>One page of an ordered query, its rows turned into items together (when the items need more data, read once per page).</summary>
    public static async Task<Paged<TOut>> ToPagedAsync<T, TOut>(this IOrderedQueryable<T> ordered, IPageQuery query,
        Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlyList<TOut>>> mapPage, CancellationToken ct)
    {
        var (page, size, skip) = Of(query);
        var total = await ordered.CountAsync(ct);
        var rows = total <= skip ? [] : await ordered.Skip(skip).Take(size).ToListAsync(ct);
        return new Paged<TOut>(await mapPage(rows, ct), page, size, total);
    }

    /// <summary>
    /// One page of an ordered query, its rows turned into items together, with <c>total</c> counted on <paramref name="counted"/>:
    /// the list's filtered table before its joins, when those joins cannot drop a row (NOT NULL foreign keys, no filter on a
    /// joined column). PostgreSQL never removes an inner join, so counting the joined query reads every matching joined row;
    /// the table alone is counted from an index on the filter.
    /// </summary>
    public static async Task<Paged<TOut>> ToPagedAsync<T, TCount, TOut>(this IOrderedQueryable<T> ordered, IQueryable<TCount> counted,
        IPageQuery query, Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlyList<TOut>>> mapPage, CancellationToken ct)
    {
        var (page, size, skip) = Of(query);
        var total = await counted.CountAsync(ct);
        var rows = total <= skip ? [] : await ordered.Skip(skip).Take(size).ToListAsync(ct);
        return new Paged<TOut>(await mapPage(rows, ct), page, size, total);
    }

    /// <summary>One page of a list computed in memory (slots, duplicate candidates).</summary>
    public static Paged<T> ToPaged<T>(this IReadOnlyList<T> all, IPageQuery query)
    {
        var (page, size, skip) = Of(query);
        return new Paged<T>(all.Skip(skip).Take(size).ToList(), page, size, all.Count);
    }
}

/// <summary>Only the paging parameters, for lists that have no other filter.</summary>
public sealed record PageQuery(int? Page, int? PageSize) : IPageQuery;
