using System.Collections.Concurrent;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The outbox on a database of its own with the host's dispatcher switched off, so the only
/// dispatchers are the ones each test builds.
/// </summary>
public sealed class OutboxTests
{
    static Task<CarebaseApp> HostAsync() => TestDatabase.CreateDatabaseAsync("outboxdb").ContinueWith(db =>
        CarebaseApp.CreateAsync(db.Result, new Dictionary<string, string?> { ["Carebase:Messaging:DispatcherEnabled"] = "false" })).Unwrap();

    static OutboxDispatcher Dispatcher(CarebaseApp app, IEmailSender sender, TimeProvider time, int maxAttempts = 8) =>
        new(app.Services.GetRequiredService<NpgsqlDataSource>(), sender, new OutboxSignal(),
            Options.Create(new MessagingOptions { MaxAttempts = maxAttempts }), time, NullLogger<OutboxDispatcher>.Instance);

    static async Task<List<Guid>> QueueAsync(CarebaseApp app, int count, DateTimeOffset now) => await app.WithDbAsync(async db =>
    {
        var messages = Enumerable.Range(0, count).Select(i => new OutboxMessage
        {
            Kind = "test", Recipient = $"r{i}@outbox.test", Subject = $"Message {i}", Body = "Hello", CreatedAt = now, NextAttemptAt = now,
        }).ToList();
        db.AddRange(messages);
        await db.SaveChangesAsync();
        return messages.Select(m => m.Id).ToList();
    });

    static Task<List<OutboxMessage>> RowsAsync(CarebaseApp app, IReadOnlyCollection<Guid> ids) =>
        app.WithDbAsync(db => db.Set<OutboxMessage>().AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync());

    [Fact]
    public async Task Two_dispatchers_racing_deliver_every_message_exactly_once()
    {
        await using var app = await HostAsync();
        var ids = await QueueAsync(app, 200, TimeProvider.System.GetUtcNow());
        var sender = new CountingSender();
        var dispatchers = new[] { Dispatcher(app, sender, TimeProvider.System), Dispatcher(app, sender, TimeProvider.System) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var start = new Barrier(dispatchers.Length);

        var passes = await Task.WhenAll(dispatchers.Select(d => Task.Run(async () =>
        {
            start.SignalAndWait(timeout.Token);
            var claimed = 0;
            int n;
            while ((n = await d.RunOnceAsync(timeout.Token)) > 0) claimed += n;
            return claimed;
        })));

        Assert.Equal(200, passes.Sum());
        Assert.Equal(200, sender.Deliveries.Count);
        Assert.All(ids, id => Assert.Equal(1, sender.Deliveries.GetValueOrDefault(id)));
        var rows = await RowsAsync(app, ids);
        Assert.All(rows, m => Assert.Equal(("SENT", 1), (m.Status, m.Attempts)));
        Assert.All(rows, m => Assert.NotNull(m.SentAt));
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_later_with_growing_backoff_until_it_is_sent()
    {
        await using var app = await HostAsync();
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var id = Assert.Single(await QueueAsync(app, 1, clock.Now));
        var failing = new FailingSender();
        var dispatcher = Dispatcher(app, failing, clock);

        Assert.Equal(1, await dispatcher.RunOnceAsync(default));
        var first = Assert.Single(await RowsAsync(app, [id]));
        Assert.Equal(("PENDING", 1), (first.Status, first.Attempts));
        Assert.Equal("SMTP server unavailable", first.LastError);
        Assert.True(first.NextAttemptAt > clock.Now, "the retry must wait");

        Assert.Equal(0, await dispatcher.RunOnceAsync(default)); // not due yet
        Assert.Equal(1, failing.Calls);

        clock.Now = first.NextAttemptAt.AddSeconds(1);
        Assert.Equal(1, await dispatcher.RunOnceAsync(default));
        var second = Assert.Single(await RowsAsync(app, [id]));
        Assert.Equal(("PENDING", 2), (second.Status, second.Attempts));
        Assert.True(second.NextAttemptAt - clock.Now > first.NextAttemptAt - first.CreatedAt, "the backoff grows with each attempt");

        clock.Now = second.NextAttemptAt.AddSeconds(1);
        var working = new CountingSender();
        Assert.Equal(1, await Dispatcher(app, working, clock).RunOnceAsync(default));
        var sent = Assert.Single(await RowsAsync(app, [id]));
        Assert.Equal(("SENT", 3), (sent.Status, sent.Attempts));
        Assert.Equal(1, working.Deliveries[id]);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_stops_as_FAILED_after_the_last_attempt()
    {
        await using var app = await HostAsync();
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var id = Assert.Single(await QueueAsync(app, 1, clock.Now));
        var dispatcher = Dispatcher(app, new FailingSender(), clock, maxAttempts: 2);

        await dispatcher.RunOnceAsync(default);
        clock.Now = clock.Now.AddHours(2);
        await dispatcher.RunOnceAsync(default);
        clock.Now = clock.Now.AddHours(2);

        Assert.Equal(0, await dispatcher.RunOnceAsync(default));
        var row = Assert.Single(await RowsAsync(app, [id]));
        Assert.Equal(("FAILED", 2), (row.Status, row.Attempts));
    }

    sealed class CountingSender : IEmailSender
    {
        public ConcurrentDictionary<Guid, int> Deliveries { get; } = new();

        public async Task SendAsync(OutboxMessage message, CancellationToken ct)
        {
            await Task.Yield(); // let the other dispatcher run in between
            Deliveries.AddOrUpdate(message.Id, 1, (_, n) => n + 1);
        }
    }

    sealed class FailingSender : IEmailSender
    {
        int _calls;
        public int Calls => _calls;

        public Task SendAsync(OutboxMessage message, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("SMTP server unavailable");
        }
    }

    sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
