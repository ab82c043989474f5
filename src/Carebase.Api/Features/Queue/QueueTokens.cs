using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// Issues and moves tokens in the caller's unit of work, each with its audit entry (the database announces every
/// change on the live channel). It knows nothing of the appointment workflow: <see cref="QueueDesk"/> (the queue's
/// routes) and <see cref="QueueFollower"/> (appointment steps) build on it.
/// </summary>
/// <remarks>
/// Locks, always in this order: an appointment (check-in), then the day's counter row (issue, recall), then the
/// tenant's audit trail (taken by the audit insert of the save). Token rows are never locked across round trips:
/// a move is saved with its status checked by the UPDATE itself (see <see cref="QueueTokenConfiguration"/>).
/// </remarks>
public sealed class QueueTokens(CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time)
{
    /// <summary>
    /// Issues a token in the doctor's line of <paramref name="date"/> (priority as given, raised to HIGH for patients aged
    /// 65 or over). Needs the caller's transaction: the day's counter row stays locked until it ends.
    /// </summary>
    public async Task<QueueToken> IssueAsync(Guid doctorId, DateOnly date, Patient patient, Appointment? appointment, string? priority,
        string? reason, CancellationToken ct)
    {
        var (rank, why) = PriorityOf(priority, reason, patient, date);
        var number = await NextNumberAsync(doctorId, date, ct);
        await EnsureNotQueuedAsync(doctorId, date, patient.Id, ct);
        var token = QueueToken.Issue(doctorId, date, number, patient.Id, appointment?.Id, appointment?.StartsAt, rank, why, time.GetUtcNow());
        db.Add(token);
        audit.Record(appointment is null ? "queue.walked_in" : "queue.checked_in", "queue_token", token.Id, new
        {
            appointmentId = appointment?.Id, token.DoctorId, token.PatientId, token.Number, priority = QueuePriority.Name(rank), reason = why,
        });
        return token;
    }

    /// <summary>Calls a waiting token (→ SERVING), or 409 <c>patient_being_served</c> while the doctor serves another.</summary>
    public async Task CallAsync(QueueToken token, CancellationToken ct)
    {
        if (await ServingAsync(token.DoctorId, token.LocalDate, ct) is { } serving && serving.Id != token.Id) throw BeingServed(serving);
        Move(token, QueueAction.Call);
    }

    /// <summary>Moves a token (409 naming its status when the move is not allowed) and records the move.</summary>
    public void Move(QueueToken token, QueueAction action, string? reason = null)
    {
        var from = token.Status;
        token.Apply(action, caller.UserId, time.GetUtcNow());
        audit.Record($"queue.{Event(action)}", "queue_token", token.Id,
            new { from, to = token.Status, token.DoctorId, token.Number, token.AppointmentId, reason });
    }

    /// <summary>The token of an appointment: the one already in this unit of work if any, else read (tracked).</summary>
    public async Task<QueueToken?> OfAppointmentAsync(Guid appointmentId, CancellationToken ct) =>
        db.Set<QueueToken>().Local.FirstOrDefault(t => t.AppointmentId == appointmentId)
        ?? await db.Set<QueueToken>().SingleOrDefaultAsync(t => t.AppointmentId == appointmentId, ct);

    public Task<QueueToken?> ServingAsync(Guid doctorId, DateOnly date, CancellationToken ct) =>
        db.Set<QueueToken>().AsNoTracking().FirstOrDefaultAsync(t => t.DoctorId == doctorId && t.LocalDate == date && t.Status == QueueStatus.Serving, ct);

    public static ConflictException BeingServed(QueueToken serving) => new("patient_being_served",
        $"Token {serving.Number} is being served: serve, skip or leave it before calling the next patient.",
        new Dictionary<string, object?> { ["tokenId"] = serving.Id, ["number"] = serving.Number });

    public static string Event(QueueAction action) => action switch
    {
        QueueAction.Call => "called",
        QueueAction.Skip => "skipped",
        QueueAction.Recall => "recalled",
        QueueAction.Serve => "served",
        _ => "left",
    };

    /// <summary>
    /// Locks the doctor's day (its counter row) until the transaction ends: every issue and recall of the day takes
    /// this lock before it checks who is in line.
    /// </summary>
    public async Task LockDayAsync(Guid doctorId, DateOnly date, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM queue_counters WHERE doctor_id = {doctorId} AND local_date = {date} FOR UPDATE", ct);

    /// <summary>
    /// A patient stands in a doctor's line once a day at a time. Checked after the day's counter row is locked,
    /// so two racing requests cannot both pass.
    /// </summary>
    public async Task EnsureNotQueuedAsync(Guid doctorId, DateOnly date, Guid patientId, CancellationToken ct)
    {
        if (await db.Set<QueueToken>().AnyAsync(t => t.DoctorId == doctorId && t.LocalDate == date && t.PatientId == patientId
                && (t.Status == QueueStatus.Waiting || t.Status == QueueStatus.Serving), ct))
            throw new ConflictException("already_in_queue", "The patient is already waiting or being served in this doctor's queue today.");
    }

    /// <summary>
    /// The next token number of the doctor's day, from one upsert on the day's counter row. The row lock it
    /// takes is held until the transaction ends, so concurrent check-ins get consecutive, distinct numbers, and a
    /// rolled-back check-in gives its number back rather than leaving a gap.
    /// </summary>
    async Task<int> NextNumberAsync(Guid doctorId, DateOnly date, CancellationToken ct)
    {
        var tx = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("A token is issued inside the caller's transaction.");
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO queue_counters (doctor_id, local_date, last_number) VALUES ($1, $2, 1)
            ON CONFLICT (doctor_id, local_date) DO UPDATE SET last_number = queue_counters.last_number + 1
            RETURNING last_number
            """, await db.SqlConnectionAsync(ct), tx); // may be the transaction's first command: sends the search_path
        cmd.Parameters.AddWithValue(doctorId);
        cmd.Parameters.AddWithValue(date);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The given priority, raised to HIGH for patients aged 65 or over on <paramref name="date"/>.</summary>
    static (short rank, string? reason) PriorityOf(string? priority, string? reason, Patient patient, DateOnly date)
    {
        var rank = QueuePriority.Rank(priority ?? QueuePriority.Normal);
        reason = Input.Clean(reason);
        if (rank > 2 && Patient.AgeOn(patient.DateOfBirth, date) >= QueuePriority.ElderlyAge) return (2, reason ?? QueuePriority.ElderlyReason);
        return (rank, reason);
    }
}
