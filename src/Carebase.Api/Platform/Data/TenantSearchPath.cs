using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// Sets the search_path on every connection EF opens. Npgsql resets pooled connections with
/// DISCARD ALL when they return to the pool, so one tenant's path never leaks into another request.
/// </summary>
public sealed class TenantSearchPath : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = Command(connection, eventData);
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        await using var cmd = Command(connection, eventData);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    static NpgsqlCommand Command(DbConnection connection, ConnectionEndEventData eventData)
    {
        var schema = (eventData.Context as CarebaseDb)?.Tenant.Schema;
        return new NpgsqlCommand(SetSql(schema), (NpgsqlConnection)connection);
    }

    public static string SetSql(string? schema) =>
        schema is null ? "SET search_path TO public" : $"SET search_path TO {MigrationRunner.Quote(schema)}, public";
}
