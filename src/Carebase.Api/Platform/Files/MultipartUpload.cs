using System.Text;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

namespace Carebase.Api.Platform.Files;

/// <summary>A file read off a multipart body into a store: its key there, sniffed type, size, SHA-256 and safe name.</summary>
public sealed record StoredFile(string Key, string ContentType, long Size, string Sha256, string FileName);

/// <summary>
/// Reads a multipart/form-data upload straight off the request in one pass, never buffering the file: the parts in any
/// order, a file part's first bytes sniffed for its type (refused before anything is stored), the rest streamed into
/// the store while it is counted (413 past the limit) and hashed; text parts read with a bound. Used by every upload
/// (documents, lab attachments) so they refuse the same things the same way.
/// </summary>
public static class MultipartUpload
{
    /// <summary>Room for the multipart framing and the text parts on top of the file.</summary>
    public const int Overhead = 64 * 1024;

    /// <summary>
    /// Reads every part: <paramref name="onFile"/> for the part named file (once), the text parts named in
    /// <paramref name="textParts"/> into the answer; anything else is 422. The caller forgets a stored file when the request fails.
    /// </summary>
    public static async Task<(StoredFile? File, Dictionary<string, string> Fields)> ReadAsync(HttpRequest request, string describe,
        IReadOnlyCollection<string> textParts, int maxFieldBytes, Func<MultipartSection, ContentDispositionHeaderValue, Task<StoredFile>> onFile,
        Action<StoredFile> stored, CancellationToken ct)
    {
        var boundary = Boundary(request, describe);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        StoredFile? file = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 8 * 1024 };
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).ToString() is not { Length: > 0 } name)
                    throw new BadRequestException("malformed_form", "Every part of the body needs a Content-Disposition: form-data header with a name.");
                if (name == "file")
                {
                    if (file is not null) throw new ValidationException("file", "Send one file per upload.");
                    file = await onFile(section, disposition);
                    stored(file);
                }
                else if (textParts.Contains(name))
                {
                    if (!fields.TryAdd(name, await ReadTextAsync(section, name, maxFieldBytes, ct))) throw new ValidationException(name, "Send this field once.");
                }
                else throw new ValidationException(name.Length <= 64 ? name : name[..64], $"Unknown field: an upload takes {describe}.");
            }
            return (file, fields);
        }
        catch (Exception e) when (e is (IOException or InvalidDataException) and not BadHttpRequestException)
        {
            // A body that ends early or breaks the multipart framing.
            throw new BadRequestException("malformed_form", "The multipart body could not be read (cut short, or a malformed part).");
        }
    }

    /// <summary>Lets the body through up to <paramref name="maxFileBytes"/> and the framing (Kestrel stops a longer one, chunked too); 413 when it says it is longer.</summary>
    public static void LimitBody(HttpRequest request, long maxFileBytes)
    {
        if (request.ContentLength > maxFileBytes + Overhead) throw TooLarge(maxFileBytes);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxFileBytes + Overhead;
    }

    /// <summary>The boundary of a multipart/form-data body; 415 for any other body.</summary>
    static string Boundary(HttpRequest request, string describe)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            && HeaderUtilities.RemoveQuotes(type.Boundary).ToString() is { Length: > 0 and <= 70 } boundary)
            return boundary;
        throw new UnsupportedMediaTypeException("unsupported_media_type", $"Send multipart/form-data: {describe}.");
    }

    /// <summary>The file part into the store: sniffed first (415 for a type not allowed, and always for executables), then streamed and hashed.</summary>
    public static async Task<StoredFile> StoreAsync(MultipartSection section, ContentDispositionHeaderValue disposition, IDocumentStore store,
        long maxBytes, IReadOnlyCollection<string> allowed, string fallbackName, CancellationToken ct)
    {
        var head = new byte[FileTypes.HeadLength];
        var n = await section.Body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (n == 0) throw new ValidationException("file", "The file is empty.");
        var (type, executable) = FileTypes.Sniff(head.AsSpan(0, n));
        if (executable || !allowed.Contains(type))
            throw new UnsupportedMediaTypeException("unsupported_file_type",
                executable ? "The file is an executable or a script: those are never accepted."
                    : $"The file's bytes are {type}, which this hospital does not accept.",
                new Dictionary<string, object?>
                {
                    ["errors"] = new Dictionary<string, string[]> { ["file"] = [$"Detected {type}; accepted: {string.Join(", ", allowed)}."] },
                    ["detectedType"] = type,
                });
        await using var content = new HashingStream(head.AsMemory(0, n), section.Body, maxBytes);
        var key = await store.PutAsync(content, ct);
        var declared = disposition.FileNameStar.HasValue ? disposition.FileNameStar : HeaderUtilities.RemoveQuotes(disposition.FileName);
        var name = FileTypes.SafeName(declared.ToString(), fallbackName + FileTypes.Extension(type));
        return new StoredFile(key, type, content.BytesRead, content.Sha256Hex(), name);
    }

    static async Task<string> ReadTextAsync(MultipartSection section, string name, int maxBytes, CancellationToken ct)
    {
        var buffer = new byte[maxBytes + 1];
        var n = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (n > maxBytes) throw new ValidationException(name, "Too long.");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, n);
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationException(name, "Must be UTF-8 text.");
        }
    }

    public static ContentTooLargeException TooLarge(long maxBytes) => new("file_too_large",
        $"The file is larger than the {maxBytes} bytes this hospital accepts.", new Dictionary<string, object?> { ["maxBytes"] = maxBytes });

    /// <summary>Removes the bytes of an upload that did not commit (a file store has no transaction to roll back).</summary>
    public static async Task ForgetAsync(IDocumentStore store, string key)
    {
        try { await store.DeleteAsync(key, CancellationToken.None); }
        catch (IOException) { /* an orphan file costs space only: no row names it */ }
    }

    /// <summary>Why the stored bytes are not the uploaded ones (missing, another size, another hash), or null when they are; checked before sending a file.</summary>
    public static async Task<string?> IntegrityProblemAsync(IDocumentStore store, string key, long size, string sha256, CancellationToken ct)
    {
        try
        {
            await using var content = await store.OpenAsync(key, ct);
            await using var hashing = new HashingStream(ReadOnlyMemory<byte>.Empty, content, long.MaxValue);
            await hashing.CopyToAsync(Stream.Null, 81920, ct);
            if (hashing.BytesRead != size) return $"size {hashing.BytesRead} instead of {size}";
            var actual = hashing.Sha256Hex();
            return actual == sha256 ? null : $"SHA-256 {actual}";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "the stored content is missing";
        }
    }
}
