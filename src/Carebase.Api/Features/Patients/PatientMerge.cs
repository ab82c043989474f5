using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Folds a duplicate record into the surviving one in a single transaction: every row of the tenant
/// schema that refers to the duplicate through a foreign key to patients (found in the catalog by <see cref="References"/>,
/// so a table added later is covered without touching this code) and portal accounts linked to it are
/// moved to the survivor; the duplicate is soft-deleted with a pointer to the survivor.
/// </summary>
public sealed class PatientMerge(CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time)
{
    public async Task<MergeResponse> MergeAsync(Guid survivorId, Guid duplicateId, string reason, CancellationToken ct)
    {
        if (survivorId == duplicateId) throw new ConflictException("merge_into_self", "A patient cannot be merged into itself.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Lock both rows in id order so two merges of the same pair cannot deadlock.
        var locked = await db.Set<Patient>().FromSqlRaw("SELECT * FROM patients WHERE id = ANY({0}) ORDER BY id FOR UPDATE",
            new[] { survivorId, duplicateId }).ToListAsync(ct);
        var survivor = locked.SingleOrDefault(p => p.Id == survivorId) ?? throw new NotFoundException("The patient");
        var duplicate = locked.SingleOrDefault(p => p.Id == duplicateId) ?? throw new NotFoundException("The duplicate patient");

        var conn = await db.SqlConnectionAsync(ct);
        var moved = new Dictionary<string, int>();
        // Append-only ledgers that belong to a patient (the accounting of disclosures) let exactly this move through,
        // announced for this transaction only.
        await using (var announce = new NpgsqlCommand("SELECT set_config('carebase.patient_merge', $1, true)", conn))
        {
            announce.Parameters.AddWithValue($"{duplicateId}>{survivorId}");
            await announce.ExecuteNonQueryAsync(ct);
        }
        // A staff member on both care teams stays once (the survivor's membership is kept).
        await using (var dedupe = new NpgsqlCommand("""
            DELETE FROM care_team_members d WHERE d.patient_id = $2
               AND EXISTS (SELECT 1 FROM care_team_members s WHERE s.patient_id = $1 AND s.user_id = d.user_id)
            """, conn))
        {
            dedupe.Parameters.AddWithValue(survivorId);
            dedupe.Parameters.AddWithValue(duplicateId);
            await dedupe.ExecuteNonQueryAsync(ct);
        }
        foreach (var (table, column) in await References.ToAsync(conn, db.Tenant.Schema!, "patients", ct))
        {
            var sql = $"UPDATE {MigrationRunner.Quote(table)} SET {MigrationRunner.Quote(column)} = $1 WHERE {MigrationRunner.Quote(column)} = $2";
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue(survivorId);
            cmd.Parameters.AddWithValue(duplicateId);
            int n;
            try
            {
                n = await cmd.ExecuteNonQueryAsync(ct);
            }
            // A row only one patient may hold at a time (an active admission, an overlapping booking) held by both records.
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ExclusionViolation)
            {
                throw new ConflictException("merge_conflict",
                    $"Both records hold {table.Replace('_', ' ')} that only one patient may hold at a time ({e.ConstraintName}); resolve that first.",
                    new Dictionary<string, object?> { ["constraint"] = e.ConstraintName });
            }
            if (n > 0) moved[$"{table}.{column}"] = n;
        }
        await using (var accounts = new NpgsqlCommand("UPDATE platform.users SET patient_id = $1 WHERE tenant_id = $3 AND patient_id = $2", conn))
        {
            accounts.Parameters.AddWithValue(survivorId);
            accounts.Parameters.AddWithValue(duplicateId);
            accounts.Parameters.AddWithValue(db.Tenant.TenantId!.Value);
            var n = await accounts.ExecuteNonQueryAsync(ct);
            if (n > 0) moved["platform.users.patient_id"] = n;
        }
        // The UPDATEs above may have changed merged_into_id on the tracked rows: read them again.
        await db.Entry(survivor).ReloadAsync(ct);
        await db.Entry(duplicate).ReloadAsync(ct);
        duplicate.MergeInto(survivor, caller.UserId, time.GetUtcNow());
        audit.Record("patient.merged", "patient", survivorId, new { duplicateId, duplicateCode = duplicate.PatientCode, reason, moved });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new MergeResponse(survivorId, duplicateId, moved);
    }
}
