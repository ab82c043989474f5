using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Files;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Documents;

/// <summary>
/// Demo documents: small PDFs (lab reports, a referral, a discharge summary) and PNG images (imaging) made in code, on
/// the portal patient's record and a few others, so the list, the download and the patient portal have something to show.
/// </summary>
public static class DocumentsDemo
{
    public static readonly string[] FreshenStatements =
        ["UPDATE documents SET created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1"];

    static readonly (string Title, string Category, string File, string[] Lines)[] Pdfs =
    [
        ("Complete blood count", "LAB_REPORT", "cbc-report.pdf",
            ["Complete blood count", "Haemoglobin 13.8 g/dL (13.0-17.0)", "WBC 6.4 x10^9/L (4.0-11.0)", "Platelets 250 x10^9/L (150-400)"]),
        ("Referral to cardiology", "REFERRAL", "referral-cardiology.pdf",
            ["Referral to cardiology", "Intermittent palpitations for three weeks.", "ECG attached; please assess."]),
        ("Discharge summary", "DISCHARGE_SUMMARY", "discharge-summary.pdf",
            ["Discharge summary", "Admitted for community-acquired pneumonia.", "Discharged on oral antibiotics, review in 7 days."]),
        ("Lipid profile", "LAB_REPORT", "lipid-profile.pdf",
            ["Lipid profile", "Total cholesterol 5.1 mmol/L", "LDL 3.0 mmol/L", "HDL 1.3 mmol/L"]),
    ];

    /// <summary>Runs in the seeding transaction after the patients exist; the bytes go to the configured store.</summary>
    public static async Task SeedAsync(CarebaseDb db, IDocumentStore store, string slug, Guid portalPatient, DateTimeOffset now, CancellationToken ct)
    {
        var doctor = await db.Database.SqlQuery<Guid>(
            $"SELECT id AS \"Value\" FROM platform.users WHERE normalized_email = {$"DOCTOR@{slug.ToUpperInvariant()}.DEMO"}").SingleAsync(ct);
        var others = await db.Set<Patient>().Where(p => p.Id != portalPatient && p.DeletedAt == null && !p.Confidential)
            .OrderBy(p => p.PatientCode).Skip(1).Take(4).Select(p => p.Id).ToListAsync(ct);
        var n = 0;
        foreach (var patient in others.Prepend(portalPatient))
        {
            var (title, category, file, lines) = Pdfs[n % Pdfs.Length];
            await AddAsync(db, store, patient, title, category, file, Pdf(lines), doctor, now.AddDays(-3 - 5 * n), ct);
            if (n % 2 == 0)
                await AddAsync(db, store, patient, "Chest X-ray", "IMAGING", "chest-xray.png", Png(96, 96, n), doctor, now.AddDays(-2 - 5 * n), ct);
            n++;
        }
        await db.SaveChangesAsync(ct);
    }

    static async Task AddAsync(CarebaseDb db, IDocumentStore store, Guid patient, string title, string category, string file, byte[] bytes,
        Guid by, DateTimeOffset at, CancellationToken ct)
    {
        using var content = new MemoryStream(bytes, writable: false);
        var key = await store.PutAsync(content, ct);
        db.Add(Document.Create(patient, null, title, category, null, file, FileTypes.Sniff(bytes).Type, bytes.Length,
            Convert.ToHexStringLower(SHA256.HashData(bytes)), store.Name, key, by, at));
    }

    /// <summary>A one-page PDF with the lines in Helvetica: the smallest valid file (catalog, page, font, content, cross-reference table).</summary>
    public static byte[] Pdf(IReadOnlyList<string> lines)
    {
        var text = new StringBuilder("BT /F1 18 Tf 56 780 Td (").Append(Escape(lines[0])).Append(") Tj /F1 12 Tf");
        foreach (var line in lines.Skip(1)) text.Append(" 0 -24 Td (").Append(Escape(line)).Append(") Tj");
        text.Append(" ET");
        var stream = text.ToString();
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            $"<< /Length {Encoding.ASCII.GetByteCount(stream)} >>\nstream\n{stream}\nendstream",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.ASCII.GetByteCount(pdf.ToString()));
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.ASCII.GetByteCount(pdf.ToString());
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets) pdf.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n");
        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());

        static string Escape(string s) => s.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)");
    }

    /// <summary>A greyscale PNG: a soft radial glow, different for each <paramref name="seed"/> (an image viewer shows something).</summary>
    public static byte[] Png(int width, int height, int seed)
    {
        var raw = new byte[(width + 1) * height];
        for (var y = 0; y < height; y++)
        {
            raw[y * (width + 1)] = 0; // filter: none
            for (var x = 0; x < width; x++)
            {
                var dx = x - width / 2.0 + seed;
                var dy = y - height / 2.0;
                raw[y * (width + 1) + 1 + x] = (byte)Math.Clamp(230 - Math.Sqrt(dx * dx + dy * dy) * 4, 20, 230);
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (greyscale), compression, filter and interlace 0
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        png.Write(length);
    }

    static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
