using System.Net.Sockets;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>The executable's command line, run as a process: usage, admin commands, their audit trail, and start-up failures in one line.</summary>
public sealed class CliTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_the_usage_and_exits_2_without_starting_anything(string help)
    {
        var folder = TestDatabase.NewFolder("cli");
        var (exit, stdout, _) = await ServiceProcess.RunAsync(folder, null, help);
        Assert.Equal(2, exit);
        Assert.StartsWith("Usage: Carebase.Api [command]", stdout);
        Assert.Contains("create-super-admin --email E --password P", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Theory]
    [InlineData("frobnicate", "Unknown command 'frobnicate'.")]
    [InlineData("migrate extra", "Unexpected argument 'extra'.")]
    [InlineData("migrate --reset-password", "--reset-password goes with create-super-admin only.")]
    public async Task A_command_line_that_makes_no_sense_says_why_prints_the_usage_and_exits_2(string args, string problem)
    {
        var folder = TestDatabase.NewFolder("cli");
        var (exit, stdout, stderr) = await ServiceProcess.RunAsync(folder, null, args.Split(' '));
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.StartsWith(problem + "\n\nUsage: Carebase.Api [command]", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task Create_super_admin_creates_changes_nothing_or_resets_on_request_refuses_a_hospital_email_and_is_audited()
    {
        var database = await TestDatabase.CreateDatabaseAsync("cli");
        await using var app = await CarebaseApp.CreateAsync(database);
        var tenant = await app.NewTenantAsync();
        var email = $"ops-{Guid.NewGuid():N}"[..16] + "@example.org";
        var env = new Dictionary<string, string?> { ["ConnectionStrings__Carebase"] = database };
        Task<(int ExitCode, string Out, string Error)> Run(params string[] args) =>
            ServiceProcess.RunAsync(TestDatabase.NewFolder("cli"), env, ["create-super-admin", .. args]);

        var created = await Run("--email", email, "--password", CarebaseApp.Password);
        Assert.True(created.ExitCode == 0, created.Error);
        Assert.Equal($"Super admin {email} is created.", created.Out.Trim());
        await app.LoginAsync(email);

        var again = await Run("--email", email, "--password", "Another-Strong-Passphrase-7");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal($"Super admin {email} already exists: nothing was changed (add --reset-password to give it this password).", again.Out.Trim());
        await app.LoginAsync(email);

        var reset = await Run("--email", email, "--password", "Another-Strong-Passphrase-7", "--reset-password");
        Assert.Equal(0, reset.ExitCode);
        Assert.Contains("its password is now the one given", reset.Out);
        await app.LoginAsync(email, "Another-Strong-Passphrase-7");

        var taken = await Run("--email", tenant.AdminEmail, "--password", CarebaseApp.Password);
        Assert.Equal(1, taken.ExitCode);
        Assert.Equal($"Could not create the super admin: {tenant.AdminEmail} is the account of a hospital user; a super admin needs an email of its own.",
            Assert.Single(taken.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var trail = new List<string>();
        await using (var conn = new NpgsqlConnection(database))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                SELECT outcome || ' ' || coalesce(changes->>'result', changes->>'reason') || ' ' || (changes->>'osUser' IS NOT NULL)
                FROM platform.audit_log WHERE action = 'CLI_CREATE_SUPER_ADMIN' ORDER BY occurred_at
                """, conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) trail.Add(reader.GetString(0));
        }
        Assert.Equal(["SUCCESS created true", "SUCCESS unchanged true", "SUCCESS password_reset true", "FAILURE email_taken true"], trail);
    }

    [Fact]
    public async Task A_port_in_use_is_said_in_one_line()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";
        var env = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Carebase"] = await TestDatabase.CreateDatabaseAsync("port"),
            ["ASPNETCORE_URLS"] = url,
        };

        var (exit, _, stderr) = await ServiceProcess.RunAsync(TestDatabase.NewFolder("cli"), env);

        Assert.Equal(1, exit);
        Assert.Equal($"Cannot listen on {url}: the port is already in use (another Carebase server, or another program). Stop it, or choose another address with --urls or ASPNETCORE_URLS.",
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
