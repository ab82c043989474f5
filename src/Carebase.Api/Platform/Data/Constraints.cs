using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The one way a handler turns a constraint the database enforces into its answer: name the constraints that can fire
/// and the conflict each means. A violation of a constraint not named here still reaches the error handler, which
/// answers a generic 409 (duplicate, overlap) — never a 500.
/// </summary>
public static class Constraints
{
    public static async Task SaveOrConflictAsync(this CarebaseDb db, CancellationToken ct,
        params (string constraint, Func<ProblemException> problem)[] map)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException pg && Find(pg, map) is { } problem)
        {
            throw problem();
        }
    }

    /// <summary>The same for a statement run outside EF's change tracker.</summary>
    public static async Task<T> OrConflictAsync<T>(Func<Task<T>> work, params (string constraint, Func<ProblemException> problem)[] map)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when ((e as PostgresException ?? e.InnerException as PostgresException) is { } pg && Find(pg, map) is { } problem)
        {
            throw problem();
        }
    }

    /// <summary>A map entry names a constraint, or a SQLSTATE (e.g. <see cref="PostgresErrorCodes.ForeignKeyViolation"/>) for any constraint of that kind.</summary>
    static Func<ProblemException>? Find(PostgresException pg, (string constraint, Func<ProblemException> problem)[] map) =>
        map.FirstOrDefault(m => m.constraint == pg.ConstraintName || m.constraint == pg.SqlState).problem;
}
