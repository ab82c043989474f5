using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Queue;

public sealed class QueueStreamTests
{
    static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    /// <summary>An open stream, read event by event.</summary>
    sealed class Stream(HttpResponseMessage response, IAsyncEnumerator<SseItem<string>> events) : IAsyncDisposable
    {
        public static async Task<Stream> OpenAsync(HttpClient client, Guid doctorId)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/queue/stream?doctorId={doctorId}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await response.EnsureStatusAsync(HttpStatusCode.OK);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStreamAsync();
            return new Stream(response, SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator());
        }

        /// <summary>The next event other than a ping, or a failed test if none arrives within <paramref name="timeout"/>.</summary>
        public async Task<(string type, JsonObject data)> NextAsync(TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var left = timeout - deadline.Elapsed;
                Assert.True(left > TimeSpan.Zero, $"No event within {timeout.TotalMilliseconds} ms.");
                Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(left), "The stream ended.");
                if (events.Current.EventType != "ping") return (events.Current.EventType, JsonNode.Parse(events.Current.Data)!.AsObject());
            }
        }

        public async ValueTask DisposeAsync()
        {
            response.Dispose();
            await events.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_subscriber_on_a_second_instance_receives_a_change_made_on_the_first_within_one_second()
    {
        var q = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(2);
        await (await q.WalkInAsync(patients[0])).JsonAsync(HttpStatusCode.Created);
        await using var second = await CarebaseApp.CreateAsync();
        using var watcher = second.WithToken((await q.App.LoginAsync((await q.Tenant.CreateUserAsync(SystemRoles.Nurse)).email)).AccessToken);
        await using var stream = await Stream.OpenAsync(watcher, q.DoctorId);

        var (type, snapshot) = await stream.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("snapshot", type);
        Assert.Equal(1, snapshot["board"]!["counts"]!["waiting"]!.GetValue<int>());

        var token = await (await q.WalkInAsync(patients[1])).JsonAsync(HttpStatusCode.Created);
        var (changeType, change) = await stream.NextAsync(Within);
        Assert.Equal("change", changeType);
        Assert.Equal("walked_in", change["event"]!.GetValue<string>());
        Assert.Equal(token.Id(), change["tokenId"]!.GetValue<Guid>());
        Assert.Equal(2, change["board"]!["counts"]!["waiting"]!.GetValue<int>());

        var called = await (await q.NextAsync()).JsonAsync();
        var (_, callEvent) = await stream.NextAsync(Within);
        Assert.Equal("called", callEvent["event"]!.GetValue<string>());
        Assert.Equal(called.Id(), callEvent["tokenId"]!.GetValue<Guid>());
        Assert.Equal(called.Id(), callEvent["board"]!["serving"]![0]!.Id());
    }

    [Fact]
    public async Task A_token_moved_by_an_appointment_step_reaches_the_stream()
    {
        var q = await QueueSetup.CreateAsync();
        var patient = (await q.PatientsAsync(1))[0];
        var appointment = await q.AppointmentAsync(patient, QueueSetup.TodayAt(9));
        await using var stream = await Stream.OpenAsync(q.Desk, q.DoctorId);
        Assert.Equal("snapshot", (await stream.NextAsync(TimeSpan.FromSeconds(10))).type);

        await (await q.AppointmentStepAsync(appointment, "check-in")).JsonAsync();
        var (_, checkedIn) = await stream.NextAsync(Within);
        Assert.Equal("checked_in", checkedIn["event"]!.GetValue<string>());
        var token = checkedIn["tokenId"]!.GetValue<Guid>();
        await (await q.AppointmentStepAsync(appointment, "start")).JsonAsync();
        Assert.Equal("called", (await stream.NextAsync(Within)).data["event"]!.GetValue<string>());
        await (await q.AppointmentStepAsync(appointment, "complete")).JsonAsync();
        var (_, served) = await stream.NextAsync(Within);
        Assert.Equal("served", served["event"]!.GetValue<string>());
        Assert.Equal(token, served["tokenId"]!.GetValue<Guid>());
        Assert.Equal(token, served["board"]!["served"]![0]!.Id());
    }

    [Fact]
    public async Task A_subscriber_hears_only_its_own_doctors_queue()
    {
        var q = await QueueSetup.CreateAsync();
        var other = await QueueSetup.CreateAsync();
        var patients = await q.PatientsAsync(1);
        var strangers = await other.PatientsAsync(1);
        await using var stream = await Stream.OpenAsync(q.Desk, q.DoctorId);
        Assert.Equal("snapshot", (await stream.NextAsync(TimeSpan.FromSeconds(10))).type);

        // Another hospital's change first, then ours: the first change the stream shows must be ours.
        await (await other.WalkInAsync(strangers[0])).JsonAsync(HttpStatusCode.Created);
        var mine = await (await q.WalkInAsync(patients[0])).JsonAsync(HttpStatusCode.Created);
        var (_, change) = await stream.NextAsync(Within);
        Assert.Equal(mine.Id(), change["tokenId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task The_stream_is_authorized_like_the_board()
    {
        var q = await QueueSetup.CreateAsync();
        var path = $"/api/v1/queue/stream?doctorId={q.DoctorId}";
        await (await q.App.Anonymous().GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var pharmacist = await q.Tenant.ClientAsync(SystemRoles.Pharmacist);
        await (await pharmacist.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var patient = await q.Tenant.ClientAsync(SystemRoles.Patient);
        await (await patient.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var otherDesk = await (await q.App.NewTenantAsync()).ClientAsync(SystemRoles.Receptionist);
        await (await otherDesk.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await q.Desk.GetAsync("/api/v1/queue/stream")).ShouldBeProblemAsync((HttpStatusCode)422);
    }
}
