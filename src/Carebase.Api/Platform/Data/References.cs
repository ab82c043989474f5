using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// Who refers to a table's rows: every (table, column) of a tenant schema with a foreign key to it, read from the catalog.
/// Answers like "still in use by …" and moves like a patient merge cover the tables later features add, without the
/// owner of the table importing them.
/// </summary>
public static class References
{
    public sealed record Reference(string Table, string Column);

    /// <summary>Every single-column foreign key in <paramref name="schema"/> that points at <paramref name="table"/> of the same schema.</summary>
    public static async Task<IReadOnlyList<Reference>> ToAsync(NpgsqlConnection conn, string schema, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT cl.relname, a.attname
            FROM pg_constraint c
            JOIN pg_class cl ON cl.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND n.nspname = $1
              AND c.confrelid = (SELECT t.oid FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace WHERE tn.nspname = $1 AND t.relname = $2)
            ORDER BY 1, 2
            """, conn);
        cmd.Parameters.AddWithValue(schema);
        cmd.Parameters.AddWithValue(table);
        var list = new List<Reference>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(new Reference(r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>Rows of the current tenant referring to <paramref name="id"/> in <paramref name="table"/>, per referring table (only tables with rows).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(CarebaseDb db, string table, Guid id, CancellationToken ct)
    {
        var schema = db.Tenant.Schema ?? throw new InvalidOperationException("No tenant in scope.");
        var opened = db.Database.GetDbConnection().State != System.Data.ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(ct);
        try
        {
            var conn = (NpgsqlConnection)db.Database.GetDbConnection();
            var keys = await ToAsync(conn, schema, table, ct);
            var counts = new Dictionary<string, long>();
            if (keys.Count == 0) return counts;
            var sql = new StringBuilder();
            for (var i = 0; i < keys.Count; i++)
                sql.Append(i == 0 ? "" : " UNION ALL ").Append(
                    $"SELECT {i}, count(*) FROM {MigrationRunner.Quote(schema)}.{MigrationRunner.Quote(keys[i].Table)} WHERE {MigrationRunner.Quote(keys[i].Column)} = $1");
            await using var cmd = new NpgsqlCommand(sql.ToString(), conn);
            cmd.Parameters.AddWithValue(id);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                if (r.GetInt64(1) > 0) counts[keys[r.GetInt32(0)].Table] = counts.GetValueOrDefault(keys[r.GetInt32(0)].Table) + r.GetInt64(1);
            return counts;
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }
}
