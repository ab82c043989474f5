namespace Carebase.Api.Platform.Time;

/// <summary>PostgreSQL keeps timestamps to the microsecond: values written are truncated so an answer built from memory equals one read back.</summary>
public static class Microseconds
{
    public static DateTimeOffset Truncate(DateTimeOffset t) => t.AddTicks(-(t.Ticks % 10));
}

/// <summary>
/// The system clock to the microsecond PostgreSQL keeps, registered as the application's <see cref="TimeProvider"/>: every
/// "now" a feature writes is already what the database will store, so an answer built from memory equals one read back.
/// </summary>
public sealed class DatabaseClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => Microseconds.Truncate(System.GetUtcNow());
}
