using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;

namespace Carebase.Api.Features.Patients;

public static class CareTeamRoles
{
    public static readonly string[] All = ["PRIMARY_DOCTOR", "DOCTOR", "CONSULTANT", "NURSE", "CARE_COORDINATOR", "THERAPIST", "OTHER"];
}

/// <summary>An explicit member of a patient's care team (implicit members come from <see cref="ICareTeamSource"/>s).</summary>
public sealed class CareTeamMember
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public Guid UserId { get; init; }
    public string Role { get; set; } = "OTHER";
    public DateTimeOffset AddedAt { get; init; }
    public Guid? AddedBy { get; init; }
}

sealed class CareTeamMemberConfiguration : IEntityTypeConfiguration<CareTeamMember>
{
    public void Configure(EntityTypeBuilder<CareTeamMember> e) => e.ToTable("care_team_members");
}

/// <summary>
/// Where implicit care-team members come from: an area that puts a doctor in charge of a patient (an appointment, an
/// admission's attending doctor) registers one with <see cref="CareTeam.AddSource{T}"/> and never copies rows into the
/// care team. <see cref="Sql"/> is a SELECT of <c>patient_id, user_id, role, source, since</c> over every patient;
/// the care team filters it by patient and user (PostgreSQL pushes those filters into it, so index them).
/// </summary>
public interface ICareTeamSource
{
    /// <summary>The rows, given the SQL placeholder of the current instant (the hospital's now, from the injected clock).</summary>
    string Sql(string now);
}

/// <summary>
/// The care team of a patient: explicit members plus the implicit ones every <see cref="ICareTeamSource"/> yields.
/// One function answers "who looks after whom" for the visibility gate, the care-team list and the break-glass check.
/// </summary>
public sealed class CareTeam(CarebaseDb db, IEnumerable<ICareTeamSource> sources, TimeProvider time)
{
    /// <summary>The one way an area adds implicit members: <c>services.AddCareTeamSource&lt;AppointmentCareTeam&gt;()</c>.</summary>
    public static IServiceCollection AddSource<T>(IServiceCollection services) where T : class, ICareTeamSource =>
        services.AddSingleton<ICareTeamSource, T>();

    /// <summary>Every member, explicit and implicit, of the care teams in one SQL relation ($1 = now).</summary>
    string Members => string.Join("\nUNION ALL\n",
        new[] { "SELECT m.patient_id, m.user_id, m.role, 'EXPLICIT' AS source, m.added_at AS since FROM care_team_members m" }
            .Concat(sources.Select(s => s.Sql("$1"))));

    /// <summary>The members of one patient's team, one row per user and source, with the staff member's name.</summary>
    public async Task<List<CareTeamEntry>> ListAsync(Guid patientId, CancellationToken ct)
    {
        var conn = await db.OpenForSqlAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand($"""
                SELECT t.user_id, u.first_name, u.last_name, u.email, t.role, t.source, min(t.since)
                FROM ({Members}) t JOIN platform.users u ON u.id = t.user_id
                WHERE t.patient_id = $2
                GROUP BY t.user_id, u.first_name, u.last_name, u.email, t.role, t.source
                ORDER BY (t.source = 'EXPLICIT') DESC, u.last_name, u.first_name, t.user_id
                """, conn) { Parameters = { new() { Value = time.GetUtcNow() }, new() { Value = patientId } } };
            var list = new List<CareTeamEntry>();
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                list.Add(new CareTeamEntry(r.GetGuid(0), $"{r.GetString(1)} {r.GetString(2)}".Trim(), r.IsDBNull(3) ? null : r.GetString(3),
                    r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)));
            return list;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// How <paramref name="userId"/> may see each of <paramref name="patientIds"/>: absent = neither on the care team nor
    /// holding a grant; Guid.Empty = on the care team; any other id = the unexpired break-glass grant that opens it.
    /// One round trip whatever the number of patients.
    /// </summary>
    public async Task<Dictionary<Guid, Guid>> AccessAsync(IReadOnlyCollection<Guid> patientIds, Guid userId, CancellationToken ct)
    {
        var access = new Dictionary<Guid, Guid>();
        if (patientIds.Count == 0) return access;
        var conn = await db.OpenForSqlAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand($"""
                SELECT DISTINCT t.patient_id, '00000000-0000-0000-0000-000000000000'::uuid FROM ({Members}) t
                WHERE t.patient_id = ANY($2) AND t.user_id = $3
                UNION ALL
                (SELECT DISTINCT ON (g.patient_id) g.patient_id, g.id FROM break_glass_grants g
                 WHERE g.patient_id = ANY($2) AND g.user_id = $3 AND g.expires_at > $1
                 ORDER BY g.patient_id, g.expires_at DESC)
                """, conn) { Parameters = { new() { Value = time.GetUtcNow() }, new() { Value = patientIds.ToArray() }, new() { Value = userId } } };
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (patient, how) = (r.GetGuid(0), r.GetGuid(1));
                // Membership wins over a grant: nothing is flagged as break-glass for a member.
                if (!access.TryGetValue(patient, out var seen) || seen != Guid.Empty) access[patient] = how;
            }
            return access;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>A member of a care team: <c>source</c> EXPLICIT (added by hand, removable) or where an implicit member comes from (APPOINTMENT…).</summary>
public sealed record CareTeamEntry(Guid UserId, string Name, string? Email,
    [property: Platform.Errors.OneOf(typeof(CareTeamRoles), nameof(CareTeamRoles.All))] string Role, string Source, DateTimeOffset? Since);
