namespace Carebase.Tests.Features.Queue;

/// <summary>An appointment and its token move together, whichever side the step starts from.</summary>
public sealed class QueueAppointmentTests
{
    [Fact]
    public async Task Completing_the_appointment_serves_its_token_and_serving_the_token_completes_its_appointment()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(2);
        var first = await q.AppointmentAsync(patients[0], QueueSetup.TodayAt(8));
        var second = await q.AppointmentAsync(patients[1], QueueSetup.TodayAt(8, 15));
        var firstToken = (await (await q.CheckInAsync(first)).JsonAsync(HttpStatusCode.Created)).Id();
        var secondToken = (await (await q.CheckInAsync(second)).JsonAsync(HttpStatusCode.Created)).Id();

        Assert.Equal(firstToken, (await (await q.NextAsync()).JsonAsync()).Id());
        Assert.Equal("IN_CONSULTATION", await q.AppointmentStatusAsync(first));
        Assert.Equal("COMPLETED", (await (await q.AppointmentStepAsync(first, "complete")).JsonAsync())["status"]!.GetValue<string>());
        var served = await (await q.Desk.GetAsync($"/api/v1/queue/{firstToken}")).JsonAsync();
        Assert.Equal("SERVED", served.Str("status"));
        Assert.NotNull(served["servedAt"]);

        // The doctor is free again: the next patient is called, and serving that token completes the appointment.
        Assert.Equal(secondToken, (await (await q.NextAsync()).JsonAsync()).Id());
        Assert.Equal("SERVED", (await (await q.MoveAsync(secondToken, "serve")).JsonAsync()).Str("status"));
        Assert.Equal("COMPLETED", await q.AppointmentStatusAsync(second));

        // Every step of either is in the trail, whichever side it started from.
        async Task<string[]> TrailAsync(Guid id) => await TestDatabase.ScalarAsync<string[]>(
            $"""SELECT array_agg(action ORDER BY seq) FROM "{q.Tenant.Schema}".audit_log WHERE resource_id = $1""", id.ToString());
        string[] appointmentSteps = ["APPOINTMENT_CHECKED_IN", "APPOINTMENT_IN_CONSULTATION", "APPOINTMENT_COMPLETED"];
        string[] tokenSteps = ["QUEUE_CHECKED_IN", "QUEUE_CALLED", "QUEUE_SERVED"];
        Assert.Equal(appointmentSteps, await TrailAsync(first));
        Assert.Equal(appointmentSteps, await TrailAsync(second));
        Assert.Equal(tokenSteps, await TrailAsync(firstToken));
        Assert.Equal(tokenSteps, await TrailAsync(secondToken));
    }

    [Fact]
    public async Task Cancelling_a_checked_in_appointment_makes_its_token_leave_the_line()
    {
        var q = await QueueSetup.CreateAsync();
        var patient = (await q.PatientsAsync(1))[0];
        var appointment = await q.AppointmentAsync(patient, QueueSetup.TodayAt(9));
        var token = (await (await q.CheckInAsync(appointment)).JsonAsync(HttpStatusCode.Created)).Id();

        Assert.Equal("CANCELLED", (await (await q.AppointmentStepAsync(appointment, "cancel")).JsonAsync())["status"]!.GetValue<string>());

        Assert.Equal("LEFT", await q.TokenStatusAsync(token));
        var board = await q.BoardAsync();
        Assert.Equal(token, board["left"]![0]!.Id());
        Assert.Equal(HttpStatusCode.NoContent, (await q.NextAsync()).StatusCode);
    }

    [Fact]
    public async Task Checking_in_through_the_appointment_issues_its_token_and_starting_it_calls_that_token_unless_the_doctor_is_busy()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(3);
        var first = await q.AppointmentAsync(patients[0], QueueSetup.TodayAt(8));
        var second = await q.AppointmentAsync(patients[1], QueueSetup.TodayAt(8, 30));
        var tomorrow = await q.AppointmentAsync(patients[2], QueueSetup.TodayAt(8).AddDays(1));

        foreach (var a in new[] { first, second, tomorrow }) await (await q.AppointmentStepAsync(a, "check-in")).JsonAsync();

        var waiting = (await q.BoardAsync())["waiting"]!.AsArray();
        Assert.Equal([first, second], waiting.Select(t => t!["appointmentId"]!.GetValue<Guid>()));
        Assert.Equal(["NORMAL", "NORMAL"], waiting.Select(t => t!.Str("priority")));
        // Another day's appointment has no line to join today.
        Assert.Equal(0, await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{q.Tenant.Schema}".queue_tokens WHERE appointment_id = $1""", tomorrow));
        var again = await (await q.CheckInAsync(first)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("CHECKED_IN", again["currentStatus"]!.GetValue<string>());

        await (await q.AppointmentStepAsync(second, "start")).JsonAsync();
        var serving = await q.BoardAsync();
        Assert.Equal(second, serving["serving"]![0]!["appointmentId"]!.GetValue<Guid>());

        // The doctor is with the second patient: the first cannot be started, and nothing of that attempt remains.
        var busy = await (await q.AppointmentStepAsync(first, "start")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_being_served");
        Assert.Equal(serving["serving"]![0]!.Id(), busy["tokenId"]!.GetValue<Guid>());
        Assert.Equal("CHECKED_IN", await q.AppointmentStatusAsync(first));
        Assert.Equal(1, (await q.BoardAsync())["counts"]!["waiting"]!.GetValue<int>());
    }
}
