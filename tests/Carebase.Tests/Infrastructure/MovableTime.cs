namespace Carebase.Tests.Infrastructure;

/// <summary>The system clock, moved forward on demand: inject it into a host (<c>WithWebHostBuilder</c>) to test what expires.</summary>
public sealed class MovableTime : TimeProvider
{
    long _offsetTicks;
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Signs <paramref name="client"/> (of a host on this clock) in as <paramref name="email"/>: call again once its token has expired.</summary>
    public static async Task SignInAsync(HttpClient client, string email)
    {
        client.DefaultRequestHeaders.Authorization = null;
        var tokens = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = CarebaseApp.Password })).JsonAsync();
        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens["accessToken"]!.GetValue<string>());
    }
}
