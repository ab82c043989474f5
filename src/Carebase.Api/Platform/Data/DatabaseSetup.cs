using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

using Carebase.Api.Platform.Time;

namespace Carebase.Api.Platform.Data;

public static class DatabaseSetup
{
    public const string ConnectionName = "Carebase";

    /// <summary>
    /// Registers the data source and the DbContext. With no connection string configured, starts the
    /// embedded PostgreSQL under the data folder first and returns it (the caller stops it on exit). An admin
    /// <paramref name="command"/> uses the server a running service owns rather than refusing.
    /// </summary>
    public static async Task<EmbeddedPostgres?> AddCarebaseDatabaseAsync(this WebApplicationBuilder builder, string? command = null)
    {
        EmbeddedPostgres? embedded = null;
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (builder.Environment.IsProduction() && builder.Configuration["Carebase:AllowEmbeddedDatabase"] != "true")
                throw new EmbeddedPostgresUnavailableException("ConnectionStrings__Carebase is required in Production (the embedded PostgreSQL is for development and trials).");
            embedded = EmbeddedPostgres.Create(DataFolder.Resolve(builder.Configuration, builder.Environment));
            await embedded.StartAsync(command is null ? "the Carebase server" : $"the command '{command}'", shareRunning: command is not null);
            builder.Services.AddSingleton(embedded).AddHostedService<EmbeddedPostgresSupervisor>();
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
            // A failed command is the error handler's to judge (a constraint the API answers with 409, or a real 500 it logs).
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug), (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug)))
            .AddInterceptors(sp.GetRequiredService<TenantSearchPath>(), sp.GetRequiredService<AuditSeal>()));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton<TimeProvider>(new DatabaseClock());
        return embedded;
    }
}
