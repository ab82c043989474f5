using Carebase.Api.Features.Departments;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Registers a patient: validation, the duplicate check (409 with the candidates unless the request
/// says it is deliberate, with a reason), the hospital's patient limit, a new code, the audit entry.
/// </summary>
public sealed class PatientRegistration(CarebaseDb db, Caller caller, DuplicateFinder duplicates, AuditLog audit, TenantClock clock, TimeProvider time)
{
    /// <summary>
    /// Registers inside the caller's transaction if there is one, else in its own. A self-registering
    /// patient skips the duplicate answer (it would disclose other patients) and stays unverified until staff check it.
    /// </summary>
    public async Task<Patient> RegisterAsync(RegisterPatientRequest request, CancellationToken ct, bool selfRegistered = false)
    {
        var today = await clock.TodayAsync(ct);
        var errors = new FieldErrors();
        FieldRules.Validate(request, errors); // again: callers inside the service (self-registration, demo) skip the endpoint filter
        request.ValidateBirthDate(errors, today);
        errors.ThrowIfAny();
        await EnsureDepartmentAsync(request.DepartmentId, ct);

        var candidates = selfRegistered ? [] : await duplicates.FindAsync(
            new PersonKey(request.FirstName, request.LastName, request.DateOfBirth, request.Phone, request.NationalId), null, ct);
        var likely = candidates.Where(c => c.Score >= DuplicateFinder.LikelyDuplicateScore).ToList();
        if (likely.Count > 0 && !request.AllowDuplicate)
            throw new ConflictException("possible_duplicate",
                $"This looks like {likely.Count} existing patient(s). Use one of them, or register anyway with allowDuplicate and a duplicateReason.",
                new Dictionary<string, object?> { ["candidates"] = likely });

        await using var ownTransaction = await db.BeginOrJoinAsync(ct);
        var now = time.GetUtcNow();
        var code = await NextCodeAsync(TimeZoneInfo.ConvertTime(now, await clock.ZoneAsync(ct)).Year, ct);
        var patient = Patient.Register(code, caller.IsAuthenticated ? caller.UserId : null, now);
        request.ApplyTo(patient);
        patient.IsVerified = !selfRegistered;
        if (likely.Count > 0) patient.DuplicateReason = request.DuplicateReason!.Trim();
        db.Add(patient);
        audit.Record("patient.created", "patient", patient.Id, likely.Count > 0
            ? new { patientCode = code, duplicateOverride = new { reason = patient.DuplicateReason, candidates = likely.Select(c => c.Id) } }
            : new { patientCode = code });
        await db.SaveChangesAsync(ct);
        await EnforceLimitAsync(ct); // last before the commit: see there
        if (ownTransaction is not null) await ownTransaction.CommitAsync(ct);
        return patient;
    }

    public async Task EnsureDepartmentAsync(Guid? departmentId, CancellationToken ct)
    {
        if (departmentId is { } id && !await db.Set<Department>().AnyAsync(d => d.Id == id, ct))
            throw new ValidationException("departmentId", "No such department in this hospital.");
    }

    /// <summary>
    /// The hospital's patient limit, exact under concurrency yet no queue for the hospital: it runs after the
    /// patient is saved, as the last statement before the commit. With a limit set, the tenant row is locked
    /// (<c>FOR NO KEY UPDATE</c>: inserts that only reference the tenant are not blocked) and, in a second
    /// statement whose snapshot is taken once that lock is held, the active patients are counted, this one
    /// included; so concurrent registrations are counted one after another and at most the limit commit.
    /// The lock is held from here to the commit only, and it is the last lock a registration takes: whoever
    /// holds the tenant row waits for nothing more, so waiting for it cannot close a cycle (the same fixed
    /// point as the staff rules' seat check). Without a limit nothing is locked. Both statements travel in one round trip.
    /// </summary>
    async Task EnforceLimitAsync(CancellationToken ct)
    {
        var tenantId = db.Tenant.TenantId!.Value;
        var conn = await db.SqlConnectionAsync(ct);
        var tx = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        while (true)
        {
            await using var batch = new NpgsqlBatch(conn, tx)
            {
                BatchCommands =
                {
                    new("SELECT FROM platform.tenants WHERE id = $1 AND max_patients IS NOT NULL FOR NO KEY UPDATE") { Parameters = { new() { Value = tenantId } } },
                    new("""
                        SELECT t.max_patients, (SELECT count(*) FROM patients WHERE deleted_at IS NULL)
                        FROM platform.tenants t WHERE t.id = $1 AND t.max_patients IS NOT NULL
                        """) { Parameters = { new() { Value = tenantId } } },
                },
            };
            await using var r = await batch.ExecuteReaderAsync(ct);
            var locked = await r.ReadAsync(ct);
            await r.NextResultAsync(ct);
            if (!await r.ReadAsync(ct)) return; // no limit
            var (limit, count) = (r.GetInt32(0), r.GetInt64(1));
            // A limit set between the two statements: the count was not taken under the lock, so do it again.
            if (!locked) continue;
            if (count > limit)
                throw new ConflictException("patient_limit_reached",
                    $"This hospital may register at most {limit} patients and has {count - 1}. Ask the platform administrator to raise the limit.");
            return;
        }
    }

    async Task<string> NextCodeAsync(int year, CancellationToken ct)
    {
        // Through EF, so the tenant's search_path rides with it when it is the transaction's first command.
        var n = await db.Database.SqlQuery<long>($"SELECT nextval('patient_code_seq') AS \"Value\"").SingleAsync(ct);
        return $"P-{year}-{n:D6}";
    }
}
