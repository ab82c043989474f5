using Carebase.Api.Platform.Data;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Carebase.Api.Platform.Auth;

public static class AuthSetup
{
    public const string ApplicationName = "Carebase";

    public static WebApplicationBuilder AddCarebaseAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddDataProtection().SetApplicationName(ApplicationName);
        var masterKey = MasterKey(builder); // now, so a missing key stops start-up rather than the first sign-in
        services.Configure<MasterKeyOptions>(o => o.Key = masterKey);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new PostgresKeyRepository(sp.GetRequiredService<NpgsqlDataSource>());
            o.XmlEncryptor = new MasterKeyXmlEncryptor(sp.GetRequiredService<IOptions<MasterKeyOptions>>().Value.Key);
        }));

        services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = TokenIssuer.AccessLifetime;
                o.RefreshTokenExpiration = SessionStore.Lifetime;
            });
        // Safety net for an endpoint that forgot to declare its access: signed-in only. Unknown routes
        // (404) and the routing system's own 405/415 responders (plain, non-route endpoints) stay reachable.
        services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder()
            .RequireAssertion(ctx => ctx.User.Identity?.IsAuthenticated == true
                || (ctx.Resource is HttpContext http && http.GetEndpoint() is null or not RouteEndpoint))
            .Build());
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationHandler, StaffHandler>();

        services.AddIdentityCore<User>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.User.AllowedUserNameCharacters = null!; // the user name is the email; any valid email is fine
                o.Password.RequiredLength = PasswordPolicy.MinLength;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.Tokens.AuthenticatorIssuer = ApplicationName;
            })
            .AddEntityFrameworkStores<CarebaseDb>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<PasswordPolicy>();
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(24));
        services.AddScoped<PasswordPolicy>();
        services.AddScoped<UserAccounts>();
        services.AddScoped<AccountEmails>();

        services.AddSingleton<SessionStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddScoped<Caller>();
        return builder;
    }

    /// <summary>
    /// The master key from configuration. Outside Production a missing key falls back to one kept in
    /// the local data folder; in Production start-up stops with a clear line.
    /// </summary>
    static byte[] MasterKey(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["Carebase:DataProtection:MasterKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var bytes = new byte[32];
            if (!Convert.TryFromBase64String(configured.Trim(), bytes, out var written) || written != 32)
                throw new StartupException("Carebase__DataProtection__MasterKey must be 32 bytes, base64-encoded (`openssl rand -base64 32`).");
            return bytes;
        }
        if (builder.Environment.IsProduction())
            throw new StartupException("Carebase__DataProtection__MasterKey is required in Production (32 random bytes, base64: `openssl rand -base64 32`).");
        var file = Path.Combine(DataFolder.Resolve(builder.Configuration, builder.Environment), "master.key");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return Convert.FromBase64String(File.ReadAllText(file).Trim());
    }
}
