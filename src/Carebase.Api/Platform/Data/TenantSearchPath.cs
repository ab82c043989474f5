using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// Puts every connection EF opens in the unit of work's tenant schema. Npgsql resets pooled connections
/// with DISCARD ALL when they return to the pool, so one tenant's path never leaks into another request;
/// the path must therefore be set again after each open.
/// <para>
/// Without a round trip of its own: the <c>SET search_path</c> rides in front of the first command EF sends
/// on the fresh connection (Npgsql sends a multi-statement command in one round trip, and the reader skips
/// the SET's empty result). It is sent on its own, first, where it cannot ride along: before a SaveChanges
/// batch (EF matches its statements to their results by position) and before a command with positional
/// parameters (<c>$1</c> cannot be combined with a second statement). Raw SQL on the unit of work's connection
/// does not pass through here: open it with <see cref="CarebaseDbExtensions.OpenForSqlAsync"/>, which sets the
/// path first, or run it as a batch from <see cref="CarebaseDbExtensions.OpenSqlBatchAsync"/>, which starts with it. A command that forgets would find no tenant table at all (the reset path is <c>public</c>), never another tenant's.
/// If the command that carried the SET fails, its implicit transaction takes the SET with it, so the path is sent again.
/// </para>
/// </summary>
public sealed class TenantSearchPath : DbConnectionInterceptor, IDbCommandInterceptor
{
    /// <summary>Connections opened by EF whose search_path has not been sent yet.</summary>
    static readonly ConditionalWeakTable<DbConnection, object> Pending = new();
    static readonly object Mark = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Pending.AddOrUpdate(connection, Mark);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        Pending.AddOrUpdate(connection, Mark);
        return Task.CompletedTask;
    }

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Pending.Remove(connection);

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Pending.Remove(connection);
        return Task.CompletedTask;
    }

    /// <summary>True once if the connection still owes the search_path: the caller then sends it (see CarebaseDbExtensions).</summary>
    public static bool TakePending(DbConnection connection) => Pending.Remove(connection);

    /// <summary>Sends the unit of work's search_path now if the connection still owes it (for raw SQL on an EF connection).</summary>
    public static async Task ApplyPendingAsync(CarebaseDb db, NpgsqlConnection connection, CancellationToken ct)
    {
        if (!TakePending(connection)) return;
        await using var cmd = new NpgsqlCommand(SetSql(db.Tenant.Schema), connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string SetSql(string? schema) =>
        schema is null ? "SET search_path TO public" : $"SET search_path TO {MigrationRunner.Quote(schema)}, public";

    /// <summary>Before any EF command: if its connection still owes the path, prepend it or send it first.</summary>
    static async ValueTask BeforeAsync(DbCommand command, CommandEventData e, bool async, CancellationToken ct)
    {
        if (command.Connection is not { } connection || !Pending.Remove(connection)) return;
        var set = SetSql((e.Context as CarebaseDb)?.Tenant.Schema);
        if (e.CommandSource != CommandSource.SaveChanges && !command.Parameters.Cast<DbParameter>().Any(p => string.IsNullOrEmpty(p.ParameterName)))
        {
            command.CommandText = set + ";\n" + command.CommandText;
            return;
        }
        await using var own = new NpgsqlCommand(set, (NpgsqlConnection)connection, (NpgsqlTransaction?)command.Transaction);
        if (async) await own.ExecuteNonQueryAsync(ct);
        else own.ExecuteNonQuery();
    }

    /// <summary>A failed or cancelled command that carried the SET rolled it back with its implicit transaction: owe it again.</summary>
    static void AfterFailure(DbCommand command, CommandEventData e)
    {
        if (command.Connection is { } connection && command.CommandText.StartsWith(SetSql((e.Context as CarebaseDb)?.Tenant.Schema) + ";", StringComparison.Ordinal))
            Pending.AddOrUpdate(connection, Mark);
    }

    InterceptionResult<DbDataReader> IDbCommandInterceptor.ReaderExecuting(DbCommand command, CommandEventData e, InterceptionResult<DbDataReader> result)
    {
        BeforeAsync(command, e, async: false, default).GetAwaiter().GetResult();
        return result;
    }

    async ValueTask<InterceptionResult<DbDataReader>> IDbCommandInterceptor.ReaderExecutingAsync(DbCommand command, CommandEventData e,
        InterceptionResult<DbDataReader> result, CancellationToken ct)
    {
        await BeforeAsync(command, e, async: true, ct);
        return result;
    }

    InterceptionResult<int> IDbCommandInterceptor.NonQueryExecuting(DbCommand command, CommandEventData e, InterceptionResult<int> result)
    {
        BeforeAsync(command, e, async: false, default).GetAwaiter().GetResult();
        return result;
    }

    async ValueTask<InterceptionResult<int>> IDbCommandInterceptor.NonQueryExecutingAsync(DbCommand command, CommandEventData e,
        InterceptionResult<int> result, CancellationToken ct)
    {
        await BeforeAsync(command, e, async: true, ct);
        return result;
    }

    InterceptionResult<object> IDbCommandInterceptor.ScalarExecuting(DbCommand command, CommandEventData e, InterceptionResult<object> result)
    {
        BeforeAsync(command, e, async: false, default).GetAwaiter().GetResult();
        return result;
    }

    async ValueTask<InterceptionResult<object>> IDbCommandInterceptor.ScalarExecutingAsync(DbCommand command, CommandEventData e,
        InterceptionResult<object> result, CancellationToken ct)
    {
        await BeforeAsync(command, e, async: true, ct);
        return result;
    }

    void IDbCommandInterceptor.CommandFailed(DbCommand command, CommandErrorEventData e) => AfterFailure(command, e);

    Task IDbCommandInterceptor.CommandFailedAsync(DbCommand command, CommandErrorEventData e, CancellationToken ct)
    {
        AfterFailure(command, e);
        return Task.CompletedTask;
    }

    void IDbCommandInterceptor.CommandCanceled(DbCommand command, CommandEndEventData e) => AfterFailure(command, e);

    Task IDbCommandInterceptor.CommandCanceledAsync(DbCommand command, CommandEndEventData e, CancellationToken ct)
    {
        AfterFailure(command, e);
        return Task.CompletedTask;
    }
}
