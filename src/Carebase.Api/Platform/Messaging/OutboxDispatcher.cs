using Microsoft.Extensions.Options;
using Npgsql;

namespace Carebase.Api.Platform.Messaging;

/// <summary>
/// Delivers outbox messages. Each pass claims due rows with FOR UPDATE SKIP LOCKED and leases them
/// (status SENDING, locked_until), so instances never take the same row; a crashed lease expires and
/// the row is retried. Failures back off exponentially up to <see cref="MessagingOptions.MaxAttempts"/>.
/// </summary>
public sealed class OutboxDispatcher(
    NpgsqlDataSource db, IEmailSender sender, OutboxSignal signal, IOptions<MessagingOptions> options,
    TimeProvider time, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    const int BatchSize = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = 0;
            try
            {
                delivered = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                // Database away or a bug: log, wait a poll interval, try again. Nothing is lost: rows stay in the table.
                logger.LogWarning(e, "Outbox pass failed");
            }
            if (delivered < BatchSize)
            {
                try { await signal.WaitAsync(options.Value.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Claims and delivers one batch; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = new List<OutboxMessage>();
        await using (var cmd = db.CreateCommand("""
            UPDATE platform.outbox_messages m
            SET status = 'SENDING', locked_until = $2, attempts = m.attempts + 1
            WHERE m.id IN (
                SELECT id FROM platform.outbox_messages
                WHERE status IN ('PENDING', 'SENDING') AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                ORDER BY next_attempt_at
                LIMIT $3
                FOR UPDATE SKIP LOCKED)
            RETURNING m.id, m.tenant_id, m.kind, m.recipient, m.subject, m.body, m.attempts, m.created_at
            """))
        {
            cmd.Parameters.AddWithValue(now);
            cmd.Parameters.AddWithValue(now + Lease);
            cmd.Parameters.AddWithValue(BatchSize);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                claimed.Add(new OutboxMessage
                {
                    Id = r.GetGuid(0), TenantId = r.IsDBNull(1) ? null : r.GetGuid(1), Kind = r.GetString(2), Recipient = r.GetString(3),
                    Subject = r.GetString(4), Body = r.GetString(5), Attempts = r.GetInt32(6), CreatedAt = r.GetFieldValue<DateTimeOffset>(7),
                });
        }
        foreach (var m in claimed)
        {
            try
            {
                await sender.SendAsync(m, ct);
                await FinishAsync("UPDATE platform.outbox_messages SET status = 'SENT', sent_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1",
                    m.Id, time.GetUtcNow(), null, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var failed = m.Attempts >= options.Value.MaxAttempts;
                var backoff = TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, m.Attempts)));
                logger.LogWarning("Delivery of {Kind} message {Id} failed (attempt {Attempt}): {Error}", m.Kind, m.Id, m.Attempts, e.Message);
                await FinishAsync(failed
                        ? "UPDATE platform.outbox_messages SET status = 'FAILED', locked_until = NULL, last_error = $3, next_attempt_at = $2 WHERE id = $1"
                        : "UPDATE platform.outbox_messages SET status = 'PENDING', locked_until = NULL, last_error = $3, next_attempt_at = $2 WHERE id = $1",
                    m.Id, time.GetUtcNow() + backoff, e.Message.Length > 500 ? e.Message[..500] : e.Message, ct);
            }
        }
        return claimed.Count;
    }

    async Task FinishAsync(string sql, Guid id, DateTimeOffset at, string? error, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(at);
        if (sql.Contains("$3")) cmd.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

public static class MessagingSetup
{
    public static WebApplicationBuilder AddCarebaseMessaging(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MessagingOptions>().Bind(builder.Configuration.GetSection("Carebase:Messaging"))
            .PostConfigure(o => o.SandboxDirectory ??= Path.Combine(Data.DataFolder.Resolve(builder.Configuration, builder.Environment), "mail"));
        var smtp = builder.Configuration["Carebase:Messaging:SmtpHost"];
        if (string.IsNullOrWhiteSpace(smtp)) services.AddSingleton<IEmailSender, SandboxEmailSender>();
        else services.AddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddSingleton<OutboxSignal>();
        services.AddHostedService<ChannelListeners>();
        services.AddSingleton<IChannelListener, Tenancy.TenantChanges>();
        services.AddScoped<Outbox>();
        if (builder.Configuration["Carebase:Messaging:DispatcherEnabled"] != "false")
            services.AddHostedService<OutboxDispatcher>();
        return builder;
    }
}
