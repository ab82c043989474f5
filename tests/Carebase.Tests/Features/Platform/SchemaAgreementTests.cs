using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>The EF model and the schema the SQL migrations build agree: every mapped column exists with the same nullability, and every entity can be read.</summary>
public sealed class SchemaAgreementTests
{
    [Fact]
    public async Task Every_mapped_column_exists_in_the_migrated_schema_with_the_same_nullability()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var columns = new Dictionary<(string schema, string table, string column), bool>();
        await using (var conn = new NpgsqlConnection((await TestDatabase.GetAsync()).ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "SELECT table_schema, table_name, column_name, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema IN ('platform', $1)", conn);
            cmd.Parameters.AddWithValue(tenant.Schema);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) columns[(r.GetString(0), r.GetString(1), r.GetString(2))] = r.GetBoolean(3);
        }

        var problems = new List<string>();
        var model = await app.WithDbAsync(db => Task.FromResult(db.Model));
        foreach (var entity in model.GetEntityTypes().Where(e => e.GetTableName() is not null))
        {
            var schema = entity.GetSchema() ?? tenant.Schema;
            var table = entity.GetTableName()!;
            var id = StoreObjectIdentifier.Table(table, entity.GetSchema());
            foreach (var p in entity.GetProperties())
            {
                var column = p.GetColumnName(id)!;
                if (!columns.TryGetValue((schema, table, column), out var nullable))
                    problems.Add($"{entity.ClrType.Name}.{p.Name}: no column {schema}.{table}.{column}");
                else if (nullable != p.IsNullable && !p.IsKey() && p.ValueGenerated == ValueGenerated.Never)
                    problems.Add($"{entity.ClrType.Name}.{p.Name}: model nullable={p.IsNullable}, column nullable={nullable}");
            }
        }
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_entity_can_be_queried()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        await app.WithDbAsync(async db =>
        {
            foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && !e.IsOwned()))
            {
                var set = typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entity.ClrType).Invoke(db, null)!;
                var query = (IQueryable<object>)set;
                await query.Take(1).ToListAsync();
            }
            return 0;
        }, tenant);
    }
}
