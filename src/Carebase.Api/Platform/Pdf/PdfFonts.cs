using System.Collections.Concurrent;
using PdfSharp.Fonts;

namespace Carebase.Api.Platform.Pdf;

/// <summary>
/// The one font of every document the service prints: DejaVu Sans (regular and bold), shipped in the assembly (open
/// licence, see Fonts/LICENSE.txt) and embedded in each PDF, so a document renders the same on every machine whatever
/// fonts it has, and any script the font covers prints. PDFsharp takes one resolver per process, set once here.
/// </summary>
public sealed class PdfFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    const string Regular = "DejaVuSans", Bold = "DejaVuSans-Bold";

    static readonly Lazy<bool> Installed = new(() =>
    {
        // PDFsharp is pinned to 6.2.x, the last MIT-licensed line: from 6.5 on it is AGPL (or a paid key), which would
        // bind every hospital that runs Carebase to the AGPL's terms.
        GlobalFontSettings.FontResolver = new PdfFonts();
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    readonly ConcurrentDictionary<string, byte[]> _faces = new();

    /// <summary>Makes sure PDFsharp is set up (the font resolver) before a document is made (idempotent, thread-safe).</summary>
    public static void EnsureInstalled() => _ = Installed.Value;

    /// <summary>Every family asked for resolves to DejaVu Sans; italic is simulated by PDFsharp.</summary>
    public FontResolverInfo ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        new(isBold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: isItalic);

    public byte[] GetFont(string faceName) => _faces.GetOrAdd(faceName, static face =>
    {
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream($"Carebase.Api.Platform.Pdf.Fonts.{face}.ttf")
            ?? throw new InvalidOperationException($"The font {face} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
