using System.Text;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Records;

/// <summary>One clinical event; <c>type</c> and <c>id</c> name the record it comes from.</summary>
public sealed record TimelineEvent(DateTimeOffset OccurredAt, string Type, Guid Id, string Title, string? Detail);

/// <summary>A page of the timeline, newest first; pass <c>nextCursor</c> back as <c>cursor</c> for the next one (null at the end).</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineEvent> Items, int PageSize, string? NextCursor);

/// <summary>Every clinical event of a patient in time order, from every registered <see cref="ITimelineSource"/>, cursor-paged.</summary>
public sealed class Timeline(CarebaseDb db, Caller caller, IEnumerable<ITimelineSource> sources)
{
    public IReadOnlyList<string> Types => sources.SelectMany(s => s.Types).Distinct().Order().ToList();

    public async Task<TimelinePage> PageAsync(Guid patientId, IReadOnlyCollection<string>? types, DateTimeOffset? from, DateTimeOffset? to,
        string? cursor, int size, CancellationToken ct)
    {
        var (sql, parameters) = Query(sources, patientId, !caller.IsPatient, types, from, to, cursor, size);
        var conn = await db.OpenForSqlAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddRange(parameters);
            var items = new List<TimelineEvent>(size + 1);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                items.Add(new TimelineEvent(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
            var more = items.Count > size;
            if (more) items.RemoveAt(size);
            return new TimelinePage(items, size, more ? Encode(items[^1].OccurredAt, items[^1].Id) : null);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The page's query: one row more than the page, to tell whether another follows (the benchmark runs it straight too).</summary>
    public static (string Sql, NpgsqlParameter[] Parameters) Query(IEnumerable<ITimelineSource> sources, Guid patientId, bool staff,
        IReadOnlyCollection<string>? types, DateTimeOffset? from, DateTimeOffset? to, string? cursor, int size)
    {
        var after = cursor is null ? ((DateTimeOffset, Guid)?)null : Decode(cursor);
        var union = string.Join("\nUNION ALL\n", sources.Select(s => $"({s.Sql("$2")})"));
        var sql = new StringBuilder($"SELECT occurred_at, type, id, title, detail FROM ({union}) t WHERE t.patient_id = $1 AND NOT t.hidden");
        var parameters = new List<NpgsqlParameter> { new() { Value = patientId }, new() { Value = staff } };
        string P(object value)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
            return "$" + parameters.Count;
        }
        if (types is { Count: > 0 }) sql.Append($" AND t.type = ANY({P(types.ToArray())})");
        if (from is { } f) sql.Append($" AND t.occurred_at >= {P(f.ToUniversalTime())}");
        if (to is { } t) sql.Append($" AND t.occurred_at < {P(t.ToUniversalTime())}");
        if (after is var (at, id)) sql.Append($" AND (t.occurred_at, t.id) < ({P(at)}, {P(id)})");
        sql.Append($" ORDER BY t.occurred_at DESC, t.id DESC LIMIT {size + 1}");
        return (sql.ToString(), [.. parameters]);
    }

    static string Encode(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks}:{id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static (DateTimeOffset, Guid) Decode(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            return (new DateTimeOffset(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            throw new ValidationException("cursor", "Not a cursor this timeline gave.");
        }
    }
}
