using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Writes a patient list as CSV or XLSX row by row (XLSX through a temporary file, so the answer can carry its
/// length), so memory stays flat however many rows there are.
/// Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote.
/// </summary>
public static class PatientExport
{
    static readonly string[] Header =
    [
        "patientCode", "firstName", "middleName", "lastName", "dateOfBirth", "age", "gender", "phone", "email", "city", "state",
        "bloodType", "insuranceType", "maritalStatus", "patientType", "nationalId", "lastVisitAt", "createdAt", "deletedAt",
    ];

    static string?[] Cells(PatientListItem p) =>
    [
        p.PatientCode, p.FirstName, p.MiddleName, p.LastName, p.DateOfBirth?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        p.Age?.ToString(CultureInfo.InvariantCulture), p.Gender, p.Phone, p.Email, p.City, p.State, p.BloodType, p.InsuranceType,
        p.MaritalStatus, p.PatientType, p.NationalId, p.LastVisitAt?.ToString("O"), p.CreatedAt?.ToString("O"), p.DeletedAt?.ToString("O"),
    ];

    /// <summary>Neutralises spreadsheet formula injection (OWASP CSV injection guidance).</summary>
    public static string? Neutralise(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    public static async Task<int> WriteCsvAsync(IAsyncEnumerable<PatientListItem> rows, Stream output, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 64 * 1024);
        await writer.WriteAsync(string.Join(',', Header) + "\r\n");
        var count = 0;
        await foreach (var p in rows.WithCancellation(ct))
        {
            var line = string.Join(',', Cells(p).Select(c => Quote(Neutralise(c))));
            await writer.WriteAsync(line + "\r\n");
            if (++count % 2000 == 0) await writer.FlushAsync(ct);
        }
        await writer.FlushAsync(ct);
        return count;
    }

    /// <summary>One CSV cell of any export: formula-looking text neutralised, quoted when needed.</summary>
    public static string Cell(string? value) => Quote(Neutralise(value));

    static string Quote(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>
    /// Writes the workbook to <paramref name="output"/> as it goes. The Open XML SDK (2.20) packages always open
    /// read-write, and a read-write package keeps every part in memory until it is saved (800 MB for 180k rows),
    /// so the zip is written here in streaming create mode: four small fixed parts, and the worksheet written by
    /// the SDK's <see cref="OpenXmlWriter"/> straight into its entry.
    /// </summary>
    public static async Task<int> WriteXlsxAsync(IAsyncEnumerable<PatientListItem> rows, Stream output, CancellationToken ct)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        void Part(string name, string xml)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name, CompressionLevel.Fastest).Open(), new UTF8Encoding(false));
            writer.Write(xml);
        }
        Part("[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>""");
        Part("_rels/.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
        Part("xl/workbook.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>""");
        Part("xl/_rels/workbook.xml.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>""");

        var count = 0;
        await using var sheet = zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Fastest).Open();
        using var writer = OpenXmlWriter.Create(sheet, Encoding.UTF8);
        writer.WriteStartDocument(true);
        writer.WriteStartElement(new Worksheet());
        writer.WriteStartElement(new SheetData());
        WriteRow(writer, Header);
        await foreach (var p in rows.WithCancellation(ct))
        {
            WriteRow(writer, Cells(p));
            count++;
        }
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.Close();
        return count;
    }

    static void WriteRow(OpenXmlWriter writer, IEnumerable<string?> cells)
    {
        writer.WriteStartElement(new Row());
        foreach (var c in cells)
        {
            // Inline strings: every value is text, so nothing is ever evaluated as a formula or reformatted.
            writer.WriteStartElement(new Cell { DataType = CellValues.InlineString });
            writer.WriteElement(new InlineString(new Text(Neutralise(c) ?? "") { Space = SpaceProcessingModeValues.Preserve }));
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }
}
