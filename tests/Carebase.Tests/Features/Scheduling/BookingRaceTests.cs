using System.Text.Json.Nodes;

namespace Carebase.Tests.Features.Scheduling;

/// <summary>Concurrency guarantees, raced for real: many requests released at once through the whole pipeline.</summary>
public sealed class BookingRaceTests
{
    [Fact]
    public async Task Fifty_parallel_bookings_of_one_slot_create_exactly_one()
    {
        var kit = await SchedulingKit.CreateAsync();
        var patients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => kit.NewPatientAsync()));
        var slot = kit.At(3, 11);
        var responses = await Race(patients.Select(p => (Func<Task<HttpResponseMessage>>)(() => kit.BookAsync(kit.Admin, p, slot))));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(49, refused.Count);
        foreach (var r in refused) await r.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_taken");
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.appointments"));
    }

    [Fact]
    public async Task Fifty_parallel_bookings_of_distinct_slots_all_succeed()
    {
        var kit = await SchedulingKit.CreateAsync();
        var patients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => kit.NewPatientAsync()));
        var responses = await Race(patients.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() =>
            kit.BookAsync(kit.Admin, p, kit.At(2 + i / 40, 8).AddMinutes(15 * (i % 40))))));
        foreach (var r in responses) await r.EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal(50L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.appointments"));
        Assert.Equal(0L, await OverlapsAsync(kit));
    }

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_first_answer_and_books_once()
    {
        var kit = await SchedulingKit.CreateAsync();
        var patient = await kit.NewPatientAsync();
        var body = SchedulingKit.Booking(patient, kit.DoctorId, kit.At(2, 9));
        var first = await Send(kit.Admin, "key-1", body);
        var second = await Send(kit.Admin, "key-1", body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.appointments"));

        // The same key with another body is refused; a new key is a new booking (which here conflicts: same day).
        var other = await Send(kit.Admin, "key-1", SchedulingKit.Booking(patient, kit.DoctorId, kit.At(2, 10)));
        var problem = await other.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["Idempotency-Key"]);
        await (await Send(kit.Admin, "key-2", body)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_taken");
        // Keys belong to their user: another user's same key is a separate request.
        var reception = await kit.Tenant.ClientAsync(Carebase.Api.Platform.Auth.SystemRoles.Receptionist);
        await (await Send(reception, "key-1", body)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_taken");
    }

    [Fact]
    public async Task Parallel_retries_with_one_key_book_once_and_all_get_the_same_answer()
    {
        var kit = await SchedulingKit.CreateAsync();
        var body = SchedulingKit.Booking(await kit.NewPatientAsync(), kit.DoctorId, kit.At(2, 9));
        var responses = await Race(Enumerable.Range(0, 20).Select(_ => (Func<Task<HttpResponseMessage>>)(() => Send(kit.Admin, "same-key", body))));
        var bodies = new HashSet<string>();
        foreach (var r in responses)
        {
            await r.EnsureStatusAsync(HttpStatusCode.Created);
            bodies.Add(await r.Content.ReadAsStringAsync());
        }
        Assert.Single(bodies);
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.appointments"));
    }

    [Fact]
    public async Task Parallel_series_and_single_bookings_never_overlap()
    {
        var kit = await SchedulingKit.CreateAsync();
        var patients = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => kit.NewPatientAsync()));
        var responses = await Race(patients.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() => i % 2 == 0
            ? kit.BookAsync(kit.Admin, p, kit.At(2, 9), recurrence: new { everyWeeks = 1, count = 4 })
            : kit.BookAsync(kit.Admin, p, kit.At(2 + 7 * (i % 4), 9)))));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Equal(0L, await OverlapsAsync(kit));
    }

    static Task<HttpResponseMessage> Send(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/appointments") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    /// <summary>Starts every call at once (behind one gate) and waits for all.</summary>
    static async Task<HttpResponseMessage[]> Race(IEnumerable<Func<Task<HttpResponseMessage>>> calls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = calls.Select(async call => { await gate.Task; return await call(); }).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }

    static Task<long> OverlapsAsync(SchedulingKit kit) => TestDatabase.ScalarAsync<long>($"""
        SELECT count(*) FROM {kit.Tenant.Schema}.appointments a JOIN {kit.Tenant.Schema}.appointments b
          ON a.id < b.id AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id)
         AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
        WHERE a.status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION') AND b.status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION')
        """);
}
