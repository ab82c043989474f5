using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
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
        request.Validate(errors, PatientFields.All, today);
        if (request.AllowDuplicate && string.IsNullOrWhiteSpace(request.DuplicateReason))
            errors.Add("duplicateReason", "Say why this record is registered although it looks like a duplicate.");
        errors.MaxLength(request.DuplicateReason, 500, "duplicateReason");
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
        await EnforceLimitAsync(ct);
        var now = time.GetUtcNow();
        var code = await NextCodeAsync(TimeZoneInfo.ConvertTime(now, await clock.ZoneAsync(ct)).Year, ct);
        var patient = Patient.Register(code, caller.IsAuthenticated ? caller.UserId : null, now);
        request.ApplyTo(patient, PatientFields.All);
        patient.IsVerified = !selfRegistered;
        if (likely.Count > 0) patient.DuplicateReason = request.DuplicateReason!.Trim();
        db.Add(patient);
        audit.Record("patient.created", "patient", patient.Id, likely.Count > 0
            ? new { patientCode = code, duplicateOverride = new { reason = patient.DuplicateReason, candidates = likely.Select(c => c.Id) } }
            : new { patientCode = code });
        await db.SaveChangesAsync(ct);
        if (ownTransaction is not null) await ownTransaction.CommitAsync(ct);
        return patient;
    }

    public async Task EnsureDepartmentAsync(Guid? departmentId, CancellationToken ct)
    {
        if (departmentId is { } id && !await db.Set<Department>().AnyAsync(d => d.Id == id, ct))
            throw new ValidationException("departmentId", "No such department in this hospital.");
    }

    /// <summary>With a limit set, the tenant row is locked so concurrent registrations cannot pass it together.</summary>
    async Task EnforceLimitAsync(CancellationToken ct)
    {
        var tenantId = db.Tenant.TenantId!.Value;
        var max = await db.Set<Tenant>().FromSqlRaw("SELECT * FROM platform.tenants WHERE id = {0} FOR UPDATE", tenantId)
            .Select(t => t.MaxPatients).SingleAsync(ct);
        if (max is not { } limit) return;
        var count = await db.Set<Patient>().CountAsync(p => p.DeletedAt == null, ct);
        if (count >= limit)
            throw new ConflictException("patient_limit_reached",
                $"This hospital may register at most {limit} patients and has {count}. Ask the platform administrator to raise the limit.");
    }

    async Task<string> NextCodeAsync(int year, CancellationToken ct)
    {
        var conn = await db.SqlConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT nextval('patient_code_seq')", conn);
        var n = (long)(await cmd.ExecuteScalarAsync(ct))!;
        return $"P-{year}-{n:D6}";
    }
}
