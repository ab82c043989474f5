using Carebase.Api.Platform.Data;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// The embedded PostgreSQL as an operator meets it, through the built service run as a process: it is supervised
/// (killed, it comes back by itself), one process owns a data folder (a command beside the service uses its server
/// and leaves it running; a second service refuses), and the service stops cleanly whatever state it is in.
/// </summary>
public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task A_killed_database_is_restarted_by_the_service_which_then_stops_cleanly()
    {
        await using var service = ServiceProcess.Start();
        await service.WaitForReadyAsync();
        var killed = service.PostmasterPid();

        Assert.True(ServiceProcess.Signal(killed, "KILL"));

        await service.WaitForReadyAsync(HttpStatusCode.ServiceUnavailable);
        await service.WaitForReadyAsync(HttpStatusCode.OK);
        var restarted = service.PostmasterPid();
        Assert.NotEqual(killed, restarted);
        // The line is printed after the restart, maybe a moment after /health/ready first answers 200 again.
        await service.WaitForLineAsync(l => l.Contains("The embedded PostgreSQL had stopped; restarted it (attempt "));
        Assert.Single(service.Output, l => l.Contains("The embedded PostgreSQL had stopped; restarted it (attempt "));

        await StopsCleanlyAsync(service, restarted);
    }

    [Fact]
    public async Task A_command_beside_the_service_leaves_its_database_running_and_a_second_service_refuses_in_one_line()
    {
        await using var service = ServiceProcess.Start();
        await service.WaitForReadyAsync();
        var postmaster = service.PostmasterPid();

        var migrate = await ServiceProcess.RunAsync(service.DataFolder, null, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Out + migrate.Error);
        Assert.Contains("Database is migrated.", migrate.Out);
        Assert.Equal(postmaster, service.PostmasterPid());
        Assert.True(EmbeddedPostgres.ProcessAlive(postmaster));
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync("/health/ready")).StatusCode);

        var second = await ServiceProcess.RunAsync(service.DataFolder, new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" });
        Assert.Equal(1, second.ExitCode);
        var line = Assert.Single(second.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"in use by the Carebase server at {service.Url} (process ", line);
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync("/health/ready")).StatusCode);

        await StopsCleanlyAsync(service, postmaster);
    }

    /// <summary>Exit code 0, nothing thrown or logged with an exception while stopping, and its PostgreSQL stopped with it.</summary>
    static async Task StopsCleanlyAsync(ServiceProcess service, int postmaster)
    {
        Assert.Equal(0, await service.StopAsync());
        Assert.DoesNotContain(service.OutputAfterStop, l => l.Contains("Exception", StringComparison.OrdinalIgnoreCase) || l.Contains("   at "));
        Assert.False(EmbeddedPostgres.ProcessAlive(postmaster));
        Assert.False(File.Exists(service.PostmasterPidFile));
    }
}
