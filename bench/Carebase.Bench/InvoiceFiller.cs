using Npgsql;

namespace Carebase.Bench;

/// <summary>
/// Invoices written straight in SQL, set-based, in a given mix of statuses, each consistent with what the database
/// checks: one to three lines (no tax, no discount) whose sum is the total, a number once issued, paid equal to the sum
/// of its payments (a PAID invoice sometimes in two), a void one with its reason and its lines marked. Lines go in with
/// the draft-only trigger off for the statement (the invoices are inserted in their final state); the caller's
/// transaction keeps that invisible to anyone else.
/// </summary>
public static class InvoiceFiller
{
    /// <summary>Shares of DRAFT, ISSUED, PARTIALLY_PAID, PAID (the rest is VOID).</summary>
    public sealed record Mix(double Draft, double Issued, double PartiallyPaid, double Paid)
    {
        public static readonly Mix AllIssued = new(0, 1, 0, 0);
    }

    /// <summary>
    /// The temporary table <c>fill_people (n, id)</c> of the patients rows are spread over (not deleted, not confidential:
    /// any staff member may open them), numbered from 0 so a random row is <c>floor(random() * count)</c>.
    /// </summary>
    public static async Task PeopleAsync(NpgsqlConnection conn, NpgsqlTransaction tx) => await ExecAsync(conn, tx, """
        CREATE TEMP TABLE IF NOT EXISTS fill_people ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM patients WHERE deleted_at IS NULL AND NOT confidential
        """);

    /// <summary>
    /// <paramref name="count"/> invoices created over the last <paramref name="spreadDays"/> days, numbered
    /// <paramref name="numberPrefix"/> and six digits. Returns the rows written (invoices, lines, payments).
    /// </summary>
    public static async Task<(long invoices, long lines, long payments)> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int count, Mix mix,
        int spreadDays, string numberPrefix, string currency, Guid by, Random rng)
    {
        await PeopleAsync(conn, tx);
        await ExecAsync(conn, tx, "DROP TABLE IF EXISTS fill_invoices, fill_lines");
        await ExecAsync(conn, tx, $"SELECT setseed({rng.NextDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        var (d, i, p, f) = (mix.Draft, mix.Draft + mix.Issued, mix.Draft + mix.Issued + mix.PartiallyPaid, mix.Draft + mix.Issued + mix.PartiallyPaid + mix.Paid);
        await ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_invoices ON COMMIT DROP AS
            SELECT r.g, gen_random_uuid() AS id, p.id AS patient_id, s.status, s.at, 1 + r.g % 3 AS lines
            FROM (SELECT g, random() AS rs, random() AS rt, random() AS rp FROM generate_series(1, $1) g) r
            CROSS JOIN LATERAL (SELECT CASE WHEN r.rs < $2 THEN 'DRAFT' WHEN r.rs < $3 THEN 'ISSUED' WHEN r.rs < $4 THEN 'PARTIALLY_PAID'
                                            WHEN r.rs < $5 THEN 'PAID' ELSE 'VOID' END AS status,
                                       date_trunc('milliseconds', now() - r.rt * $6 * interval '1 day') AS at) s
            JOIN fill_people p ON p.n = floor(r.rp * (SELECT count(*) FROM fill_people))
            """, count, d, i, p, f, spreadDays);
        await ExecAsync(conn, tx, """
            CREATE TEMP TABLE fill_lines ON COMMIT DROP AS
            SELECT f.id AS invoice_id, k AS position, (ARRAY['CONSULTATION','LAB','MEDICINE'])[k] AS kind,
                   round((10 + random() * 190)::numeric, 2) AS price, f.at
            FROM fill_invoices f CROSS JOIN LATERAL generate_series(1, f.lines) k
            """);
        var invoices = await ExecAsync(conn, tx, """
            INSERT INTO invoices (id, patient_id, number, year, status, currency, subtotal, total, paid, void_reason, issued_at, issued_by,
                voided_at, voided_by, created_at, created_by, updated_at, updated_by)
            SELECT f.id, f.patient_id,
                   CASE WHEN f.status <> 'DRAFT' THEN $1 || lpad(f.g::text, 6, '0') END,
                   CASE WHEN f.status <> 'DRAFT' THEN extract(year FROM f.at)::int END,
                   f.status, $2, l.total, l.total,
                   CASE f.status WHEN 'PAID' THEN l.total
                                 WHEN 'PARTIALLY_PAID' THEN greatest(0.01, least(l.total - 0.01, round(l.total * (0.2 + 0.6 * random())::numeric, 2)))
                                 ELSE 0 END,
                   CASE WHEN f.status = 'VOID' THEN 'Duplicate of another invoice' END,
                   CASE WHEN f.status <> 'DRAFT' THEN f.at + interval '5 minutes' END, CASE WHEN f.status <> 'DRAFT' THEN $3 END,
                   CASE WHEN f.status = 'VOID' THEN f.at + interval '1 hour' END, CASE WHEN f.status = 'VOID' THEN $3 END,
                   f.at, $3, f.at + interval '5 minutes', $3
            FROM fill_invoices f JOIN (SELECT invoice_id, sum(price) AS total FROM fill_lines GROUP BY invoice_id) l ON l.invoice_id = f.id
            """, numberPrefix, currency, by);
        await ExecAsync(conn, tx, "ALTER TABLE invoice_lines DISABLE TRIGGER invoice_lines_draft_only");
        var lines = await ExecAsync(conn, tx, """
            INSERT INTO invoice_lines (id, invoice_id, position, kind, description, quantity, unit_price, tax_rate, gross, line_discount,
                invoice_discount, net, tax, total, invoice_voided, created_at, created_by)
            SELECT gen_random_uuid(), l.invoice_id, l.position, l.kind, initcap(l.kind) || ' charge', 1, l.price, 0, l.price, 0, 0, l.price, 0, l.price,
                   f.status = 'VOID', l.at, $1
            FROM fill_lines l JOIN fill_invoices f ON f.id = l.invoice_id
            """, by);
        await ExecAsync(conn, tx, "ALTER TABLE invoice_lines ENABLE TRIGGER invoice_lines_draft_only");
        var payments = await ExecAsync(conn, tx, """
            INSERT INTO payments (id, invoice_id, kind, method, amount, received_at, received_by)
            SELECT gen_random_uuid(), i.id, 'PAYMENT', (ARRAY['CASH','CARD','UPI'])[1 + f.g % 3], p.amount, i.issued_at + p.after, $1
            FROM invoices i JOIN fill_invoices f ON f.id = i.id
            CROSS JOIN LATERAL (VALUES
                (CASE WHEN i.status = 'PAID' AND f.g % 3 = 0 THEN round(i.paid / 2, 2) ELSE i.paid END, interval '10 minutes'),
                (CASE WHEN i.status = 'PAID' AND f.g % 3 = 0 THEN i.paid - round(i.paid / 2, 2) ELSE 0 END, interval '1 day')) p(amount, after)
            WHERE i.paid > 0 AND p.amount > 0
            """, by);
        return (invoices, lines, payments);
    }

    internal static async Task<int> ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, params object[] values)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        return await cmd.ExecuteNonQueryAsync();
    }
}
