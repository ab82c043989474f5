using System.Text.RegularExpressions;
using Carebase.Api.Features.Demo;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Connections;
using Npgsql;

namespace Carebase.Api;

/// <summary>
/// The same executable is the admin CLI: <c>migrate</c>, <c>seed-demo</c>, <c>freshen-demo --days N</c>,
/// <c>reset-demo</c>, <c>create-super-admin --email E --password P</c>. Every command run is recorded in the
/// platform audit trail. Start-up preparation and the operator's messages live here too.
/// </summary>
public static partial class Cli
{
    static readonly string[] Commands = ["migrate", "seed-demo", "freshen-demo", "reset-demo", "create-super-admin"];
    const string ResetPasswordFlag = "--reset-password";

    public const string Usage = """
        Usage: Carebase.Api [command] [--option value ...]

        Without a command, runs the service (options: --urls http://host:port, or any setting as --Section:Key value;
        settings usually come from environment variables, see the README).

        Commands (they use the same configuration; with the embedded PostgreSQL they use the server a running
        service started, and leave it running):
          migrate                      apply pending migrations to every schema
          seed-demo                    create the demo hospitals if missing
          freshen-demo --days N        move demo dates N days forward (1..3650)
          reset-demo                   delete and re-seed the demo hospitals
          create-super-admin --email E --password P [--first-name F] [--last-name L] [--reset-password]
                                       create a platform super admin (the password may come from
                                       CAREBASE_SUPERADMIN_PASSWORD instead); on an existing super admin it changes
                                       nothing, or with --reset-password sets the password and ends its sessions
        """;

    /// <summary>What the command line asks for: an admin command (null: run the service), and the arguments left for configuration.</summary>
    public sealed record Invocation(string? Command, bool ResetPassword, string[] Settings);

    /// <summary>
    /// Null when the arguments ask for help (<paramref name="problem"/> null) or do not make sense (it says why):
    /// then print <see cref="Usage"/>.
    /// </summary>
    public static Invocation? Parse(string[] args, out string? problem)
    {
        problem = null;
        string? command = null;
        var resetPassword = false;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?" or "/?" or "help") return null;
            if (arg == ResetPasswordFlag) resetPassword = true;
            else if (arg.StartsWith('-') || arg.StartsWith('/'))
            {
                // A setting: "--key=value", or "--key value".
                settings.Add(arg);
                if (!arg.Contains('=') && i + 1 < args.Length) settings.Add(args[++i]);
            }
            else if (command is null && Commands.Contains(arg)) command = arg;
            else
            {
                problem = command is null ? $"Unknown command '{arg}'." : $"Unexpected argument '{arg}'.";
                return null;
            }
        }
        if (resetPassword && command != "create-super-admin")
        {
            problem = $"{ResetPasswordFlag} goes with create-super-admin only.";
            return null;
        }
        return new Invocation(command, resetPassword, [.. settings]);
    }

    /// <summary>The usage (after the problem, on the error output, if there is one); the exit code is 2 either way.</summary>
    public static int PrintUsage(string? problem)
    {
        if (problem is null) Console.WriteLine(Usage);
        else Console.Error.WriteLine($"{problem}\n\n{Usage}");
        return 2;
    }

    public static async Task<int> RunAsync(WebApplication app, Invocation invocation)
    {
        var command = invocation.Command!;
        var config = app.Configuration;
        var ct = CancellationToken.None;
        var days = 0;
        var (email, password) = (config["email"]?.Trim(), config["password"] ?? Environment.GetEnvironmentVariable("CAREBASE_SUPERADMIN_PASSWORD"));
        if (command == "freshen-demo" && (!int.TryParse(config["days"], out days) || days is < 1 or > 3650))
        {
            Console.Error.WriteLine("Usage: freshen-demo --days N (1..3650)");
            return 2;
        }
        if (command == "create-super-admin" && (string.IsNullOrWhiteSpace(email) || string.IsNullOrWhiteSpace(password)))
        {
            Console.Error.WriteLine($"Usage: create-super-admin --email E --password P [--first-name F --last-name L] [{ResetPasswordFlag}] (or CAREBASE_SUPERADMIN_PASSWORD)");
            return 2;
        }

        await app.Services.GetRequiredService<MigrationRunner>().MigrateAllAsync(ct);
        await CatalogSync.SyncAllAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System.GetUtcNow(), ct);
        var demo = app.Services.GetRequiredService<DemoData>();
        switch (command)
        {
            case "migrate":
                await AuditAsync(app, command, AuditOutcome.Success);
                Console.WriteLine("Database is migrated.");
                return 0;
            case "seed-demo":
                await demo.SeedAsync(ct);
                await AuditAsync(app, command, AuditOutcome.Success);
                Console.WriteLine("Demo hospitals 'general' and 'sunrise' are seeded.");
                return 0;
            case "freshen-demo":
                var moved = await demo.FreshenAsync(days, ct);
                await AuditAsync(app, command, AuditOutcome.Success, details: new() { ["days"] = days, ["moved"] = moved });
                Console.WriteLine($"Moved {moved} demo records {days} days forward.");
                return 0;
            case "reset-demo":
                await demo.ResetAsync(ct);
                await AuditAsync(app, command, AuditOutcome.Success);
                Console.WriteLine("Demo hospitals were deleted and seeded again.");
                return 0;
            default: // create-super-admin
                SuperAdminChange change;
                Guid userId;
                try
                {
                    (change, userId) = await demo.SeedSuperAdminAsync(email!, password!, config["first-name"] ?? "Platform", config["last-name"] ?? "Admin",
                        ct, invocation.ResetPassword);
                }
                catch (ProblemException e)
                {
                    await AuditAsync(app, command, AuditOutcome.Failure, details: new() { ["email"] = email, ["reason"] = e.Code });
                    var why = e is ValidationException v ? string.Join(" ", v.Errors.SelectMany(x => x.Value)) : e.Message;
                    Console.Error.WriteLine($"Could not create the super admin: {why}");
                    return 1;
                }
                var result = change switch
                {
                    SuperAdminChange.Created => "created",
                    SuperAdminChange.PasswordReset => "password_reset",
                    _ => "unchanged",
                };
                await AuditAsync(app, command, AuditOutcome.Success, userId, new() { ["email"] = email, ["result"] = result });
                Console.WriteLine(change switch
                {
                    SuperAdminChange.Created => $"Super admin {email} is created.",
                    SuperAdminChange.PasswordReset => $"Super admin {email} already existed: its password is now the one given, and its sessions are ended.",
                    _ => $"Super admin {email} already exists: nothing was changed (add {ResetPasswordFlag} to give it this password).",
                });
                return 0;
        }
    }

    /// <summary>
    /// One platform audit entry per command run (<c>cli.&lt;command&gt;</c>), naming the operating-system account and
    /// host it ran from: there is no signed-in user. Written right after the command's own transaction.
    /// </summary>
    static async Task AuditAsync(WebApplication app, string command, string outcome, Guid? userId = null, Dictionary<string, object?>? details = null)
    {
        details ??= [];
        details["osUser"] = Environment.UserName;
        details["host"] = Environment.MachineName;
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<AuditLog>().WriteAsync("cli." + command, userId is null ? "platform" : "user", userId,
            details, outcome, new AuditActor(null, null, [], null), platform: true);
    }

    /// <summary>Before serving: migrate every schema, sync the permission catalog, seed the demo on a first demo run.</summary>
    public static async Task PrepareAsync(WebApplication app)
    {
        var ct = app.Lifetime.ApplicationStopping;
        if (app.Configuration["Carebase:MigrateOnStartup"] != "false")
            await app.Services.GetRequiredService<MigrationRunner>().MigrateAllAsync(ct);
        await CatalogSync.SyncAllAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System.GetUtcNow(), ct);
        var demo = app.Services.GetRequiredService<DemoData>();
        if (app.Configuration.GetValue<bool>("Carebase:DemoMode") && !await demo.IsSeededAsync(ct))
            await demo.SeedAsync(ct);
    }

    /// <summary>Once listening: says where, and names this server to any process the data folder refuses.</summary>
    public static void Started(WebApplication app)
    {
        var urls = app.Urls.Count > 0 ? string.Join(", ", app.Urls) : "http://localhost:5080";
        app.Services.GetService<EmbeddedPostgres>()?.Describe($"the Carebase server at {urls}");
        var first = urls.Split(',')[0].Trim();
        Console.WriteLine($"""

            Carebase is running at {urls}
              API docs:  {first}/docs   (ReDoc: {first}/redoc)
              Health:    {first}/health/ready
            """);
        if (app.Configuration.GetValue<bool>("Carebase:DemoMode"))
            Console.WriteLine($"""
              Demo logins (password {DemoData.Password}):
                {DemoData.SuperAdminEmail}
                admin@general.demo, doctor@, nurse@, reception@, pharmacist@, lab@, patient@general.demo
                admin@sunrise.demo, doctor@, nurse@, reception@, pharmacist@, lab@, patient@sunrise.demo
              Press Ctrl+C to stop (the private PostgreSQL stops with it).

            """);
    }

    /// <summary>The one line for a listening address that something else holds, when that is why start-up failed.</summary>
    public static string? AddressInUse(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is not IOException { InnerException: AddressInUseException }) continue;
            var address = BindFailure().Match(x.Message) is { Success: true } m ? m.Groups[1].Value : "the configured address";
            return $"Cannot listen on {address}: the port is already in use (another Carebase server, or another program). Stop it, or choose another address with --urls or ASPNETCORE_URLS.";
        }
        return null;
    }

    // Kestrel's message: "Failed to bind to address http://127.0.0.1:5080: address already in use."
    [GeneratedRegex(@"address (\S+): address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BindFailure();
}
