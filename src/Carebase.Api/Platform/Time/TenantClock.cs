using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Carebase.Api.Platform.Time;

/// <summary>
/// "Today" and local time in the current tenant's timezone (ages, patient codes, daily tokens).
/// The timezone is cached for a minute per tenant.
/// </summary>
public sealed class TenantClock(TimeProvider time, TenantScope tenant, CarebaseDb db, IMemoryCache cache)
{
    public async Task<TimeZoneInfo> ZoneAsync(CancellationToken ct = default)
    {
        var id = tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        if (cache.TryGetValue(("tz", id), out TimeZoneInfo? zone)) return zone!;
        // Through the unit of work's connection: a tenant created in the current transaction is visible.
        var name = await db.Database.SqlQuery<string>($"SELECT timezone AS \"Value\" FROM platform.tenants WHERE id = {id}")
            .SingleOrDefaultAsync(ct) ?? throw new InvalidOperationException($"Tenant {id} does not exist.");
        zone = TimeZoneInfo.FindSystemTimeZoneById(name);
        cache.Set(("tz", id), zone, TimeSpan.FromMinutes(1));
        return zone;
    }

    public async Task<DateTimeOffset> NowAsync(CancellationToken ct = default) =>
        TimeZoneInfo.ConvertTime(time.GetUtcNow(), await ZoneAsync(ct));

    public async Task<DateOnly> TodayAsync(CancellationToken ct = default) => DateOnly.FromDateTime((await NowAsync(ct)).DateTime);
}
