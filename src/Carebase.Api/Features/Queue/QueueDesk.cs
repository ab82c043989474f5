using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// The front desk's queue operations for the caller's hospital. Every change runs in one transaction that
/// also writes its audit entry and its <c>pg_notify</c>, so the live board hears of exactly the committed changes.
/// </summary>
public sealed class QueueDesk(CarebaseDb db, Caller caller, TenantClock clock, AuditLog audit, TimeProvider time)
{
    public const string LeftQueueReason = "Left the queue before being seen";

    /// <summary>Checks in a booked appointment of today (→ CHECKED_IN) and issues its token.</summary>
    public async Task<QueueTokenResponse> CheckInAsync(CheckInRequest request, CancellationToken ct)
    {
        var (today, now) = (await clock.TodayAsync(ct), time.GetUtcNow());
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var appointment = await LockAppointmentAsync(request.AppointmentId!.Value, ct) ?? throw new NotFoundException("The appointment");
        if (appointment.LocalDate != today)
            throw new ConflictException("not_today",
                $"The appointment is on {appointment.LocalDate:yyyy-MM-dd}; only today's ({today:yyyy-MM-dd}) appointments can be checked in.");
        appointment.Apply(AppointmentAction.CheckIn, caller.UserId, now);
        var patient = await db.Set<Patient>().AsNoTracking().SingleAsync(p => p.Id == appointment.PatientId, ct);
        var (priority, reason) = PriorityOf(request.Priority, request.PriorityReason, patient, today);
        var number = await NextNumberAsync(appointment.DoctorId, today, ct);
        await EnsureNotQueuedAsync(appointment.DoctorId, today, patient.Id, ct);
        var token = QueueToken.Issue(appointment.DoctorId, today, number, patient.Id, appointment.Id, appointment.StartsAt, priority, reason, now);
        db.Add(token);
        audit.Record("queue.checked_in", "queue_token", token.Id, new
        {
            appointmentId = appointment.Id, token.DoctorId, token.PatientId, token.Number, priority = QueuePriority.Name(priority), reason,
        });
        return await CommitAsync(tx, token, "checked_in", Name(patient), now, ct);
    }

    /// <summary>A patient without an appointment joins the doctor's queue of today.</summary>
    public async Task<QueueTokenResponse> WalkInAsync(WalkInRequest request, CancellationToken ct)
    {
        var (today, now) = (await clock.TodayAsync(ct), time.GetUtcNow());
        var doctorId = request.DoctorId!.Value;
        await EnsureDoctorAsync(doctorId, ct);
        var patient = await db.Set<Patient>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.PatientId && p.DeletedAt == null, ct)
            ?? throw new NotFoundException("The patient");
        var (priority, reason) = PriorityOf(request.Priority, request.PriorityReason, patient, today);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var number = await NextNumberAsync(doctorId, today, ct);
        await EnsureNotQueuedAsync(doctorId, today, patient.Id, ct);
        var token = QueueToken.Issue(doctorId, today, number, patient.Id, null, null, priority, reason, now);
        db.Add(token);
        audit.Record("queue.walked_in", "queue_token", token.Id, new
        {
            token.DoctorId, token.PatientId, token.Number, priority = QueuePriority.Name(priority), reason,
        });
        return await CommitAsync(tx, token, "walked_in", Name(patient), now, ct);
    }

    /// <summary>
    /// Hands the caller the next WAITING token of the doctor's queue today (→ SERVING, its appointment → IN_CONSULTATION),
    /// or null when nobody is waiting. Rows locked by a concurrent call are skipped, so two callers never get the
    /// same token. A token whose appointment was meanwhile cancelled or closed is marked LEFT and passed over.
    /// </summary>
    public async Task<QueueTokenResponse?> NextAsync(Guid doctorId, CancellationToken ct)
    {
        await EnsureDoctorAsync(doctorId, ct);
        var (today, now) = (await clock.TodayAsync(ct), time.GetUtcNow());
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        while (true)
        {
            // Keep the ORDER BY in step with QueueToken.CallOrderSql and the waiting index.
            var token = (await db.Set<QueueToken>().FromSql($"""
                SELECT * FROM queue_tokens
                WHERE doctor_id = {doctorId} AND local_date = {today} AND status = 'WAITING'
                ORDER BY priority, appointment_starts_at NULLS LAST, arrived_at, number
                LIMIT 1 FOR UPDATE SKIP LOCKED
                """).ToListAsync(ct)).SingleOrDefault();
            if (token is null)
            {
                await tx.CommitAsync(ct);
                return null;
            }
            if (token.AppointmentId is { } appointmentId && await LockAppointmentAsync(appointmentId, ct) is { } appointment)
            {
                if (appointment.Status == AppointmentStatus.CheckedIn) appointment.Apply(AppointmentAction.Start, caller.UserId, now);
                else if (appointment.Status != AppointmentStatus.InConsultation)
                {
                    token.Apply(QueueAction.Leave, caller.UserId, now);
                    audit.Record("queue.left", "queue_token", token.Id, new { reason = $"The appointment is {appointment.Status}." });
                    await QueueChange.NotifyAsync(db, token, "left", ct);
                    await db.SaveChangesAsync(ct);
                    continue;
                }
            }
            token.Apply(QueueAction.Call, caller.UserId, now);
            audit.Record("queue.called", "queue_token", token.Id, new { token.DoctorId, token.Number, token.AppointmentId });
            return await CommitAsync(tx, token, "called", await PatientNameAsync(token.PatientId, ct), now, ct);
        }
    }

    /// <summary>Skip, recall, serve or leave one token (409 naming its status when the move is not allowed).</summary>
    public async Task<QueueTokenResponse> MoveAsync(Guid tokenId, QueueAction action, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var token = (await db.Set<QueueToken>().FromSql($"SELECT * FROM queue_tokens WHERE id = {tokenId} FOR UPDATE").ToListAsync(ct))
            .SingleOrDefault() ?? throw new NotFoundException("The token");
        var from = token.Status;
        token.Apply(action, caller.UserId, now);
        if (action == QueueAction.Recall)
        {
            await LockDayAsync(token.DoctorId, token.LocalDate, ct);
            await EnsureNotQueuedAsync(token.DoctorId, token.LocalDate, token.PatientId, ct);
        }
        // A checked-in patient who leaves unseen frees the appointment's time: it is cancelled with the reason.
        if (action == QueueAction.Leave && token.AppointmentId is { } appointmentId
            && await LockAppointmentAsync(appointmentId, ct) is { Status: AppointmentStatus.CheckedIn } appointment)
            appointment.Apply(AppointmentAction.Cancel, caller.UserId, now, LeftQueueReason);
        var evt = action switch
        {
            QueueAction.Skip => "skipped",
            QueueAction.Recall => "recalled",
            QueueAction.Serve => "served",
            _ => "left",
        };
        audit.Record($"queue.{evt}", "queue_token", token.Id, new { from, to = token.Status, token.DoctorId, token.Number });
        return await CommitAsync(tx, token, evt, await PatientNameAsync(token.PatientId, ct), now, ct);
    }

    public async Task<QueueTokenResponse> GetAsync(Guid tokenId, CancellationToken ct)
    {
        var row = await (from t in db.Set<QueueToken>().AsNoTracking()
                         join p in db.Set<Patient>() on t.PatientId equals p.Id
                         where t.Id == tokenId
                         select new { Token = t, p.FirstName, p.LastName }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The token");
        return QueueTokenResponse.From(row.Token, $"{row.FirstName} {row.LastName}", time.GetUtcNow());
    }

    /// <summary>The board of one doctor's queue on one day.</summary>
    public async Task<QueueBoard> BoardAsync(Guid doctorId, DateOnly date, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = await (from t in db.Set<QueueToken>().AsNoTracking()
                          join p in db.Set<Patient>() on t.PatientId equals p.Id
                          where t.DoctorId == doctorId && t.LocalDate == date
                          select new { Token = t, p.FirstName, p.LastName }).ToListAsync(ct);
        var names = rows.ToDictionary(r => r.Token.Id, r => $"{r.FirstName} {r.LastName}");
        var tokens = rows.Select(r => r.Token).ToList();
        QueueTokenResponse Map(QueueToken t, int? position = null) => QueueTokenResponse.From(t, names[t.Id], now, position);
        IReadOnlyList<QueueTokenResponse> Finished(string status, Func<QueueToken, DateTimeOffset?> at) =>
            tokens.Where(t => t.Status == status).OrderByDescending(t => at(t) ?? t.UpdatedAt).ThenByDescending(t => t.Number).Select(t => Map(t)).ToList();

        var waiting = QueueToken.InCallOrder(tokens.Where(t => t.Status == QueueStatus.Waiting)).Select((t, i) => Map(t, i + 1)).ToList();
        var serving = tokens.Where(t => t.Status == QueueStatus.Serving).OrderBy(t => t.CalledAt).Select(t => Map(t)).ToList();
        var served = Finished(QueueStatus.Served, t => t.ServedAt);
        var skipped = Finished(QueueStatus.Skipped, t => t.UpdatedAt);
        var left = Finished(QueueStatus.Left, t => t.LeftAt);
        var called = tokens.Where(t => t.CalledAt is not null).Select(t => (t.CalledAt!.Value - t.ArrivedAt).TotalMinutes).ToList();
        return new QueueBoard(doctorId, date, now, waiting, serving, served, skipped, left,
            new QueueCounts(waiting.Count, serving.Count, served.Count, skipped.Count, left.Count, tokens.Count),
            called.Count == 0 ? null : (int)Math.Round(called.Average()));
    }

    /// <summary>The doctor must be one of this hospital's (404 otherwise, also for another hospital's doctor).</summary>
    public async Task EnsureDoctorAsync(Guid doctorId, CancellationToken ct)
    {
        if (!await db.Set<Doctor>().AnyAsync(d => d.Id == doctorId, ct)) throw new NotFoundException("The doctor");
    }

    /// <summary>
    /// The next token number of the doctor's day, from one upsert on the day's counter row. The row lock it
    /// takes is held until the transaction ends, so concurrent check-ins get consecutive, distinct numbers, and a
    /// rolled-back check-in gives its number back rather than leaving a gap.
    /// </summary>
    async Task<int> NextNumberAsync(Guid doctorId, DateOnly date, CancellationToken ct)
    {
        var conn = await db.SqlConnectionAsync(ct); // may be the transaction's first command: sends the search_path
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO queue_counters (doctor_id, local_date, last_number) VALUES ($1, $2, 1)
            ON CONFLICT (doctor_id, local_date) DO UPDATE SET last_number = queue_counters.last_number + 1
            RETURNING last_number
            """, conn, (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction());
        cmd.Parameters.AddWithValue(doctorId);
        cmd.Parameters.AddWithValue(date);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A patient stands in a doctor's line once a day at a time. Checked after the day's counter row is locked
    /// (every issue and recall of the day takes that lock), so two racing requests cannot both pass.
    /// </summary>
    async Task EnsureNotQueuedAsync(Guid doctorId, DateOnly date, Guid patientId, CancellationToken ct)
    {
        if (await db.Set<QueueToken>().AnyAsync(t => t.DoctorId == doctorId && t.LocalDate == date && t.PatientId == patientId
                && (t.Status == QueueStatus.Waiting || t.Status == QueueStatus.Serving), ct))
            throw new ConflictException("already_in_queue", "The patient is already waiting or being served in this doctor's queue today.");
    }

    async Task LockDayAsync(Guid doctorId, DateOnly date, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM queue_counters WHERE doctor_id = {doctorId} AND local_date = {date} FOR UPDATE", ct);

    async Task<Appointment?> LockAppointmentAsync(Guid id, CancellationToken ct) =>
        (await db.Set<Appointment>().FromSql($"SELECT * FROM appointments WHERE id = {id} FOR UPDATE").ToListAsync(ct)).SingleOrDefault();

    async Task<string> PatientNameAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<Patient>().Where(p => p.Id == patientId).Select(p => p.FirstName + " " + p.LastName).SingleAsync(ct);

    static string Name(Patient p) => $"{p.FirstName} {p.LastName}";

    /// <summary>The given priority, raised to HIGH for patients aged 65 or over on <paramref name="today"/>.</summary>
    static (short rank, string? reason) PriorityOf(string? priority, string? reason, Patient patient, DateOnly today)
    {
        var rank = QueuePriority.Rank(priority ?? QueuePriority.Normal);
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (rank > 2 && Patient.AgeOn(patient.DateOfBirth, today) >= QueuePriority.ElderlyAge) return (2, reason ?? QueuePriority.ElderlyReason);
        return (rank, reason);
    }

    async Task<QueueTokenResponse> CommitAsync(IDbContextTransaction tx, QueueToken token, string evt, string patientName, DateTimeOffset now,
        CancellationToken ct)
    {
        await QueueChange.NotifyAsync(db, token, evt, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
            && ConflictOf(pg.ConstraintName) is { } conflict)
        {
            throw conflict;
        }
        await tx.CommitAsync(ct);
        return QueueTokenResponse.From(token, patientName, now);
    }

    static ConflictException? ConflictOf(string? constraint) => constraint switch
    {
        "queue_tokens_one_per_appointment" => new("already_checked_in", "The appointment already has a token."),
        _ => null,
    };
}
