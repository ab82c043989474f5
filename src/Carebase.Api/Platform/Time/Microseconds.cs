namespace Carebase.Api.Platform.Time;

/// <summary>PostgreSQL keeps timestamps to the microsecond: values written are truncated so an answer built from memory equals one read back.</summary>
public static class Microseconds
{
    public static DateTimeOffset Truncate(DateTimeOffset t) => t.AddTicks(-(t.Ticks % 10));
}
