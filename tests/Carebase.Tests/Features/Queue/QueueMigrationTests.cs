using Carebase.Api.Platform.Data;

namespace Carebase.Tests.Features.Queue;

public sealed class QueueMigrationTests
{
    [Fact]
    public async Task Migration_0005_closes_the_extra_patients_a_doctor_was_left_serving_audits_it_and_then_refuses_two_at_once()
    {
        var q = await QueueSetup.CreateAsync();
        var tokens = new List<Guid>();
        foreach (var p in await q.PatientsAsync(3)) tokens.Add((await (await q.WalkInAsync(p)).JsonAsync(HttpStatusCode.Created)).Id());
        var schema = $"\"{q.Tenant.Schema}\"";
        // The schema as it was before 0005, with what the old POST /queue/next could leave: three patients SERVING,
        // called ten minutes apart.
        await TestDatabase.ExecuteAsync($"""
            DROP TRIGGER queue_tokens_notify_insert ON {schema}.queue_tokens;
            DROP TRIGGER queue_tokens_notify_update ON {schema}.queue_tokens;
            DROP FUNCTION {schema}.queue_tokens_notify();
            DROP INDEX {schema}.queue_tokens_one_serving;
            UPDATE {schema}.queue_tokens SET status = 'SERVING', called_at = timestamptz '2026-01-05 09:00Z' + (number - 1) * interval '10 minutes';
            """);

        var migration = MigrationRunner.Tenant.Single(m => m.Version == 5);
        await TestDatabase.ExecuteAsync($"BEGIN; SET LOCAL search_path TO {schema}, public; {migration.Sql}; COMMIT;");

        var rows = await TestDatabase.ScalarAsync<string[]>(
            $"SELECT array_agg(status || ' ' || coalesce(to_char(served_at AT TIME ZONE 'UTC', 'HH24:MI'), '-') ORDER BY number) FROM {schema}.queue_tokens");
        Assert.Equal(["SERVED 09:10", "SERVED 09:20", "SERVING -"], rows);
        var audited = await TestDatabase.ScalarAsync<string[]>(
            $"SELECT array_agg(resource_id ORDER BY seq) FROM {schema}.audit_log WHERE action = 'QUEUE_SERVED'");
        Assert.Equal(tokens.Take(2).Select(t => t.ToString()), audited);
        var second = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync(
            $"UPDATE {schema}.queue_tokens SET status = 'SERVING' WHERE id = $1", tokens[0]));
        Assert.Equal("queue_tokens_one_serving", second.ConstraintName);
    }
}
