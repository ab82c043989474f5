using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Carebase.Api.Features.Accounts;

/// <summary>
/// Lockout for emails that have no account, with Identity's rules for real accounts (the same number of failures,
/// the same lockout period, the count starting again once locked), kept in <c>platform.unknown_sign_in_failures</c>:
/// shared by every instance and surviving restarts like an account's own count, and bounded (a day without
/// failures forgets an email).
/// </summary>
public sealed class UnknownAccountLockout(NpgsqlDataSource dataSource, IOptions<IdentityOptions> identity, TimeProvider time)
{
    static readonly TimeSpan Forget = TimeSpan.FromDays(1);

    /// <summary>The end of the email's lockout, if it is locked now.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string normalizedEmail, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT lockout_end FROM platform.unknown_sign_in_failures WHERE normalized_email = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = normalizedEmail });
        return Current(await cmd.ExecuteScalarAsync(ct));
    }

    /// <summary>Counts a failure; returns the end of the lockout when this one locked the email.</summary>
    public async Task<DateTimeOffset?> FailedAsync(string normalizedEmail, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var lockout = identity.Value.Lockout;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO platform.unknown_sign_in_failures AS f (normalized_email, failed_count, lockout_end, last_failed_at)
            VALUES ($1, CASE WHEN $3 <= 1 THEN 0 ELSE 1 END, CASE WHEN $3 <= 1 THEN $2 + $4 END, $2)
            ON CONFLICT (normalized_email) DO UPDATE SET
                failed_count = CASE WHEN f.failed_count + 1 >= $3 THEN 0 ELSE f.failed_count + 1 END,
                lockout_end = CASE WHEN f.failed_count + 1 >= $3 THEN $2 + $4 ELSE f.lockout_end END,
                last_failed_at = $2
            RETURNING lockout_end
            """)
        {
            Parameters =
            {
                new() { Value = normalizedEmail }, new() { Value = now },
                new() { Value = lockout.MaxFailedAccessAttempts }, new() { Value = lockout.DefaultLockoutTimeSpan },
            },
        });
        // Forget emails without a failure for a day (cheap on the index when there is nothing to delete).
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM platform.unknown_sign_in_failures WHERE last_failed_at < $1")
        {
            Parameters = { new() { Value = now - Forget } },
        });
        return Current(await batch.ExecuteScalarAsync(ct));
    }

    DateTimeOffset? Current(object? lockoutEnd) => lockoutEnd is DateTime end && end > time.GetUtcNow().UtcDateTime
        ? new DateTimeOffset(end, TimeSpan.Zero)
        : null;
}
