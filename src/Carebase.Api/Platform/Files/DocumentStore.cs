using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Tenancy;
using Npgsql;

namespace Carebase.Api.Platform.Files;

/// <summary>
/// Where the bytes of stored files go: put a stream (a key comes back), open a key as a stream, delete a key. Keys are
/// the store's own; a file's metadata row keeps the store's <see cref="Name"/> and the key. Every store is per tenant.
/// </summary>
public interface IDocumentStore
{
    /// <summary>POSTGRES or DISK: recorded with each file, so files stay readable after the configured store changes.</summary>
    string Name { get; }

    /// <summary>True when a put is undone by rolling back the unit of work's transaction (nothing to delete then).</summary>
    bool Transactional { get; }

    /// <summary>Copies <paramref name="content"/> into the store, reading it once, a chunk at a time.</summary>
    Task<string> PutAsync(Stream content, CancellationToken ct);

    /// <summary>The stored bytes as a read-only stream (the caller disposes it); <see cref="FileNotFoundException"/> when gone.</summary>
    Task<Stream> OpenAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
}

/// <summary>The stores, by name: <c>Carebase:Documents:Store</c> (postgres, the default, or disk) takes new files.</summary>
public sealed class DocumentStorage(IEnumerable<IDocumentStore> stores, IConfiguration config)
{
    public const string Postgres = "POSTGRES";
    public const string Disk = "DISK";

    public static IServiceCollection AddDocumentStorage(IServiceCollection services) => services
        .AddScoped<IDocumentStore, PostgresDocumentStore>().AddScoped<IDocumentStore, DiskDocumentStore>().AddScoped<DocumentStorage>();

    /// <summary>The store new files go to.</summary>
    public IDocumentStore Current => For((config["Carebase:Documents:Store"] ?? "postgres").ToUpperInvariant());

    public IDocumentStore For(string name) => stores.FirstOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationException($"Unknown document store '{name}': set Carebase:Documents:Store to postgres or disk.");
}

/// <summary>
/// The default store: chunks of <see cref="ChunkBytes"/> in the tenant's <c>document_contents</c> table, written in the
/// unit of work's transaction (a failed upload leaves nothing) and read back one chunk per query, so neither an upload
/// nor a download holds more than a chunk in memory. Works across instances and is in every database backup.
/// </summary>
public sealed class PostgresDocumentStore(CarebaseDb db, NpgsqlDataSource dataSource) : IDocumentStore
{
    public const int ChunkBytes = 512 * 1024;

    public string Name => DocumentStorage.Postgres;
    public bool Transactional => true;

    public async Task<string> PutAsync(Stream content, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var conn = await db.SqlConnectionAsync(ct);
        var buffer = new byte[ChunkBytes];
        for (var chunk = 0; ; chunk++)
        {
            var n = await content.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, ct);
            if (n == 0 && chunk > 0) break;
            await using var cmd = new NpgsqlCommand("INSERT INTO document_contents (content_id, chunk, data) VALUES ($1, $2, $3)", conn)
            {
                Parameters = { new() { Value = id }, new() { Value = chunk }, new() { Value = new ArraySegment<byte>(buffer, 0, n) } },
            };
            await cmd.ExecuteNonQueryAsync(ct);
            if (n < ChunkBytes) break;
        }
        return id.ToString();
    }

    public async Task<Stream> OpenAsync(string key, CancellationToken ct)
    {
        var id = Guid.Parse(key);
        var table = $"{MigrationRunner.Quote(db.Tenant.Schema!)}.document_contents";
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var count = new NpgsqlCommand($"SELECT count(*)::int FROM {table} WHERE content_id = $1", conn) { Parameters = { new() { Value = id } } };
            var chunks = (int)(await count.ExecuteScalarAsync(ct))!;
            if (chunks == 0) throw new FileNotFoundException("The stored content is missing.", key);
            return new ChunkStream(conn, table, id, chunks);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        var conn = await db.SqlConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("DELETE FROM document_contents WHERE content_id = $1", conn) { Parameters = { new() { Value = Guid.Parse(key) } } };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads the chunks in order, one query each, on a connection of its own (released on dispose).</summary>
    sealed class ChunkStream(NpgsqlConnection conn, string table, Guid id, int chunks) : Stream
    {
        byte[] _current = [];
        int _offset, _next;

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
        {
            while (_offset == _current.Length)
            {
                if (_next == chunks) return 0;
                await using var cmd = new NpgsqlCommand($"SELECT data FROM {table} WHERE content_id = $1 AND chunk = $2", conn)
                {
                    Parameters = { new() { Value = id }, new() { Value = _next } },
                };
                _current = await cmd.ExecuteScalarAsync(ct) as byte[] ?? throw new FileNotFoundException("A chunk of the stored content is missing.");
                (_offset, _next) = (0, _next + 1);
            }
            var n = Math.Min(destination.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(destination);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await conn.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) conn.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// The alternative store: one file per upload under <c>Carebase:Documents:Directory</c> (default: <c>documents/</c> in the
/// data folder), a folder per tenant schema. Written to a temporary name and moved into place once complete. For a
/// single instance, or a shared volume; back the folder up with the database.
/// </summary>
public sealed class DiskDocumentStore(TenantScope tenant, IConfiguration config, IHostEnvironment env) : IDocumentStore
{
    public string Name => DocumentStorage.Disk;
    public bool Transactional => false;

    string Root => RootOf(config, env);

    static string RootOf(IConfiguration config, IHostEnvironment env) => config["Carebase:Documents:Directory"] is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : Path.Combine(DataFolder.Resolve(config, env), "documents");

    /// <summary>Removes a dropped tenant's folder (demo reset): its files belong to no row any more.</summary>
    public static void ForgetTenant(IConfiguration config, IHostEnvironment env, string schema)
    {
        var folder = Path.Combine(RootOf(config, env), schema);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    string PathOf(string key)
    {
        // Keys are ours (32 hex digits); anything else never reaches the file system.
        if (key.Length != 32 || !key.All(char.IsAsciiHexDigitLower)) throw new FileNotFoundException("Not a key of this store.", key);
        return Path.Combine(Root, tenant.Schema ?? throw new InvalidOperationException("No tenant in scope."), key[..2], key);
    }

    public async Task<string> PutAsync(Stream content, CancellationToken ct)
    {
        var key = Guid.CreateVersion7().ToString("N");
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, 81920, ct);
            File.Move(partial, path);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
        return key;
    }

    public Task<Stream> OpenAsync(string key, CancellationToken ct) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }
}
