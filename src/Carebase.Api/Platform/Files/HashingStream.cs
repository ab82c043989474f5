using System.Security.Cryptography;

namespace Carebase.Api.Platform.Files;

/// <summary>
/// A read-only stream of <paramref name="head"/> (bytes already read, to sniff the type) then <paramref name="inner"/>,
/// that counts and hashes (SHA-256) what is read and throws a 413 (file_too_large) past
/// <paramref name="maxBytes"/>: an upload is measured, hashed and stored in the one pass that reads it.
/// </summary>
public sealed class HashingStream(ReadOnlyMemory<byte> head, Stream inner, long maxBytes) : Stream
{
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    ReadOnlyMemory<byte> _head = head;

    public long BytesRead { get; private set; }

    /// <summary>The lower-case hex SHA-256 of everything read (call once, at the end).</summary>
    public string Sha256Hex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int n;
        if (!_head.IsEmpty)
        {
            n = Math.Min(buffer.Length, _head.Length);
            _head[..n].CopyTo(buffer);
            _head = _head[n..];
        }
        else n = await inner.ReadAsync(buffer, ct);
        BytesRead += n;
        if (BytesRead > maxBytes) throw new Errors.ContentTooLargeException("file_too_large",
            $"The file is larger than the {maxBytes} bytes this hospital accepts.", new Dictionary<string, object?> { ["maxBytes"] = maxBytes });
        _hash.AppendData(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
