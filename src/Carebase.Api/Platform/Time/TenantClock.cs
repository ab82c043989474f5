using Carebase.Api.Platform.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace Carebase.Api.Platform.Time;

/// <summary>
/// "Today" and local time in the current tenant's timezone (ages, patient codes, daily tokens).
/// The timezone is cached for a minute per tenant.
/// </summary>
public sealed class TenantClock(TimeProvider time, TenantScope tenant, NpgsqlDataSource db, IMemoryCache cache)
{
    public async Task<TimeZoneInfo> ZoneAsync(CancellationToken ct = default)
    {
        var id = tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        if (cache.TryGetValue(("tz", id), out TimeZoneInfo? zone)) return zone!;
        await using var cmd = db.CreateCommand("SELECT timezone FROM platform.tenants WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        var name = (string?)await cmd.ExecuteScalarAsync(ct) ?? "UTC";
        zone = TimeZoneInfo.TryFindSystemTimeZoneById(name, out var found) ? found : TimeZoneInfo.Utc;
        cache.Set(("tz", id), zone, TimeSpan.FromMinutes(1));
        return zone;
    }

    public async Task<DateTimeOffset> NowAsync(CancellationToken ct = default) =>
        TimeZoneInfo.ConvertTime(time.GetUtcNow(), await ZoneAsync(ct));

    public async Task<DateOnly> TodayAsync(CancellationToken ct = default) => DateOnly.FromDateTime((await NowAsync(ct)).DateTime);
}
