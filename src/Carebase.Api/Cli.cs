using Carebase.Api.Features.Demo;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Npgsql;

namespace Carebase.Api;

/// <summary>
/// The same executable is the admin CLI: <c>migrate</c>, <c>seed-demo</c>, <c>freshen-demo --days N</c>,
/// <c>reset-demo</c>, <c>create-super-admin --email E --password P</c>. Start-up preparation lives here too.
/// </summary>
public static class Cli
{
    static readonly string[] Commands = ["migrate", "seed-demo", "freshen-demo", "reset-demo", "create-super-admin"];

    public static string? CommandIn(string[] args) => args.FirstOrDefault(a => Commands.Contains(a));

    public static async Task<int> RunAsync(WebApplication app, string command)
    {
        var config = app.Configuration;
        var ct = CancellationToken.None;
        await app.Services.GetRequiredService<MigrationRunner>().MigrateAllAsync(ct);
        await CatalogSync.SyncAllAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System.GetUtcNow(), ct);
        var demo = app.Services.GetRequiredService<DemoData>();
        switch (command)
        {
            case "migrate":
                Console.WriteLine("Database is migrated.");
                return 0;
            case "seed-demo":
                await demo.SeedAsync(ct);
                Console.WriteLine("Demo hospitals 'general' and 'sunrise' are seeded.");
                return 0;
            case "freshen-demo":
                if (!int.TryParse(config["days"], out var days) || days is < 1 or > 3650)
                {
                    Console.Error.WriteLine("Usage: freshen-demo --days N (1..3650)");
                    return 2;
                }
                Console.WriteLine($"Moved {await demo.FreshenAsync(days, ct)} demo records {days} days forward.");
                return 0;
            case "reset-demo":
                await demo.ResetAsync(ct);
                Console.WriteLine("Demo hospitals were deleted and seeded again.");
                return 0;
            case "create-super-admin":
                var (email, password) = (config["email"], config["password"] ?? Environment.GetEnvironmentVariable("CAREBASE_SUPERADMIN_PASSWORD"));
                if (string.IsNullOrWhiteSpace(email) || string.IsNullOrWhiteSpace(password))
                {
                    Console.Error.WriteLine("Usage: create-super-admin --email E --password P [--first-name F --last-name L] (or CAREBASE_SUPERADMIN_PASSWORD)");
                    return 2;
                }
                try
                {
                    await demo.SeedSuperAdminAsync(email, password, config["first-name"] ?? "Platform", config["last-name"] ?? "Admin", ct);
                }
                catch (Platform.Errors.ProblemException e)
                {
                    var fields = e is Platform.Errors.ValidationException v ? string.Join(" ", v.Errors.SelectMany(x => x.Value)) : e.Message;
                    Console.Error.WriteLine($"Could not create the super admin: {fields}");
                    return 1;
                }
                Console.WriteLine($"Super admin {email} is ready.");
                return 0;
            default:
                return 2;
        }
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

    public static void PrintWelcome(WebApplication app)
    {
        var urls = app.Urls.Count > 0 ? string.Join(", ", app.Urls) : "http://localhost:5080";
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
}
