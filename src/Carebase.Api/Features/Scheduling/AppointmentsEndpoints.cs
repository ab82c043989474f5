using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Scheduling;

/// <summary>
/// Appointments: booking (staff, or a portal patient for themselves), lists, the status workflow and
/// rescheduling. A portal patient sees and acts on their own appointments only (others are 404).
/// </summary>
public static class AppointmentsEndpoints
{
    public static RouteGroupBuilder MapAppointments(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/appointments").WithTags("Appointments").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(Permissions.AppointmentsRead)
            .WithSummary("List appointments: doctorId, patientId, departmentId, status, from/to, when=TODAY|UPCOMING|PAST (the hospital's day), paging");
        g.MapPost("/", Book).RequirePermission(Permissions.AppointmentsWrite).WithIdempotency().ProducesProblem(409)
            .WithSummary("Book a free slot (or a weekly series, all or nothing); a patient books for themselves (patientId may be left out). Send Idempotency-Key to make retries safe");
        g.MapGet("/analytics", Analytics).RequirePermission(Permissions.AppointmentsRead).ForStaffOnly()
            .WithSummary("Counts by status, no-show rate and per-doctor figures for appointments starting in the period (at most 366 days)");
        g.MapGet("/{id:guid}", Get).RequirePermission(Permissions.AppointmentsRead)
            .WithSummary("An appointment (ETag)");
        g.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.AppointmentsWrite).ProducesProblem(412)
            .WithSummary("Change reason or notes (If-Match supported); patients may change the reason only");
        MapAction(g, "confirm", AppointmentAction.Confirm, "Confirm a SCHEDULED appointment");
        MapAction(g, "check-in", AppointmentAction.CheckIn, "Check the patient in (staff); an appointment of today gets its queue token");
        MapAction(g, "start", AppointmentAction.Start, "Start the consultation (staff); its waiting queue token is called (409 patient_being_served while the doctor serves another)");
        MapAction(g, "complete", AppointmentAction.Complete, "Complete the consultation (staff); its queue token is served");
        MapAction(g, "no-show", AppointmentAction.NoShow, "Mark a SCHEDULED or CONFIRMED appointment as no-show (staff); a queue token still waiting leaves");
        g.MapPost("/{id:guid}/cancel", Cancel).RequirePermission(Permissions.AppointmentsWrite).ProducesProblem(409)
            .WithSummary("Cancel with a reason (from SCHEDULED, CONFIRMED or CHECKED_IN); a queue token still waiting leaves");
        g.MapPost("/{id:guid}/reschedule", Reschedule).RequirePermission(Permissions.AppointmentsWrite).ProducesProblem(409)
            .WithSummary("Move to another free slot atomically (the new time taken → 409 and nothing changes)");
        return api;
    }

    static void MapAction(RouteGroupBuilder g, string route, AppointmentAction action, string summary) =>
        g.MapPost($"/{{id:guid}}/{route}", (Guid id, Caller caller, CarebaseDb db, PatientAccess access, AppointmentWorkflow workflow, HttpContext http,
                CancellationToken ct) => ApplyAsync(id, action, null, caller, db, access, workflow, http, ct))
            .RequirePermission(Permissions.AppointmentsWrite).ProducesProblem(409).WithSummary(summary)
            .WithName($"Appointment{action}");

    static async Task<Ok<Paged<AppointmentResponse>>> List([AsParameters] AppointmentListQuery query, CarebaseDb db, PatientAccess access,
        Caller caller, TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var zone = await clock.ZoneAsync(ct);
        var errors = new FieldErrors();
        var from = DoctorCalendars.Bound(query.From, "from", zone, errors, endOfDay: false);
        var to = DoctorCalendars.Bound(query.To, "to", zone, errors, endOfDay: true);
        if (from >= to) errors.Add("to", "Must be after from.");
        errors.ThrowIfAny();
        var rows = Rows(db, access);
        if (await DoctorRef.ResolveAsync(query.DoctorId, "doctorId", db, caller, ct) is { } doctorId) rows = rows.Where(r => r.Appointment.DoctorId == doctorId);
        if (query.PatientId is { } patientId) rows = rows.Where(r => r.Appointment.PatientId == patientId);
        if (query.DepartmentId is { } departmentId) rows = rows.Where(r => r.Appointment.DepartmentId == departmentId);
        if (query.Status is { } status) rows = rows.Where(r => r.Appointment.Status == status);
        if (from is { } f) rows = rows.Where(r => r.Appointment.StartsAt >= f.ToUniversalTime());
        if (to is { } t) rows = rows.Where(r => r.Appointment.StartsAt < t.ToUniversalTime());
        var today = await clock.TodayAsync(ct);
        var now = clock.UtcNow.ToUniversalTime();
        var when = query.When?.ToUpperInvariant();
        rows = when switch
        {
            "TODAY" => rows.Where(r => r.Appointment.LocalDate == today),
            "UPCOMING" => rows.Where(r => r.Appointment.StartsAt >= now),
            "PAST" => rows.Where(r => r.Appointment.StartsAt < now),
            _ => rows,
        };
        var ordered = when == "PAST" ? rows.OrderByDescending(r => r.Appointment.StartsAt) : rows.OrderBy(r => r.Appointment.StartsAt);
        var page = await ordered.ThenBy(r => r.Appointment.Id).ToPagedAsync<AppointmentRow, AppointmentResponse>(query, (rows, c) => Answers(rows, access, c), ct);
        // Appointments name their patients: the list is a read of patient data.
        await audit.WriteAsync("appointment.listed", "appointment", null, new { filter = query, returned = page.Items.Select(a => a.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Results<Created<AppointmentResponse>, Created<SeriesResponse>>> Book(BookAppointmentRequest request, AppointmentBooking booking,
        CarebaseDb db, PatientAccess access, CancellationToken ct)
    {
        var booked = await booking.BookAsync(request, ct);
        var ids = booked.Select(a => a.Id).ToList();
        var rows = await Answers((await Rows(db, access).Where(r => ids.Contains(r.Appointment.Id)).ToListAsync(ct))
            .OrderBy(r => r.Appointment.StartsAt).ToList(), access, ct);
        var location = $"/api/v1/appointments/{booked[0].Id}";
        return booked.Count == 1
            ? TypedResults.Created(location, rows[0])
            : TypedResults.Created(location, new SeriesResponse(booked[0].SeriesId!.Value, rows));
    }

    static async Task<Ok<AppointmentResponse>> Get(Guid id, CarebaseDb db, PatientAccess access, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var row = await Rows(db, access).SingleOrDefaultAsync(r => r.Appointment.Id == id, ct) ?? throw new NotFoundException("The appointment");
        await audit.WriteAsync("appointment.read", "appointment", id, ct: ct);
        ETags.Send(http, row.Appointment.Version);
        return TypedResults.Ok((await Answers([row], access, ct))[0]);
    }

    static async Task<Ok<AppointmentResponse>> Update(Guid id, UpdateAppointmentRequest request, Caller caller, CarebaseDb db, PatientAccess access,
        AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (caller.IsPatient && request.Has(nameof(request.Notes)))
            throw new ForbiddenException("forbidden", "Patients may change the reason only; notes belong to the staff.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, id, ct);
        ETags.Check(http, appointment.Version);
        if (request.Has(nameof(request.Reason))) appointment.Reason = Input.Clean(request.Reason);
        if (request.Has(nameof(request.Notes))) appointment.Notes = Input.Clean(request.Notes);
        var changes = AuditLog.ChangesOf(db.Entry(appointment));
        if (changes.Count > 0)
        {
            appointment.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("appointment.updated", "appointment", id, changes);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return await AnswerAsync(db, access, http, id, ct);
    }

    static async Task<Ok<AppointmentResponse>> Cancel(Guid id, CancelRequest request, Caller caller, CarebaseDb db, PatientAccess access,
        AppointmentWorkflow workflow, HttpContext http, CancellationToken ct) =>
        await ApplyAsync(id, AppointmentAction.Cancel, request.Reason!.Trim(), caller, db, access, workflow, http, ct);

    static async Task<Ok<AppointmentResponse>> Reschedule(Guid id, RescheduleRequest request, AppointmentBooking booking, CarebaseDb db,
        PatientAccess access, HttpContext http, CancellationToken ct)
    {
        await booking.RescheduleAsync(id, request.StartsAt!.Value, ct);
        return await AnswerAsync(db, access, http, id, ct);
    }

    /// <summary>Patients may confirm and cancel their own appointments; the front-desk and clinical steps are the staff's.</summary>
    static readonly AppointmentAction[] PatientActions = [AppointmentAction.Confirm, AppointmentAction.Cancel];

    /// <summary>One workflow step; what follows the appointment (its queue token) moves in the same transaction.</summary>
    static async Task<Ok<AppointmentResponse>> ApplyAsync(Guid id, AppointmentAction action, string? reason, Caller caller, CarebaseDb db,
        PatientAccess access, AppointmentWorkflow workflow, HttpContext http, CancellationToken ct)
    {
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var appointment = await AppointmentBooking.FindForUpdateAsync(db, caller, id, ct);
            if (caller.IsPatient && !PatientActions.Contains(action))
                throw new ForbiddenException("forbidden", "Only staff can move an appointment through this step.");
            await workflow.MoveAsync(appointment, action, reason, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return await AnswerAsync(db, access, http, id, ct);
    }

    static async Task<Ok<AnalyticsResponse>> Analytics([AsParameters] AnalyticsQuery query, CarebaseDb db, TenantClock clock,
        CancellationToken ct)
    {
        var zone = await clock.ZoneAsync(ct);
        var errors = new FieldErrors();
        var (from, to) = DoctorCalendars.ParsePeriod(query.From, query.To, zone, clock.UtcNow, errors, defaultDays: 30);
        if (!errors.Any && to - from > TimeSpan.FromDays(367)) errors.Add("to", "The range may span at most 366 days.");
        errors.ThrowIfAny();
        var (f, t) = (from.ToUniversalTime(), to.ToUniversalTime());
        var counts = await db.Set<Appointment>().AsNoTracking().Where(a => a.StartsAt >= f && a.StartsAt < t)
            .GroupBy(a => new { a.DoctorId, a.Status }).Select(g => new { g.Key.DoctorId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var doctorIds = counts.Select(c => c.DoctorId).Distinct().ToList();
        var names = await (from d in db.Set<Doctor>().AsNoTracking()
                           join u in db.Users.AsNoTracking() on d.UserId equals u.Id
                           where doctorIds.Contains(d.Id)
                           select new { d.Id, u.FirstName, u.LastName }).ToDictionaryAsync(x => x.Id, x => $"{x.FirstName} {x.LastName}".Trim(), ct);
        static double Rate(int noShow, int completed) => noShow + completed == 0 ? 0 : Math.Round((double)noShow / (noShow + completed), 4);
        var byStatus = AppointmentStatus.All.ToDictionary(s => s, s => counts.Where(c => c.Status == s).Sum(c => c.Count));
        var perDoctor = counts.GroupBy(c => c.DoctorId).Select(g =>
        {
            int Of(string s) => g.Where(c => c.Status == s).Sum(c => c.Count);
            return new DoctorAnalytics(g.Key, names.GetValueOrDefault(g.Key, ""), g.Sum(c => c.Count), Of(AppointmentStatus.Completed),
                Of(AppointmentStatus.Cancelled), Of(AppointmentStatus.NoShow), Rate(Of(AppointmentStatus.NoShow), Of(AppointmentStatus.Completed)));
        }).OrderByDescending(d => d.Total).ThenBy(d => d.DoctorName).ToList();
        return TypedResults.Ok(new AnalyticsResponse(from, to, byStatus.Values.Sum(),
            byStatus, Rate(byStatus[AppointmentStatus.NoShow], byStatus[AppointmentStatus.Completed]), perDoctor));
    }

    static async Task<Ok<AppointmentResponse>> AnswerAsync(CarebaseDb db, PatientAccess access, HttpContext http, Guid id, CancellationToken ct)
    {
        var row = await Rows(db, access).SingleAsync(r => r.Appointment.Id == id, ct);
        ETags.Send(http, row.Appointment.Version);
        return TypedResults.Ok((await Answers([row], access, ct))[0]);
    }

    /// <summary>
    /// The answers for rows: a confidential patient the caller may not open keeps the name (the front desk calls them)
    /// but loses the clinical detail (reason, notes, cancellation reason).
    /// </summary>
    static async Task<IReadOnlyList<AppointmentResponse>> Answers(IReadOnlyList<AppointmentRow> rows, PatientAccess access, CancellationToken ct)
    {
        var hidden = await access.HiddenAmongAsync(rows.Where(r => r.PatientConfidential).Select(r => r.Appointment.PatientId).Distinct().ToList(), ct);
        return rows.Select(r => AppointmentResponse.From(r, restricted: hidden.Contains(r.Appointment.PatientId))).ToList();
    }

    /// <summary>Appointments the caller may see (a portal patient: their own), with the patient's and doctor's names.</summary>
    static IQueryable<AppointmentRow> Rows(CarebaseDb db, PatientAccess access)
    {
        var onlyPatient = access.OnlyPatientId;
        return from a in db.Set<Appointment>().AsNoTracking()
               where onlyPatient == null || a.PatientId == onlyPatient
               join p in db.Set<Patient>().AsNoTracking() on a.PatientId equals p.Id
               join d in db.Set<Doctor>().AsNoTracking() on a.DoctorId equals d.Id
               join u in db.Users.AsNoTracking() on d.UserId equals u.Id
               select new AppointmentRow
               {
                   Appointment = a, PatientFirst = p.FirstName, PatientLast = p.LastName, PatientConfidential = p.Confidential,
                   DoctorFirst = u.FirstName, DoctorLast = u.LastName,
               };
    }
}
