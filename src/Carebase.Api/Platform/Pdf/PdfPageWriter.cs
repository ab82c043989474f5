using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Carebase.Api.Platform.Pdf;

/// <summary>The paper sizes documents print on.</summary>
public static class PaperSizes
{
    public const string A4 = "a4", Letter = "letter";
    public static readonly string[] List = [A4, Letter];
}

/// <summary>The query of every printable document's route: the paper size (A4 unless asked).</summary>
public sealed record PdfQuery(
    [property: Errors.OneOf(typeof(PaperSizes), nameof(PaperSizes.List)), System.ComponentModel.Description("a4 (default) or letter.")] string? Paper);

/// <summary>
/// Writes a printable document top to bottom: headings, wrapped paragraphs, label–value lines, tables whose cells wrap,
/// rules, a watermark (DRAFT) on every page, and a new page whenever the next block does not fit. Clinical printouts
/// (prescriptions, discharge summaries, invoices) are built from these few pieces.
/// </summary>
public sealed class PdfPageWriter : IDisposable
{
    const double Margin = 50, BodySize = 10, Leading = 1.35;

    readonly PdfDocument _document;
    readonly string _paper;
    readonly string? _watermark;
    readonly XFont _body, _bold, _small;
    XGraphics? _gfx;
    double _y;

    public PdfPageWriter(string title, string paper = PaperSizes.A4, string? watermark = null, DateTimeOffset? created = null)
    {
        PdfFonts.EnsureInstalled();
        _document = new PdfDocument();
        _paper = paper;
        _watermark = watermark;
        _document.Info.Title = title;
        _document.Info.Creator = "Carebase";
        // A fixed date (the document's own) rather than "now": the same document prints the same bytes' content.
        if (created is { } at) _document.Info.CreationDate = at.UtcDateTime;
        _body = Font(BodySize);
        _bold = Font(BodySize, bold: true);
        _small = Font(8);
        NewPage();
    }

    public static XFont Font(double size, bool bold = false) =>
        new(PdfFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, XPdfFontOptions.UnicodeDefault);

    XGraphics Gfx => _gfx!;
    double Width => Gfx.PageSize.Width - 2 * Margin;
    double Bottom => Gfx.PageSize.Height - Margin;

    void NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Size = _paper == PaperSizes.Letter ? PageSize.Letter : PageSize.A4;
        _gfx = XGraphics.FromPdfPage(page);
        if (_watermark is not null) Watermark(_watermark);
        _y = Margin;
    }

    void Watermark(string text)
    {
        var size = Gfx.PageSize;
        var state = Gfx.Save();
        Gfx.RotateAtTransform(-45, new XPoint(size.Width / 2, size.Height / 2));
        var font = Font(110, bold: true);
        var measured = Gfx.MeasureString(text, font);
        Gfx.DrawString(text, font, new XSolidBrush(XColor.FromArgb(60, 200, 0, 0)),
            new XPoint((size.Width - measured.Width) / 2, (size.Height + measured.Height / 2) / 2));
        Gfx.Restore(state);
    }

    /// <summary>A new page when <paramref name="height"/> points do not fit below the current line.</summary>
    void Ensure(double height)
    {
        if (_y + height > Bottom && _y > Margin) NewPage();
    }

    public void Heading(string text, double size = 16)
    {
        var font = Font(size, bold: true);
        Paragraph(text, font);
        _y += 4;
    }

    /// <summary>Text wrapped to the page width (line breaks kept).</summary>
    public void Paragraph(string text, XFont? font = null, double indent = 0)
    {
        font ??= _body;
        foreach (var line in Wrap(text, font, Width - indent))
        {
            var height = font.Size * Leading;
            Ensure(height);
            Gfx.DrawString(line, font, XBrushes.Black, new XPoint(Margin + indent, _y + font.Size));
            _y += height;
        }
    }

    /// <summary>"Label: value" with the label in bold; the value wraps under itself.</summary>
    public void Field(string label, string? value, double labelWidth = 110)
    {
        var lines = Wrap(string.IsNullOrWhiteSpace(value) ? "—" : value, _body, Width - labelWidth);
        var height = _body.Size * Leading;
        Ensure(height * Math.Min(lines.Count, 3));
        Gfx.DrawString(label, _bold, XBrushes.Black, new XPoint(Margin, _y + _body.Size));
        foreach (var line in lines)
        {
            Ensure(height);
            Gfx.DrawString(line, _body, XBrushes.Black, new XPoint(Margin + labelWidth, _y + _body.Size));
            _y += height;
        }
    }

    /// <summary>A table row: each cell wraps within its column (widths are fractions of the page width); a row never splits across pages.</summary>
    public void Row(IReadOnlyList<string?> cells, IReadOnlyList<double> widths, bool bold = false)
    {
        var font = bold ? _bold : _body;
        var columns = cells.Select((c, i) => Wrap(c ?? "", font, widths[i] * Width - 6)).ToList();
        var height = columns.Max(c => c.Count) * font.Size * Leading + 4;
        Ensure(height);
        var x = Margin;
        for (var i = 0; i < columns.Count; i++)
        {
            var y = _y;
            foreach (var line in columns[i])
            {
                Gfx.DrawString(line, font, XBrushes.Black, new XPoint(x, y + font.Size));
                y += font.Size * Leading;
            }
            x += widths[i] * Width;
        }
        _y += height;
        if (bold) Rule();
    }

    /// <summary>Small print (footers, notes).</summary>
    public void Small(string text) => Paragraph(text, _small);

    public void Rule()
    {
        Ensure(6);
        Gfx.DrawLine(XPens.Gray, Margin, _y + 2, Margin + Width, _y + 2);
        _y += 6;
    }

    public void Space(double points) => _y += points;

    /// <summary>A line to sign on, with its caption under it, kept on one page.</summary>
    public void SignatureLine(string caption)
    {
        Ensure(60);
        _y += 36;
        Gfx.DrawLine(XPens.Black, Margin, _y, Margin + 220, _y);
        _y += 4;
        Paragraph(caption, _small);
    }

    public byte[] ToArray()
    {
        _gfx?.Dispose();
        _gfx = null;
        using var stream = new MemoryStream();
        _document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    /// <summary>Words placed on lines no wider than <paramref name="width"/>; a word longer than a line is cut.</summary>
    List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Gfx.MeasureString(candidate, font).Width <= width) { line = candidate; continue; }
                if (line.Length > 0) lines.Add(line);
                line = word;
                while (line.Length > 1 && Gfx.MeasureString(line, font).Width > width)
                {
                    var fit = line.Length - 1;
                    while (fit > 1 && Gfx.MeasureString(line[..fit], font).Width > width) fit--;
                    lines.Add(line[..fit]);
                    line = line[fit..];
                }
            }
            lines.Add(line);
        }
        return lines;
    }

    public void Dispose()
    {
        _gfx?.Dispose();
        _document.Dispose();
    }
}
