using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Platform.Data;

public static class DatabaseSetup
{
    public const string ConnectionName = "Carebase";

    /// <summary>
    /// Registers the data source and the DbContext. With no connection string configured, starts the
    /// embedded PostgreSQL under the data folder first and returns it (the caller stops it on exit).
    /// </summary>
    public static async Task<EmbeddedPostgres?> AddCarebaseDatabaseAsync(this WebApplicationBuilder builder)
    {
        EmbeddedPostgres? embedded = null;
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (builder.Environment.IsProduction() && builder.Configuration["Carebase:AllowEmbeddedDatabase"] != "true")
                throw new EmbeddedPostgresUnavailableException("ConnectionStrings__Carebase is required in Production (the embedded PostgreSQL is for development and trials).");
            embedded = EmbeddedPostgres.Create(DataFolder.Resolve(builder.Configuration, builder.Environment));
            await embedded.StartAsync();
            connectionString = embedded.ConnectionString;
            builder.Configuration[$"ConnectionStrings:{ConnectionName}"] = connectionString;
            // A private database is a demo/trial install unless told otherwise.
            builder.Configuration["Carebase:DemoMode"] ??= "true";
        }

        var csb = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "carebase" };
        if (csb.Multiplexing || csb.NoResetOnClose)
            throw new InvalidOperationException("Multiplexing and No Reset On Close must stay off: they would carry one tenant's search_path into another's request.");

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString).Build());
        builder.Services.AddSingleton<TenantSearchPath>();
        builder.Services.AddSingleton<AuditSeal>();
        builder.Services.AddScoped<TenantScope>();
        builder.Services.AddDbContext<CarebaseDb>((sp, o) => o
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<TenantSearchPath>(), sp.GetRequiredService<AuditSeal>()));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton(TimeProvider.System);
        return embedded;
    }
}
