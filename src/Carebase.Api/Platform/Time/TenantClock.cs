using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Time;

/// <summary>The hospital settings that time depends on: its zone and the length of a booking slot.</summary>
public sealed record TenantTimeSettings(TimeZoneInfo Zone, int SlotMinutes);

/// <summary>
/// The one source of the current tenant's zone and slot length, and of "now" and "today" in that zone. For a signed-in
/// request they come with the session snapshot (no query; a change of the settings drops the cached snapshots); for work
/// outside a request (seeding, registration) they are read once through the unit of work's connection, so a tenant
/// created in the same transaction is seen.
/// </summary>
public sealed class TenantClock(TimeProvider time, TenantScope tenant, CarebaseDb db, Caller caller)
{
    TenantTimeSettings? _settings;

    public async Task<TenantTimeSettings> SettingsAsync(CancellationToken ct = default)
    {
        if (_settings is not null) return _settings;
        var id = tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        if (caller.IsAuthenticated && caller.TenantId == id && caller.TenantZone is { } zone)
            return _settings = new(zone, caller.SlotMinutes);
        var row = await db.Database.SqlQuery<SettingsRow>($"SELECT timezone AS \"Timezone\", slot_minutes AS \"SlotMinutes\" FROM platform.tenants WHERE id = {id}")
            .SingleOrDefaultAsync(ct) ?? throw new InvalidOperationException($"Tenant {id} does not exist.");
        return _settings = new(TimeZoneInfo.TryFindSystemTimeZoneById(row.Timezone, out var found) ? found : TimeZoneInfo.Utc, row.SlotMinutes);
    }

    public async Task<TimeZoneInfo> ZoneAsync(CancellationToken ct = default) => (await SettingsAsync(ct)).Zone;

    public DateTimeOffset UtcNow => time.GetUtcNow();

    public async Task<DateTimeOffset> NowAsync(CancellationToken ct = default) =>
        TimeZoneInfo.ConvertTime(time.GetUtcNow(), await ZoneAsync(ct));

    public async Task<DateOnly> TodayAsync(CancellationToken ct = default) => DateOnly.FromDateTime((await NowAsync(ct)).DateTime);

    sealed class SettingsRow
    {
        public string Timezone { get; init; } = "";
        public int SlotMinutes { get; init; }
    }
}
