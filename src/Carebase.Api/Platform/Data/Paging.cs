using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The list shape of every collection: <c>{ items, page, pageSize, total }</c>. A list that stops counting
/// past a cap (patient search) says so with <c>totalExact: false</c>, and <c>total</c> is then an estimate.
/// </summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? TotalExact = null);

/// <summary>Paging query parameters of every list: page ≥ 1, 1 ≤ pageSize ≤ 200, 50 by default (else 422).</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static void Validate(int? page, int? pageSize, FieldErrors errors)
    {
        if (page is < 1 or > 1_000_000) errors.Add("page", "Must be between 1 and 1000000.");
        if (pageSize is < 1 or > MaxPageSize) errors.Add("pageSize", $"Must be between 1 and {MaxPageSize}.");
    }

    public static (int page, int size, int skip) Of(int? page, int? pageSize)
    {
        var (p, s) = (page ?? 1, pageSize ?? DefaultPageSize);
        return (p, s, (p - 1) * s);
    }
}
