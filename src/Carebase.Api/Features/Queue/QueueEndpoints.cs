using Carebase.Api.Platform.Data;
using Carebase.Api.Features.Doctors;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Messaging;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// The daily token queue per doctor: check-in and walk-in issue tokens, <c>next</c> calls the next patient
/// atomically, skip/recall/serve/leave move a token, the board shows it, and the stream pushes every change
/// (through PostgreSQL LISTEN/NOTIFY, so from every instance) to subscribers within a second.
/// </summary>
public static class QueueEndpoints
{
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(20);
    static readonly TimeSpan ListenerGrace = TimeSpan.FromSeconds(5);

    /// <summary>The queue's services; its follower keeps each appointment's token in step with the appointment's workflow.</summary>
    public static IServiceCollection AddQueue(this IServiceCollection services) => services
        .AddScoped<QueueTokens>().AddScoped<QueueDesk>().AddScoped<IAppointmentFollower, QueueFollower>()
        .AddSingleton<QueueHub>().AddSingleton<IChannelListener>(sp => sp.GetRequiredService<QueueHub>());

    public static RouteGroupBuilder MapQueue(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/queue").WithTags("Queue").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", Board).RequirePermission(QueueRead).ProducesValidationProblem(422).ProducesProblem(404)
            .WithSummary("The board of a doctor's queue on a day (today by default): waiting in call order with wait times, now serving, served, skipped, left, counts");
        g.MapGet("/stream", Stream).RequirePermission(QueueRead).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(503)
            .WithSummary("Server-sent events for a doctor's queue: a snapshot of the board, then a change event (with the board) for every change, from any instance");
        g.MapGet("/{id:guid}", Get).RequirePermission(QueueRead).ProducesProblem(404).WithSummary("One token");
        g.MapPost("/check-in", CheckIn).RequirePermission(QueueWrite).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Check in today's appointment (→ CHECKED_IN) and issue its token; 409 when it cannot be checked in (again)");
        g.MapPost("/walk-in", WalkIn).RequirePermission(QueueWrite).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Put a patient without an appointment in a doctor's queue of today; 409 when already waiting there");
        g.MapPost("/next", Next).RequirePermission(QueueWrite).ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Call the next waiting patient of the doctor's queue (→ SERVING; the appointment → IN_CONSULTATION). 204 when nobody is waiting; 409 patient_being_served (naming the token) while the doctor has a patient SERVING");
        g.MapPost("/{id:guid}/skip", Skip).RequirePermission(QueueWrite).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Skip a waiting or called patient who is not there (→ SKIPPED)");
        g.MapPost("/{id:guid}/recall", Recall).RequirePermission(QueueWrite).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Put a skipped patient back in line (→ WAITING, at the place priority, appointment time and arrival give)");
        g.MapPost("/{id:guid}/serve", Serve).RequirePermission(QueueWrite).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Mark the patient being served as done (→ SERVED; an appointment in consultation → COMPLETED)");
        g.MapPost("/{id:guid}/leave", Leave).RequirePermission(QueueWrite).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("The patient left (→ LEFT); a checked-in appointment is cancelled with the reason");
        return api;
    }

    static async Task<Ok<QueueBoard>> Board([AsParameters] QueueBoardQuery query, QueueDesk desk, DoctorCalendars calendars, TenantClock clock,
        AuditLog audit, CarebaseDb db, Caller caller, CancellationToken ct)
    {
        var doctorId = (await DoctorRef.ResolveAsync(query.DoctorId, "doctorId", db, caller, ct))!.Value;
        await calendars.EnsureDoctorAsync(doctorId, null, ct);
        var date = query.Date ?? await clock.TodayAsync(ct);
        var board = await desk.BoardAsync(doctorId, date, ct);
        await audit.WriteAsync("queue.board_read", "doctor", doctorId, new { date }, ct: ct);
        return TypedResults.Ok(board);
    }

    static async Task<Ok<QueueTokenResponse>> Get(Guid id, QueueDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.GetAsync(id, ct));

    static async Task<Created<QueueTokenResponse>> CheckIn(CheckInRequest request, QueueDesk desk, CancellationToken ct)
    {
        var token = await desk.CheckInAsync(request, ct);
        return TypedResults.Created($"/api/v1/queue/{token.Id}", token);
    }

    static async Task<Created<QueueTokenResponse>> WalkIn(WalkInRequest request, QueueDesk desk, CancellationToken ct)
    {
        var token = await desk.WalkInAsync(request, ct);
        return TypedResults.Created($"/api/v1/queue/{token.Id}", token);
    }

    /// <summary>An empty queue is not an error: 204 (an unknown doctor is 404); a patient still being served is 409.</summary>
    static async Task<Results<Ok<QueueTokenResponse>, NoContent>> Next(NextRequest request, QueueDesk desk, CancellationToken ct) =>
        await desk.NextAsync(request.DoctorId!.Value, ct) is { } token ? TypedResults.Ok(token) : TypedResults.NoContent();

    static async Task<Ok<QueueTokenResponse>> Skip(Guid id, QueueDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.MoveAsync(id, QueueAction.Skip, ct));

    static async Task<Ok<QueueTokenResponse>> Recall(Guid id, QueueDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.MoveAsync(id, QueueAction.Recall, ct));

    static async Task<Ok<QueueTokenResponse>> Serve(Guid id, QueueDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.MoveAsync(id, QueueAction.Serve, ct));

    static async Task<Ok<QueueTokenResponse>> Leave(Guid id, QueueDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.MoveAsync(id, QueueAction.Leave, ct));

    /// <summary>
    /// Subscribes before reading the snapshot, so no change between the two is lost; the stream ends when the
    /// client disconnects, or when it falls so far behind that its buffer fills (the client reconnects).
    /// </summary>
    static async Task<ServerSentEventsResult<QueueStreamMessage>> Stream(
        [AsParameters] QueueBoardQuery query, Caller caller, QueueDesk desk, DoctorCalendars calendars, QueueHub hub, TenantClock clock,
        AuditLog audit, TimeProvider time, HttpContext http, CarebaseDb db, CancellationToken ct)
    {
        var doctorId = (await DoctorRef.ResolveAsync(query.DoctorId, "doctorId", db, caller, ct))!.Value;
        await calendars.EnsureDoctorAsync(doctorId, null, ct);
        var date = query.Date ?? await clock.TodayAsync(ct);
        if (!await ListeningAsync(hub, time, ct))
            throw new UnavailableException("live_updates_unavailable", "Live queue updates are unavailable right now; use GET /queue and try again shortly.",
                TimeSpan.FromSeconds(5));
        var subscription = hub.Subscribe(caller.TenantId!.Value, doctorId);
        http.Response.RegisterForDispose(subscription);
        await audit.WriteAsync("queue.stream_opened", "doctor", doctorId, new { date }, ct: ct);
        return TypedResults.ServerSentEvents(Messages(subscription, desk, doctorId, date, time, ct));
    }

    static async Task<bool> ListeningAsync(QueueHub hub, TimeProvider time, CancellationToken ct)
    {
        try
        {
            await hub.WhenListening.WaitAsync(ListenerGrace, time, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    static async IAsyncEnumerable<SseItem<QueueStreamMessage>> Messages(QueueSubscription subscription, QueueDesk desk, Guid doctorId,
        DateOnly date, TimeProvider time, [EnumeratorCancellation] CancellationToken ct)
    {
        using (subscription)
        {
            yield return new(new("snapshot", null, await desk.BoardAsync(doctorId, date, ct)), "snapshot");
            while (true)
            {
                var wake = await WaitAsync(subscription.Reader, time, ct);
                if (wake == Wake.End) yield break;
                if (wake == Wake.Quiet)
                {
                    yield return new(new("ping", null, null), "ping");
                    continue;
                }
                // Everything that arrived together shares one fresh board.
                var changes = new List<QueueChange>();
                while (subscription.Reader.TryRead(out var change))
                    if (change.Event == QueueChange.Resync || change.Date == date) changes.Add(change);
                if (changes.Count == 0) continue;
                var board = await desk.BoardAsync(doctorId, date, ct);
                foreach (var change in changes) yield return new(new(change.Event, change.TokenId, board), "change");
            }
        }
    }

    enum Wake { Changes, Quiet, End }

    static async Task<Wake> WaitAsync(ChannelReader<QueueChange> reader, TimeProvider time, CancellationToken ct)
    {
        using var quiet = new CancellationTokenSource(Heartbeat, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, quiet.Token);
        try
        {
            return await reader.WaitToReadAsync(either.Token) ? Wake.Changes : Wake.End;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Wake.Quiet;
        }
        catch (OperationCanceledException)
        {
            return Wake.End; // the client went away
        }
    }
}
