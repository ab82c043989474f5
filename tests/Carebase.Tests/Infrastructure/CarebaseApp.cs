using System.Net.Http.Headers;
using Carebase.Api.Features.Staff;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Carebase.Tests.Infrastructure;

/// <summary>
/// The service in-process over the real pipeline and a real PostgreSQL. Most tests share
/// <see cref="Shared"/> and isolate themselves by creating their own tenant; tests that need other
/// settings (rate limits, a small pool, a database of their own) build their own instance.
/// </summary>
public sealed class CarebaseApp : WebApplicationFactory<Program>
{
    public const string Password = "Correct-Horse-Battery-9";
    static readonly Lazy<Task<CarebaseApp>> SharedApp = new(() => CreateAsync(settings: new Dictionary<string, string?>
    {
        ["Carebase:Messaging:DispatcherEnabled"] = "true",
    }));

    /// <summary>The instance most tests share.</summary>
    public static Task<CarebaseApp> Shared() => SharedApp.Value;

    static readonly Lazy<Task<CarebaseApp>> SharedDemoApp = new(async () =>
        await CreateAsync(await TestDatabase.CreateDatabaseAsync("demoshared"), new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" }));

    /// <summary>
    /// The demo hospitals seeded once in a database of their own, for the tests that only read them (seeding takes tens of
    /// seconds); a test that freshens or changes the demo seeds its own. Never dispose it.
    /// </summary>
    public static Task<CarebaseApp> SharedDemo() => SharedDemoApp.Value;

    readonly string _connectionString;
    readonly IReadOnlyDictionary<string, string?> _settings;
    readonly ILoggerProvider? _logs;
    public string DataDirectory { get; }
    public Mailbox Mail { get; }

    CarebaseApp(string connectionString, IReadOnlyDictionary<string, string?> settings, string dataDirectory, ILoggerProvider? logs)
    {
        _logs = logs;
        _connectionString = connectionString;
        _settings = settings;
        DataDirectory = dataDirectory;
        Mail = new Mailbox(Path.Combine(dataDirectory, "mail"));
    }

    /// <summary>A new instance. Pass a connection string to use another database, and settings to override.</summary>
    public static async Task<CarebaseApp> CreateAsync(string? connectionString = null, IDictionary<string, string?>? settings = null, string? dataDirectory = null,
        ILoggerProvider? logs = null)
    {
        // Another host on the shared database must not deliver its mail: the tests read the shared host's mailbox.
        var shared = new NpgsqlConnectionStringBuilder((await TestDatabase.GetAsync()).ConnectionString);
        connectionString ??= shared.ConnectionString;
        // Same server and database, whatever the other settings (a smaller pool, say).
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var sharedDatabase = target.Host == shared.Host && target.Port == shared.Port && target.Database == shared.Database;
        dataDirectory ??= TestDatabase.NewFolder("data");
        var all = new Dictionary<string, string?>
        {
            ["Carebase:DataProtection:MasterKey"] = "q83vEjE5y1P1qtKNPr8s0qS1yhRz1R8mKpW1nJpBcyM=",
            ["Carebase:DemoMode"] = "false",
            ["Carebase:Messaging:PollInterval"] = "00:00:00.200",
            ["Carebase:Messaging:DispatcherEnabled"] = sharedDatabase ? "false" : "true",
            // Tests run the stock expiry pass themselves; a pass per host start over every test hospital would only add load.
            ["Carebase:Pharmacy:ExpiryJobEnabled"] = "false",
            ["Carebase:RateLimits:GeneralPerMinute"] = "1000000",
            ["Carebase:RateLimits:AuthPerIpPerMinute"] = "1000000",
            ["Carebase:RateLimits:AuthPerAccountPerMinute"] = "1000000",
            ["Carebase:RateLimits:PublicLinkPerIpPerMinute"] = "1000000",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var app = new CarebaseApp(connectionString, all, dataDirectory, logs);
        _ = app.Server; // build and start the host now (migrations run here)
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Carebase", _connectionString);
        builder.UseSetting("Carebase:DataDirectory", DataDirectory);
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        // Warnings and errors only: the access log of thousands of test requests would drown the test output.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        // The test server has no request body size feature: the upload route's own limit cannot apply there, which the
        // router would warn about on every upload (the handler counts the file's bytes itself, so the limits are tested).
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware", "Error");
        if (_logs is not null) builder.ConfigureLogging(l => l.AddProvider(_logs));
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public HttpClient WithToken(string accessToken)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Signs in through the API and returns a client carrying the access token.</summary>
    public async Task<HttpClient> SignInAsync(string email, string password = Password)
    {
        var tokens = await LoginAsync(email, password);
        return WithToken(tokens.AccessToken);
    }

    public async Task<TokenPairDto> LoginAsync(string email, string password = Password)
    {
        using var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<TokenPairDto>())!;
    }

    /// <summary>A new ACTIVE hospital with its admin, created directly (not through registration).</summary>
    public async Task<TestTenant> NewTenantAsync(string? slugPrefix = null, string timezone = "UTC")
    {
        var slug = $"{slugPrefix ?? "t"}-{Guid.NewGuid():N}"[..20].TrimEnd('-');
        using var scope = Services.CreateScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CarebaseDb>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var tenant = Tenant.CreateActive(slug, $"Hospital {slug}", timezone, "USD", demo: false, TimeProvider.System.GetUtcNow());
        var admin = await sp.GetRequiredService<TenantProvisioning>()
            .CreateAsync(tenant, new NewAdmin("Ada", "Admin", $"admin@{slug}.test", Password, EmailConfirmed: true), default);
        await tx.CommitAsync();
        return new TestTenant(this, tenant.Id, slug, tenant.SchemaName, admin.Id, admin.Email!);
    }

    /// <summary>Runs a query or change directly on the database, outside the API (for setup and for checking invariants).</summary>
    public async Task<T> WithDbAsync<T>(Func<CarebaseDb, Task<T>> work, TestTenant? tenant = null)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
        if (tenant is not null) await db.UseTenantAsync(tenant.Id, tenant.Schema);
        return await work(db);
    }
}

public sealed record TokenPairDto(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken, bool MustChangePassword);

/// <summary>A tenant made for one test, with helpers to add staff in any role.</summary>
public sealed record TestTenant(CarebaseApp App, Guid Id, string Slug, string Schema, Guid AdminId, string AdminEmail)
{
    public Task<HttpClient> AdminAsync() => App.SignInAsync(AdminEmail);

    /// <summary>Creates a user with the given roles (directly, email confirmed, no forced change) and returns its id and email.</summary>
    public async Task<(Guid id, string email)> CreateUserAsync(params string[] roles)
    {
        var prefix = roles.Length == 0 ? "norole" : string.Join("-", roles).ToLowerInvariant().Replace('_', '-');
        var email = $"{prefix}-{Guid.NewGuid():N}"[..30] + $"@{Slug}.test";
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
        await db.UseTenantAsync(Id, Schema);
        var user = await scope.ServiceProvider.GetRequiredService<UserAccounts>().CreateAsync(Id, "Test", roles.FirstOrDefault() ?? "User",
            email, CarebaseApp.Password, mustChangePassword: false, emailConfirmed: true, passwordField: "password", default);
        var roleIds = await db.Set<Role>().Where(r => roles.Contains((string)r.Name)).Select(r => r.Id).ToListAsync();
        foreach (var roleId in roleIds) db.Add(new UserRole { UserId = user.Id, RoleId = roleId });
        await db.SaveChangesAsync();
        return (user.Id, email);
    }

    /// <summary>Signs in a new user holding <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientAsync(string role) => await App.SignInAsync((await CreateUserAsync(role)).email);
}
