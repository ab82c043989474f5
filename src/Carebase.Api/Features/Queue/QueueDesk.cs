using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// The front desk's queue operations for the caller's hospital. Each change saves the token, its appointment's step
/// (through <see cref="AppointmentWorkflow"/>) and their audit entries together; the database announces the change
/// to the live board when it commits.
/// </summary>
public sealed class QueueDesk(CarebaseDb db, Caller caller, DoctorCalendars calendars, TenantClock clock, TimeProvider time, QueueTokens tokens,
    AppointmentWorkflow workflow, PatientAccess access)
{
    public const string LeftQueueReason = "Left the queue before being seen";
    /// <summary>How often a call or move is read and tried again after losing a race, before answering 409.</summary>
    const int Attempts = 5;

    /// <summary>Checks in a booked appointment of today (→ CHECKED_IN) and issues its token.</summary>
    public async Task<QueueTokenResponse> CheckInAsync(CheckInRequest request, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, request.AppointmentId!.Value, ct);
        if (appointment.LocalDate != today)
            throw new ConflictException("not_today",
                $"The appointment is on {appointment.LocalDate:yyyy-MM-dd}; only today's ({today:yyyy-MM-dd}) appointments can be checked in.");
        appointment.EnsureCan(AppointmentAction.CheckIn);
        var patient = await db.Set<Patient>().AsNoTracking().SingleAsync(p => p.Id == appointment.PatientId, ct);
        // The token first, with the priority asked for: the step's follower then finds it and issues none.
        var token = await tokens.IssueAsync(appointment.DoctorId, today, patient, appointment, request.Priority, request.PriorityReason, ct);
        await workflow.MoveAsync(appointment, AppointmentAction.CheckIn, null, ct);
        return await CommitAsync(tx, token, patient, ct);
    }

    /// <summary>A patient without an appointment joins the doctor's queue of today.</summary>
    public async Task<QueueTokenResponse> WalkInAsync(WalkInRequest request, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        var doctorId = request.DoctorId!.Value;
        await calendars.EnsureDoctorAsync(doctorId, null, ct);
        var patient = await db.Set<Patient>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.PatientId && p.DeletedAt == null, ct)
            ?? throw new NotFoundException("The patient");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var token = await tokens.IssueAsync(doctorId, today, patient, null, request.Priority, request.PriorityReason, ct);
        return await CommitAsync(tx, token, patient, ct);
    }

    /// <summary>
    /// Calls the next WAITING token of the doctor's queue today (→ SERVING, its appointment → IN_CONSULTATION), or null
    /// when nobody is waiting; 409 <c>patient_being_served</c> while the doctor has a token SERVING. Of callers racing
    /// for the same doctor exactly one succeeds: the token's UPDATE checks it is still WAITING, and the database keeps
    /// one SERVING token per doctor and day. A loser that finds the token it tried SERVING gets the 409 naming it;
    /// otherwise it reads again. A token whose appointment was closed without it (before tokens followed their
    /// appointments) is marked LEFT and passed over.
    /// </summary>
    /// <remarks>
    /// Round trips: the connection's search_path, one read of the head of the line, one batch that saves the token, the
    /// appointment's step and their audit entries (and, through the trigger, the notification), and the COMMIT. No
    /// token row stays locked between them: the UPDATE checks the status it read.
    /// </remarks>
    public async Task<QueueTokenResponse?> NextAsync(Guid doctorId, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        for (var lost = 0; ;)
        {
            var heads = await HeadsAsync(doctorId, today, ct);
            if (heads.FirstOrDefault(h => h.Token.Status == QueueStatus.Serving) is { } serving) throw QueueTokens.BeingServed(serving.Token);
            if (heads.FirstOrDefault() is not { } next)
            {
                await calendars.EnsureDoctorAsync(doctorId, null, ct);
                return null;
            }
            var (token, name, confidential, appointment) = next;
            if (appointment is { Status: not (AppointmentStatus.CheckedIn or AppointmentStatus.InConsultation) })
            {
                tokens.Move(token, QueueAction.Leave, $"The appointment is {appointment.Status}.");
                if (!await TrySaveAsync(ct) && ++lost == Attempts) throw Raced();
                continue;
            }
            tokens.Move(token, QueueAction.Call);
            if (appointment is { Status: AppointmentStatus.CheckedIn }) await workflow.MoveAsync(appointment, AppointmentAction.Start, null, ct);
            if (await TrySaveAsync(ct)) return await AnswerAsync(token, name, confidential, ct);
            // Another caller called this very patient first: the doctor is with them now.
            if (await db.Set<QueueToken>().AsNoTracking().SingleAsync(t => t.Id == token.Id, ct) is { Status: QueueStatus.Serving } taken)
                throw QueueTokens.BeingServed(taken);
            if (++lost == Attempts) throw Raced();
        }
    }

    /// <summary>
    /// Skip, recall, serve or leave one token (409 naming its status when the move is not allowed). Serving a token whose
    /// appointment is in consultation completes the appointment; a checked-in patient who leaves unseen frees the
    /// appointment's time: it is cancelled with the reason.
    /// </summary>
    public async Task<QueueTokenResponse> MoveAsync(Guid tokenId, QueueAction action, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        for (var lost = 0; ;)
        {
            var (token, name, confidential, appointment) = await FindAsync(tokenId, ct) ?? throw new NotFoundException("The token");
            tokens.Move(token, action);
            // A recall puts the patient back in line: checked under the day's lock, like an issue.
            await using var tx = action == QueueAction.Recall ? await db.Database.BeginTransactionAsync(ct) : null;
            if (tx is not null)
            {
                await tokens.LockDayAsync(token.DoctorId, token.LocalDate, ct);
                await tokens.EnsureNotQueuedAsync(token.DoctorId, token.LocalDate, token.PatientId, ct);
            }
            if (action == QueueAction.Serve && appointment is { Status: AppointmentStatus.InConsultation })
                await workflow.MoveAsync(appointment, AppointmentAction.Complete, null, ct);
            if (action == QueueAction.Leave && appointment is { Status: AppointmentStatus.CheckedIn })
                await workflow.MoveAsync(appointment, AppointmentAction.Cancel, LeftQueueReason, ct);
            if (await TrySaveAsync(ct))
            {
                if (tx is not null) await tx.CommitAsync(ct);
                return await AnswerAsync(token, name, confidential, ct);
            }
            if (++lost == Attempts) throw Raced();
        }
    }

    public async Task<QueueTokenResponse> GetAsync(Guid tokenId, CancellationToken ct)
    {
        var row = await (from t in db.Set<QueueToken>().AsNoTracking()
                         join p in db.Set<Patient>() on t.PatientId equals p.Id
                         where t.Id == tokenId
                         select new { Token = t, p.FirstName, p.LastName, p.Confidential }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The token");
        return await AnswerAsync(row.Token, $"{row.FirstName} {row.LastName}", row.Confidential, ct);
    }

    /// <summary>The board of one doctor's queue on one day.</summary>
    public async Task<QueueBoard> BoardAsync(Guid doctorId, DateOnly date, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = await (from t in db.Set<QueueToken>().AsNoTracking()
                          join p in db.Set<Patient>() on t.PatientId equals p.Id
                          where t.DoctorId == doctorId && t.LocalDate == date
                          select new { Token = t, p.FirstName, p.LastName, p.Confidential }).ToListAsync(ct);
        var names = rows.ToDictionary(r => r.Token.Id, r => $"{r.FirstName} {r.LastName}");
        var tokens = rows.Select(r => r.Token).ToList();
        // Confidential patients keep their names on the board (they are called by name), not their priority reasons.
        var hidden = await access.HiddenAmongAsync(rows.Where(r => r.Confidential).Select(r => r.Token.PatientId).Distinct().ToList(), ct);
        QueueTokenResponse Map(QueueToken t, int? position = null) =>
            QueueTokenResponse.From(t, names[t.Id], now, position, hidden.Contains(t.PatientId));
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

    /// <summary>A token in line with its patient's name and its appointment, if any (both tracked).</summary>
    sealed record Head(QueueToken Token, string PatientName, bool Confidential, Appointment? Appointment);

    /// <summary>
    /// The doctor's SERVING token of the day, if any, and the WAITING token next in line: two index lookups in one
    /// statement. The ORDER BY is kept in step with <see cref="QueueToken.CallOrderSql"/> and the waiting index.
    /// </summary>
    async Task<List<Head>> HeadsAsync(Guid doctorId, DateOnly date, CancellationToken ct)
    {
        var heads = db.Set<QueueToken>().FromSql($"""
            SELECT * FROM queue_tokens WHERE doctor_id = {doctorId} AND local_date = {date} AND status = 'SERVING'
            UNION ALL
            (SELECT * FROM queue_tokens WHERE doctor_id = {doctorId} AND local_date = {date} AND status = 'WAITING'
             ORDER BY priority, appointment_starts_at NULLS LAST, arrived_at, number LIMIT 1)
            """);
        return await WithPatientAndAppointment(heads).ToListAsync(ct);
    }

    Task<Head?> FindAsync(Guid tokenId, CancellationToken ct) =>
        WithPatientAndAppointment(db.Set<QueueToken>().Where(t => t.Id == tokenId)).SingleOrDefaultAsync(ct);

    IQueryable<Head> WithPatientAndAppointment(IQueryable<QueueToken> tokens) =>
        from t in tokens
        join p in db.Set<Patient>() on t.PatientId equals p.Id
        from a in db.Set<Appointment>().Where(a => a.Id == t.AppointmentId).DefaultIfEmpty()
        select new Head(t, p.FirstName + " " + p.LastName, p.Confidential, a);

    /// <summary>
    /// Saves the unit of work: one batch (with the BEGIN that precedes it) and the COMMIT, so the tenant's audit lock,
    /// taken by the batch, is held for one round trip only. False (nothing saved, the tracker cleared) when a token or an
    /// appointment was moved by someone else since it was read, or another token of the doctor became SERVING first:
    /// the caller reads again. Inside a transaction of the caller (a recall) the caller commits.
    /// </summary>
    async Task<bool> TrySaveAsync(CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        db.Database.AutoSavepointsEnabled = false; // a failed save ends the whole attempt: no savepoint round trips
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException
            || e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "queue_tokens_one_serving" })
        {
            db.ChangeTracker.Clear();
            return false;
        }
        if (tx is not null) await tx.CommitAsync(ct);
        return true;
    }

    static ConflictException Raced() =>
        new("concurrent_update", "The queue changed several times while this was being done. Look at the board and try again.");

    static string Name(Patient p) => $"{p.FirstName} {p.LastName}";

    /// <summary>A token's answer: a confidential patient the caller may not open keeps the name, not the priority reason.</summary>
    async Task<QueueTokenResponse> AnswerAsync(QueueToken token, string patientName, bool confidential, CancellationToken ct) =>
        QueueTokenResponse.From(token, patientName, time.GetUtcNow(),
            restricted: confidential && (await access.HiddenAmongAsync([token.PatientId], ct)).Count > 0);

    async Task<QueueTokenResponse> CommitAsync(IDbContextTransaction tx, QueueToken token, Patient patient, CancellationToken ct)
    {
        db.Database.AutoSavepointsEnabled = false;
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
        return await AnswerAsync(token, Name(patient), patient.Confidential, ct);
    }

    static ConflictException? ConflictOf(string? constraint) => constraint switch
    {
        "queue_tokens_one_per_appointment" => new("already_checked_in", "The appointment already has a token."),
        _ => null,
    };
}
