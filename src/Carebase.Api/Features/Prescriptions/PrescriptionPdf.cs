using System.Globalization;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Pdf;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>
/// The printable prescription: hospital, prescriber (name, licence), patient (name, age, code), date, RX code, the
/// allergy state, the items and a signature line. A draft prints watermarked DRAFT and a cancelled one CANCELLED, so
/// neither can pass for a prescription to dispense.
/// </summary>
public static class PrescriptionPdf
{
    static readonly double[] Columns = [0.36, 0.14, 0.20, 0.10, 0.10, 0.10];

    public static byte[] Render(PrescriptionResponse p, PrescriptionParties parties, string hospital, DateOnly today, TimeZoneInfo zone, string paper)
    {
        var watermark = p.Status switch { PrescriptionStatuses.Draft => "DRAFT", PrescriptionStatuses.Cancelled => "CANCELLED", _ => null };
        var written = TimeZoneInfo.ConvertTime(p.IssuedAt ?? p.CreatedAt, zone);
        using var pdf = new PdfPageWriter($"Prescription {p.Code ?? "(draft)"}", paper, watermark, p.IssuedAt ?? p.CreatedAt);
        pdf.Heading(hospital, 18);
        pdf.Paragraph("Prescription");
        pdf.Rule();
        pdf.Field("Rx code", p.Code ?? "DRAFT — not issued");
        pdf.Field("Date", written.ToString("d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture));
        pdf.Field("Prescriber", $"Dr {parties.DoctorName}" + (string.IsNullOrWhiteSpace(parties.Specialization) ? "" : $", {parties.Specialization}"));
        pdf.Field("Licence no.", parties.LicenseNumber);
        pdf.Space(6);
        pdf.Field("Patient", parties.PatientName);
        pdf.Field("Age", $"{Patient.AgeOn(parties.DateOfBirth, today)} years (born {parties.DateOfBirth.ToString("d MMM yyyy", CultureInfo.InvariantCulture)})");
        pdf.Field("Patient code", parties.PatientCode);
        pdf.Field("Allergies", p.Allergies.Text);
        pdf.Space(8);
        pdf.Row(["Medicine", "Dose", "Frequency", "Route", "Duration", "Quantity"], Columns, bold: true);
        foreach (var item in p.Items)
        {
            pdf.Row([$"{item.Index + 1}. {item.Medicine}", Dose(item), $"{item.Frequency} ({Frequencies.Of(item.Frequency).Label})", item.Route,
                item.DurationDays is { } days ? $"{days} day{(days == 1 ? "" : "s")}" : "", item.Quantity.ToString(CultureInfo.InvariantCulture)], Columns);
            if (item.Instructions is { } instructions) pdf.Paragraph(instructions, PdfPageWriter.Font(9), indent: 14);
            pdf.Space(3);
        }
        pdf.Rule();
        if (p.Notes is { } notes) pdf.Field("Notes", notes);
        foreach (var o in p.Overrides)
            pdf.Small($"Item {o.ItemIndex + 1}: {o.Detail} Issued over this conflict: {o.Reason}");
        if (p.Status == PrescriptionStatuses.Cancelled) pdf.Field("Cancelled", p.CancelReason);
        pdf.SignatureLine($"Dr {parties.DoctorName} — licence {parties.LicenseNumber}");
        return pdf.ToArray();
    }

    static string Dose(PrescriptionItemResponse i) =>
        i.DoseAmount is { } amount ? $"{amount.ToString("0.###", CultureInfo.InvariantCulture)} {i.DoseUnit}".Trim() : i.Dose ?? "";
}
