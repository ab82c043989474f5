using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Queue;

public sealed class QueueTests
{
    [Fact]
    public async Task Check_in_moves_the_appointment_to_checked_in_and_issues_token_1_and_a_second_check_in_is_409()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(2);
        var first = await q.AppointmentAsync(patients[0], QueueSetup.TodayAt(9));
        var second = await q.AppointmentAsync(patients[1], QueueSetup.TodayAt(9, 15));

        var response = await q.CheckInAsync(first);
        var token = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/queue/{token.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal(1, token.Number());
        Assert.Equal("WAITING", token.Str("status"));
        Assert.Equal("NORMAL", token.Str("priority"));
        Assert.Equal(first, token["appointmentId"]!.GetValue<Guid>());
        Assert.Equal("CHECKED_IN", await q.AppointmentStatusAsync(first));
        Assert.Equal(2, (await (await q.CheckInAsync(second)).JsonAsync(HttpStatusCode.Created)).Number());

        var again = await (await q.CheckInAsync(first)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("CHECKED_IN", again["currentStatus"]!.GetValue<string>());
        Assert.Equal(token.Id(), (await (await q.Desk.GetAsync($"/api/v1/queue/{token.Id()}")).JsonAsync()).Id());
    }

    [Fact]
    public async Task Check_in_refuses_another_days_appointment_unknown_ids_and_bad_input()
    {
        var q = await QueueSetup.CreateAsync();
        var patient = (await q.PatientsAsync(1))[0];
        var tomorrow = await q.AppointmentAsync(patient, QueueSetup.TodayAt(9).AddDays(1));
        await (await q.CheckInAsync(tomorrow)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_today");
        Assert.Equal("SCHEDULED", await q.AppointmentStatusAsync(tomorrow));
        await (await q.CheckInAsync(Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var invalid = await (await q.CheckInAsync(Guid.Empty, "URGENT")).ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.NotNull(invalid["errors"]!["appointmentId"]);
        Assert.NotNull(invalid["errors"]!["priority"]);
        var noReason = await (await q.WalkInAsync(patient, "EMERGENCY")).ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.NotNull(noReason["errors"]!["priorityReason"]);
        await (await q.WalkInAsync(Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patient_already_waiting_cannot_walk_in_twice()
    {
        var q = await QueueSetup.CreateAsync();
        var patient = (await q.PatientsAsync(1))[0];
        await (await q.WalkInAsync(patient)).JsonAsync(HttpStatusCode.Created);
        await (await q.WalkInAsync(patient)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_in_queue");
        // The refused walk-in gave its number back: the next patient is 2.
        var other = (await q.PatientsAsync(1))[0];
        Assert.Equal(2, (await (await q.WalkInAsync(other)).JsonAsync(HttpStatusCode.Created)).Number());
    }

    [Fact]
    public async Task Parallel_walk_ins_and_check_ins_get_distinct_consecutive_numbers()
    {
        var q = await QueueSetup.CreateAsync();
        var walkIns = await q.PatientsAsync(25);
        var booked = await q.PatientsAsync(15);
        var appointments = new List<Guid>();
        for (var i = 0; i < booked.Length; i++) appointments.Add(await q.AppointmentAsync(booked[i], QueueSetup.TodayAt(0).AddMinutes(15 * i)));
        var desks = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => q.Tenant.ClientAsync(SystemRoles.Receptionist)));

        var calls = walkIns.Select((p, i) => q.WalkInAsync(p, client: desks[i % desks.Length]))
            .Concat(appointments.Select((a, i) => desks[i % desks.Length].PostAsJsonAsync("/api/v1/queue/check-in", new { appointmentId = a })));
        var tokens = await Task.WhenAll((await Task.WhenAll(calls)).Select(r => r.JsonAsync(HttpStatusCode.Created)));

        Assert.Equal(Enumerable.Range(1, 40), tokens.Select(t => t.Number()).Order());
        foreach (var a in appointments) Assert.Equal("CHECKED_IN", await q.AppointmentStatusAsync(a));
    }

    [Fact]
    public async Task Calls_go_by_priority_then_appointment_time_then_arrival_and_the_elderly_are_raised_automatically()
    {
        var q = await QueueSetup.CreateAsync();
        var (walkInEarly, elderly, emergency, walkInLate) = ((await q.PatientsAsync(1))[0], (await q.PatientsAsync(1, new DateOnly(1940, 1, 1)))[0],
            (await q.PatientsAsync(1))[0], (await q.PatientsAsync(1))[0]);
        var (bookedLater, bookedEarlier) = ((await q.PatientsAsync(1))[0], (await q.PatientsAsync(1))[0]);
        var at10 = await q.AppointmentAsync(bookedLater, QueueSetup.TodayAt(10));
        var at9 = await q.AppointmentAsync(bookedEarlier, QueueSetup.TodayAt(9));

        await (await q.WalkInAsync(walkInEarly)).JsonAsync(HttpStatusCode.Created);
        var old = await (await q.WalkInAsync(elderly)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("HIGH", old.Str("priority"));
        Assert.Equal("Aged 65 or over", old.Str("priorityReason"));
        await (await q.CheckInAsync(at10)).JsonAsync(HttpStatusCode.Created);
        await (await q.WalkInAsync(walkInLate)).JsonAsync(HttpStatusCode.Created);
        await (await q.CheckInAsync(at9)).JsonAsync(HttpStatusCode.Created);
        var urgent = await (await q.WalkInAsync(emergency, "EMERGENCY", "Bleeding")).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("EMERGENCY", urgent.Str("priority"));

        // Emergency, elderly, then the appointments by booked time (9:00 checked in after 10:00), then walk-ins by arrival.
        Guid[] expected = [emergency, elderly, bookedEarlier, bookedLater, walkInEarly, walkInLate];
        var board = await q.BoardAsync();
        var waiting = board["waiting"]!.AsArray();
        Assert.Equal(expected, waiting.Select(t => t!["patientId"]!.GetValue<Guid>()));
        Assert.Equal(Enumerable.Range(1, 6), waiting.Select(t => t!["position"]!.GetValue<int>()));
        Assert.Equal(6, board["counts"]!["waiting"]!.GetValue<int>());

        // One patient at a time: each is served before the next is called.
        var called = new List<Guid>();
        foreach (var patient in expected)
        {
            var token = await (await q.NextAsync()).JsonAsync();
            called.Add(token["patientId"]!.GetValue<Guid>());
            if (patient == bookedEarlier) Assert.Equal("IN_CONSULTATION", await q.AppointmentStatusAsync(at9));
            await (await q.MoveAsync(token.Id(), "serve")).JsonAsync();
        }
        Assert.Equal(expected, called);
        Assert.Equal("COMPLETED", await q.AppointmentStatusAsync(at9));
        var empty = await q.NextAsync();
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        Assert.Equal(6, (await q.BoardAsync())["counts"]!["served"]!.GetValue<int>());
    }

    [Fact]
    public async Task Of_many_callers_racing_next_for_a_doctor_one_gets_the_patient_and_the_others_409_naming_that_token_while_another_doctor_is_not_held_up()
    {
        var q = await QueueSetup.CreateAsync();
        var second = await q.AnotherDoctorAsync();
        var patients = await q.PatientsAsync(6);
        foreach (var p in patients[..3]) await (await q.WalkInAsync(p)).JsonAsync(HttpStatusCode.Created);
        foreach (var p in patients[3..])
            await (await q.Desk.PostAsJsonAsync("/api/v1/queue/walk-in", new { patientId = p, doctorId = second })).JsonAsync(HttpStatusCode.Created);
        var callers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => q.Tenant.ClientAsync(SystemRoles.Doctor)));

        var answers = await Task.WhenAll(callers.Select((c, i) => q.NextAsync(c, i % 2 == 0 ? q.DoctorId : second)));

        foreach (var doctor in new[] { q.DoctorId, second })
        {
            var mine = answers.Where((_, i) => (i % 2 == 0) == (doctor == q.DoctorId)).ToList();
            var winner = await Assert.Single(mine, r => r.StatusCode == HttpStatusCode.OK).JsonAsync();
            foreach (var refused in mine.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_being_served");
                Assert.Equal(winner.Id(), problem["tokenId"]!.GetValue<Guid>());
            }
            Assert.Equal(1, await q.ServingCountAsync(doctor));
        }
    }

    [Fact]
    public async Task Callers_racing_next_and_serve_until_the_line_is_empty_serve_every_token_exactly_once_and_never_two_at_a_time()
    {
        const int Tokens = 30;
        var q = await QueueSetup.CreateAsync();
        foreach (var p in await q.PatientsAsync(Tokens)) await (await q.WalkInAsync(p)).JsonAsync(HttpStatusCode.Created);
        var callers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => q.Tenant.ClientAsync(SystemRoles.Nurse)));
        var served = new ConcurrentBag<Guid>();
        var refused = 0;

        // A watcher reads the number of tokens SERVING, again and again, for as long as the race lasts.
        using var raceOver = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            var most = 0L;
            while (!raceOver.IsCancellationRequested) most = Math.Max(most, await q.ServingCountAsync(q.DoctorId));
            return most;
        });
        await Task.WhenAll(callers.Select(caller => Task.Run(async () =>
        {
            while (true)
            {
                using var next = await q.NextAsync(caller);
                if (next.StatusCode == HttpStatusCode.NoContent) return; // nobody waiting and nobody being served
                if (next.StatusCode == HttpStatusCode.Conflict)
                {
                    // Someone else's patient is being served (or, after losing several races in a row, "try again").
                    var code = (await next.ShouldBeProblemAsync(HttpStatusCode.Conflict))["code"]!.GetValue<string>();
                    Assert.Contains(code, new[] { "patient_being_served", "concurrent_update" });
                    Interlocked.Increment(ref refused);
                    continue;
                }
                var token = await next.JsonAsync();
                served.Add((await (await q.MoveAsync(token.Id(), "serve", caller)).JsonAsync()).Id());
            }
        })));
        await raceOver.CancelAsync();

        Assert.Equal(1, await watcher);
        Assert.True(refused > 0, "no caller was ever refused: the callers did not race");
        Assert.Equal(Tokens, served.Count);
        Assert.Equal(Tokens, served.Distinct().Count());
        var board = await q.BoardAsync();
        Assert.Equal(Tokens, board["counts"]!["served"]!.GetValue<int>());
        Assert.Equal(0, board["counts"]!["serving"]!.GetValue<int>() + board["counts"]!["waiting"]!.GetValue<int>());
        Assert.Equal(Tokens, await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{q.Tenant.Schema}".audit_log WHERE action = 'QUEUE_CALLED'"""));
    }

    [Fact]
    public async Task Token_moves_follow_their_rules_and_illegal_ones_are_409_naming_the_status()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(3);
        var appointment = await q.AppointmentAsync(patients[2], QueueSetup.TodayAt(8));
        var a = (await (await q.WalkInAsync(patients[0])).JsonAsync(HttpStatusCode.Created)).Id();
        var b = (await (await q.WalkInAsync(patients[1])).JsonAsync(HttpStatusCode.Created)).Id();
        var c = (await (await q.CheckInAsync(appointment)).JsonAsync(HttpStatusCode.Created)).Id();
        Task<HttpResponseMessage> Move(Guid id, string action) => q.Desk.PostAsync($"/api/v1/queue/{id}/{action}", null);

        var serveWaiting = await (await Move(a, "serve")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("WAITING", serveWaiting["currentStatus"]!.GetValue<string>());
        await (await Move(a, "recall")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");

        // The booked patient (8:00) is called first, and nobody else while being served; absent, skipped; recalled,
        // back in line ahead of the walk-ins.
        Assert.Equal(c, (await (await q.NextAsync()).JsonAsync()).Id());
        var busy = await (await q.NextAsync()).ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_being_served");
        Assert.Equal(c, busy["tokenId"]!.GetValue<Guid>());
        Assert.Contains("serve, skip or leave", busy["detail"]!.GetValue<string>());
        Assert.Equal("SKIPPED", (await (await Move(c, "skip")).JsonAsync()).Str("status"));
        Assert.Equal(a, (await (await q.NextAsync()).JsonAsync()).Id());
        Assert.Equal("WAITING", (await (await Move(c, "recall")).JsonAsync()).Str("status"));
        Assert.Equal(c, (await q.BoardAsync())["waiting"]![0]!.Id());

        var served = await (await Move(a, "serve")).JsonAsync();
        Assert.Equal("SERVED", served.Str("status"));
        Assert.NotNull(served["servedAt"]);
        var serveTwice = await (await Move(a, "serve")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("SERVED", serveTwice["currentStatus"]!.GetValue<string>());
        await (await Move(a, "leave")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");

        // Leaving after the consultation began leaves the appointment to its own workflow; a token that left stays gone.
        Assert.Equal("LEFT", (await (await Move(c, "leave")).JsonAsync()).Str("status"));
        Assert.Equal("IN_CONSULTATION", await q.AppointmentStatusAsync(appointment));
        var skipLeft = await (await Move(c, "skip")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("LEFT", skipLeft["currentStatus"]!.GetValue<string>());
        Assert.Equal("SKIPPED", (await (await Move(b, "skip")).JsonAsync()).Str("status"));
        await (await Move(Guid.NewGuid(), "skip")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A checked-in patient who leaves unseen frees the appointment: it is cancelled with the reason.
        var unseen = await q.AppointmentAsync((await q.PatientsAsync(1))[0], QueueSetup.TodayAt(8, 30));
        var d = (await (await q.CheckInAsync(unseen)).JsonAsync(HttpStatusCode.Created)).Id();
        Assert.Equal("LEFT", (await (await Move(d, "leave")).JsonAsync()).Str("status"));
        Assert.Equal("CANCELLED", await q.AppointmentStatusAsync(unseen));

        var board = await q.BoardAsync();
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 4 }, new[] { "waiting", "serving", "served", "skipped", "left", "total" }
            .Select(k => board["counts"]![k]!.GetValue<int>()));
    }

    [Fact]
    public async Task Another_hospital_gets_404_for_the_queue_its_tokens_and_appointments()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(2);
        var appointment = await q.AppointmentAsync(patients[1], QueueSetup.TodayAt(11));
        var token = (await (await q.WalkInAsync(patients[0])).JsonAsync(HttpStatusCode.Created)).Id();
        var other = await (await q.App.NewTenantAsync()).ClientAsync(SystemRoles.Receptionist);

        await (await other.GetAsync($"/api/v1/queue?doctorId={q.DoctorId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/queue/{token}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await q.NextAsync(other)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"/api/v1/queue/{token}/skip", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync("/api/v1/queue/check-in", new { appointmentId = appointment })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await q.WalkInAsync(patients[1], client: other)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("WAITING", (await (await q.Desk.GetAsync($"/api/v1/queue/{token}")).JsonAsync()).Str("status"));
    }

    [Fact]
    public async Task Token_numbers_start_again_at_1_on_the_next_tenant_local_day()
    {
        var app = await CarebaseApp.Shared();
        var q = await QueueSetup.CreateAsync(app, "Asia/Kolkata");
        var clock = new MovableTime();
        await using var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var (_, email) = await q.Tenant.CreateUserAsync(SystemRoles.Receptionist);
        using var desk = host.CreateClient();
        await MovableTime.SignInAsync(desk, email);
        var patients = await q.PatientsAsync(3);

        var today = await (await q.WalkInAsync(patients[0], client: desk)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(2, (await (await q.WalkInAsync(patients[1], client: desk)).JsonAsync(HttpStatusCode.Created)).Number());
        clock.Advance(TimeSpan.FromDays(1));
        await MovableTime.SignInAsync(desk, email); // a day later the access token has long expired
        var tomorrow = await (await q.WalkInAsync(patients[2], client: desk)).JsonAsync(HttpStatusCode.Created);

        Assert.Equal(1, tomorrow.Number());
        Assert.Equal(DateOnly.Parse(today.Str("date")).AddDays(1), DateOnly.Parse(tomorrow.Str("date")));
        // The token of the other day is not in today's line any more.
        var board = await (await desk.GetAsync($"/api/v1/queue?doctorId={q.DoctorId}")).JsonAsync();
        Assert.Equal(new[] { tomorrow.Id() }, board["waiting"]!.AsArray().Select(t => t!.Id()));
    }
}
