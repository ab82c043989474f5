using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Writes a patient list as CSV (straight to the response) or XLSX (through a temporary file with the
/// Open XML SDK's streaming writer), row by row, so memory stays flat however many rows there are.
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
        p.PatientCode, p.FirstName, p.MiddleName, p.LastName, p.DateOfBirth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        p.Age.ToString(CultureInfo.InvariantCulture), p.Gender, p.Phone, p.Email, p.City, p.State, p.BloodType, p.InsuranceType,
        p.MaritalStatus, p.PatientType, p.NationalId, p.LastVisitAt?.ToString("O"), p.CreatedAt.ToString("O"), p.DeletedAt?.ToString("O"),
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

    static string Quote(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>Writes the workbook to <paramref name="path"/> with the SAX-style writer (no DOM of the sheet in memory).</summary>
    public static async Task<int> WriteXlsxAsync(IAsyncEnumerable<PatientListItem> rows, string path, CancellationToken ct)
    {
        using var doc = SpreadsheetDocument.Create(path, SpreadsheetDocumentType.Workbook);
        var workbook = doc.AddWorkbookPart();
        var sheetPart = workbook.AddNewPart<WorksheetPart>();
        var count = 0;
        using (var writer = OpenXmlWriter.Create(sheetPart))
        {
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
        }
        using (var writer = OpenXmlWriter.Create(workbook))
        {
            writer.WriteStartElement(new Workbook());
            writer.WriteStartElement(new Sheets());
            writer.WriteElement(new Sheet { Name = "Patients", SheetId = 1, Id = workbook.GetIdOfPart(sheetPart) });
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
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
