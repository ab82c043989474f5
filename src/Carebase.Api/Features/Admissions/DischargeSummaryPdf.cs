using System.Globalization;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Pdf;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// The printable discharge summary: hospital, patient (name, age, code), the stay (admitted, discharged, length, wards and
/// beds), the admitting and final diagnoses, procedures, the course in hospital, medications on discharge, follow-up,
/// condition and disposition, and the primary doctor's signature line.
/// </summary>
public static class DischargeSummaryPdf
{
    static readonly double[] BedColumns = [0.34, 0.16, 0.25, 0.25];

    public static byte[] Render(AdmissionResponse a, string hospital, DateOnly dateOfBirth, DateOnly today, TimeZoneInfo zone, string paper)
    {
        var s = a.DischargeSummary!;
        string When(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture);
        using var pdf = new PdfPageWriter($"Discharge summary {a.PatientCode}", paper, null, a.DischargedAt);
        pdf.Heading(hospital, 18);
        pdf.Paragraph("Discharge summary");
        pdf.Rule();
        pdf.Field("Patient", a.PatientName);
        pdf.Field("Age", $"{Patient.AgeOn(dateOfBirth, today)} years (born {dateOfBirth.ToString("d MMM yyyy", CultureInfo.InvariantCulture)})");
        pdf.Field("Patient code", a.PatientCode);
        pdf.Field("Department", a.DepartmentName);
        pdf.Field("Primary doctor", $"Dr {a.PrimaryDoctorName}");
        pdf.Field("Admitted", $"{When(a.AdmittedAt)} ({a.Source.ToLowerInvariant()})");
        pdf.Field("Discharged", When(a.DischargedAt!.Value));
        pdf.Field("Length of stay", $"{a.LengthOfStayDays} day{(a.LengthOfStayDays == 1 ? "" : "s")}");
        pdf.Field("Disposition", a.Disposition!.Replace('_', ' '));
        pdf.Field("Condition", s.ConditionAtDischarge);
        if (a.Beds.Count > 0)
        {
            pdf.Space(6);
            pdf.Row(["Ward", "Bed", "From", "To"], BedColumns, bold: true);
            foreach (var b in a.Beds) pdf.Row([b.WardName, b.BedCode, When(b.StartedAt), b.EndedAt is { } e ? When(e) : ""], BedColumns);
        }
        pdf.Space(6);
        pdf.Field("Admitting diagnosis", (a.AdmittingDiagnosisCode is { } c ? c + " " : "") + a.AdmittingDiagnosis);
        Section(pdf, "Final diagnoses", s.FinalDiagnoses.Select(d => (d.Code is { } code ? code + " " : "") + d.Text));
        Section(pdf, "Procedures", s.Procedures);
        if (s.HospitalCourse is { } course)
        {
            pdf.Heading("Course in hospital", 12);
            pdf.Paragraph(course);
        }
        Section(pdf, "Medications on discharge", s.DischargeMedications);
        if (s.FollowUp is { } followUp)
        {
            pdf.Heading("Follow-up", 12);
            pdf.Paragraph(followUp);
        }
        pdf.SignatureLine($"Dr {a.PrimaryDoctorName}");
        return pdf.ToArray();
    }

    static void Section(PdfPageWriter pdf, string title, IEnumerable<string> lines)
    {
        var list = lines.ToList();
        if (list.Count == 0) return;
        pdf.Heading(title, 12);
        for (var i = 0; i < list.Count; i++) pdf.Paragraph($"{i + 1}. {list[i]}", indent: 8);
    }
}
