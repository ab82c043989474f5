using System.Text;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// The one DbContext. Platform tables are mapped schema-qualified (<c>platform.users</c>); tenant
/// tables are unqualified and resolve through the search_path that <see cref="TenantSearchPath"/>
/// sets after every connection open (with the first command) to the request's tenant schema. Without a tenant the search_path
/// is just <c>public</c>, so a tenant table cannot be reached by accident.
/// </summary>
public sealed class CarebaseDb : IdentityUserContext<User, Guid>
{
    public CarebaseDb(DbContextOptions<CarebaseDb> options, TenantScope tenant) : base(options)
    {
        Tenant = tenant;
        // A SaveChanges inside a transaction would otherwise cost two more round trips (SAVEPOINT, RELEASE) to let
        // the transaction go on after a failed save. Nothing here goes on: a failed save ends its transaction.
        Database.AutoSavepointsEnabled = false;
    }

    public TenantScope Tenant { get; }

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        b.Entity<User>(e =>
        {
            e.ToTable("users", "platform");
            e.Property(u => u.ConcurrencyStamp).IsConcurrencyToken();
            e.Property(u => u.Version).IsConcurrencyToken();
            e.HasIndex(u => u.NormalizedUserName).HasDatabaseName("users_normalized_user_name_key").IsUnique();
            e.HasIndex(u => u.NormalizedEmail).HasDatabaseName("users_normalized_email_key").IsUnique();
        });
        b.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims", "platform");
        b.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins", "platform");
        b.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens", "platform");
        b.ApplyConfigurationsFromAssembly(typeof(CarebaseDb).Assembly);
        UseSnakeCase(b);
    }

    /// <summary>Columns, keys and indexes follow PostgreSQL's snake_case, as the SQL migrations write them.</summary>
    static void UseSnakeCase(ModelBuilder b)
    {
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && table.Any(char.IsUpper))
                entity.SetTableName(SnakeCase(table));
            foreach (var property in entity.GetProperties())
                if (property.GetColumnName() is var col && col.Any(char.IsUpper))
                    property.SetColumnName(SnakeCase(col));
        }
    }

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

public static class CarebaseDbExtensions
{
    /// <summary>A new transaction, or null when one is already open (the caller's, or an idempotent request's): then its opener commits.</summary>
    public static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction?> BeginOrJoinAsync(this CarebaseDb db, CancellationToken ct) =>
        db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;

    /// <summary>
    /// The unit of work's connection for raw SQL (already opened, by a transaction say), with the tenant's
    /// search_path sent: raw commands do not pass through <see cref="TenantSearchPath"/>'s command hook.
    /// </summary>
    public static async Task<Npgsql.NpgsqlConnection> SqlConnectionAsync(this CarebaseDb db, CancellationToken ct)
    {
        var conn = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        await TenantSearchPath.ApplyPendingAsync(db, conn, ct);
        return conn;
    }

    /// <summary>Opens the unit of work's connection for raw SQL with the tenant's search_path set (close it with CloseConnectionAsync).</summary>
    public static async Task<Npgsql.NpgsqlConnection> OpenForSqlAsync(this CarebaseDb db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        return await db.SqlConnectionAsync(ct);
    }

    /// <summary>
    /// Opens the unit of work's connection for raw SQL sent as one batch: when the connection still owes the tenant's
    /// search_path, the batch starts with it, so the path costs no round trip of its own (readers skip its empty result).
    /// Close the connection with CloseConnectionAsync; after a failed batch, close it before any more raw SQL (the
    /// failure took the SET with it).
    /// </summary>
    public static async Task<Npgsql.NpgsqlBatch> OpenSqlBatchAsync(this CarebaseDb db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var conn = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        var batch = new Npgsql.NpgsqlBatch(conn);
        if (TenantSearchPath.TakePending(conn)) batch.BatchCommands.Add(new Npgsql.NpgsqlBatchCommand(TenantSearchPath.SetSql(db.Tenant.Schema)));
        return batch;
    }

    /// <summary>
    /// Puts the unit of work in a tenant: sets the scope and, if the connection is already open
    /// (inside a transaction that just created the tenant, say), switches its search_path now.
    /// </summary>
    public static async Task UseTenantAsync(this CarebaseDb db, Guid tenantId, string schema, CancellationToken ct = default)
    {
        db.Tenant.Set(tenantId, schema);
        if (db.Database.GetDbConnection().State == System.Data.ConnectionState.Open)
            await db.Database.ExecuteSqlRawAsync(TenantSearchPath.SetSql(schema), ct);
    }
}
