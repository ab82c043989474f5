using System.Text;

namespace Carebase.Api.Platform.Files;

/// <summary>
/// What a file is, from its first bytes (magic numbers), never from the name or the type a client declares. The
/// storable types are the ones a hospital may allow; executables, scripts, markup and archives are recognised only to
/// be refused by name.
/// </summary>
public static class FileTypes
{
    public const string Pdf = "application/pdf";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string Webp = "image/webp";
    public const string Tiff = "image/tiff";
    public const string Dicom = "application/dicom";
    public const string Text = "text/plain";

    /// <summary>Every type a hospital may allow (and the default set: all of them).</summary>
    public static readonly string[] Storable = [Pdf, Png, Jpeg, Gif, Webp, Tiff, Dicom, Text];

    /// <summary>How many leading bytes <see cref="Sniff"/> looks at (a DICOM file's marker sits after a 128-byte preamble).</summary>
    public const int HeadLength = 4096;

    /// <summary>The usual extension of a storable type, for a file name that has none.</summary>
    public static string Extension(string type) => type switch
    {
        Pdf => ".pdf", Png => ".png", Jpeg => ".jpg", Gif => ".gif", Webp => ".webp", Tiff => ".tiff", Dicom => ".dcm", _ => ".txt",
    };

    /// <summary>
    /// The type of a file from its first bytes (up to <see cref="HeadLength"/>, fewer for a short file), and whether it is
    /// an executable or a script (never stored, whatever a hospital allows).
    /// </summary>
    public static (string Type, bool Executable) Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("%PDF-"u8)) return (Pdf, false);
        if (Starts(head, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return (Png, false);
        if (Starts(head, [0xFF, 0xD8, 0xFF])) return (Jpeg, false);
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return (Gif, false);
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return (Webp, false);
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)) return (Tiff, false);
        if (head.Length >= 132 && head[128..132].SequenceEqual("DICM"u8)) return (Dicom, false);

        if (head.StartsWith("MZ"u8)) return ("application/x-msdownload", true);
        if (Starts(head, [0x7F, (byte)'E', (byte)'L', (byte)'F'])) return ("application/x-executable", true);
        if (Starts(head, [0xCA, 0xFE, 0xBA, 0xBE]) || Starts(head, [0xFE, 0xED, 0xFA, 0xCE]) || Starts(head, [0xFE, 0xED, 0xFA, 0xCF])
            || Starts(head, [0xCE, 0xFA, 0xED, 0xFE]) || Starts(head, [0xCF, 0xFA, 0xED, 0xFE]))
            return ("application/x-mach-binary", true);
        if (head.StartsWith("\0asm"u8)) return ("application/wasm", true);
        if (head.StartsWith("PK\x03\x04"u8)) return ("application/zip", false);

        if (TextOf(head) is { } text)
        {
            var start = text.TrimStart('\uFEFF').TrimStart();
            if (start.StartsWith("#!", StringComparison.Ordinal)) return ("text/x-script", true);
            if (start.StartsWith('<')) return ("text/html", true); // markup runs script in a browser: never served back
            if (start.StartsWith("@echo", StringComparison.OrdinalIgnoreCase)) return ("text/x-script", true);
            return (Text, false);
        }
        return ("application/octet-stream", false);
    }

    static bool Starts(ReadOnlySpan<byte> head, ReadOnlySpan<byte> magic) => head.StartsWith(magic);

    /// <summary>The head as text when it is UTF-8 without NUL or other control characters (a cut last character is fine).</summary>
    static string? TextOf(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return null;
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        var chars = new char[head.Length];
        int used;
        try
        {
            // flush: false keeps a multi-byte character cut by the end of the head from counting as invalid.
            used = decoder.GetChars(head, chars, flush: false);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var text = new string(chars, 0, used);
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r' or '\f')) return null;
        return text;
    }

    /// <summary>
    /// A file name safe to keep and to send back: the last path segment, no control characters, no characters file
    /// systems refuse, at most 255 characters (the extension kept); <paramref name="fallback"/> when nothing is left.
    /// </summary>
    public static string SafeName(string? name, string fallback)
    {
        name = (name ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var b = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormC))
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '"' or '<' or '>' or '|' or ':' or '*' or '?' or '\uFFFE' or '\uFFFF') b.Append('_');
            else b.Append(c);
        }
        var clean = b.ToString().Trim().Trim('.').Trim();
        if (clean.Length == 0) return fallback;
        if (clean.Length > 255)
        {
            var ext = Path.GetExtension(clean);
            clean = ext.Length is > 0 and <= 16 ? clean[..(255 - ext.Length)] + ext : clean[..255];
        }
        return clean;
    }
}
