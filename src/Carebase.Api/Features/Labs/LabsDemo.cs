using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// The demo laboratory: 46 common tests with their LOINC codes, units and adult ranges (sex-specific where they differ,
/// a paediatric band for hemoglobin), six panels, and orders in every status for demo patients — the portal patient has
/// three verified ones (one value corrected). Deterministic (a fixed seed) and written in one save.
/// </summary>
public static class LabsDemo
{
    public static readonly string[] FreshenStatements =
    [
        """
        UPDATE lab_orders SET created_at = created_at + $1, updated_at = updated_at + $1, collected_at = collected_at + $1,
            resulted_at = resulted_at + $1, verified_at = verified_at + $1, cancelled_at = cancelled_at + $1
        """,
        "UPDATE lab_results SET entered_at = entered_at + $1, verified_at = verified_at + $1",
        "UPDATE lab_result_attachments SET created_at = created_at + $1",
    ];

    const int Adult = 18 * 365;

    /// <summary>A range row: sex (M, F or null), age band in days, low, high, text.</summary>
    sealed record R(string? Sex, int From, int? To, decimal? Low, decimal? High, string? Text = null);

    sealed record T(string Code, string Loinc, string Name, string Specimen, string Kind, string? Unit, decimal PriceUsd, int Hours,
        decimal? CriticalLow, decimal? CriticalHigh, R[] Ranges, string[]? Coded = null, string[]? Normal = null);

    static R Any(decimal? low, decimal? high, string? text = null) => new(null, 0, null, low, high, text);
    static R Male(decimal low, decimal high) => new("MALE", Adult, null, low, high);
    static R Female(decimal low, decimal high) => new("FEMALE", Adult, null, low, high);

    static readonly string[] Dipstick = ["NEGATIVE", "TRACE", "SMALL", "MODERATE", "LARGE"];
    static readonly string[] NegPos = ["NEGATIVE", "POSITIVE"];
    static readonly string[] Negative = ["NEGATIVE"];

    static readonly T[] Tests =
    [
        // Complete blood count
        new("WBC", "6690-2", "Leukocytes", "WHOLE_BLOOD", "NUMERIC", "10*3/uL", 3, 4, 1.0m, 30m, [Any(4.0m, 11.0m)]),
        new("RBC", "789-8", "Erythrocytes", "WHOLE_BLOOD", "NUMERIC", "10*6/uL", 3, 4, null, null, [Male(4.5m, 5.9m), Female(4.1m, 5.1m), new(null, 365, Adult, 4.0m, 5.2m)]),
        new("HGB", "718-7", "Hemoglobin", "WHOLE_BLOOD", "NUMERIC", "g/dL", 3, 4, 7.0m, 20.0m,
            [Male(13.5m, 17.5m), Female(12.0m, 15.5m), new(null, 365, Adult, 11.0m, 14.5m), new(null, 0, 365, 10.0m, 14.0m)]),
        new("HCT", "4544-3", "Hematocrit", "WHOLE_BLOOD", "NUMERIC", "%", 3, 4, 20m, 60m, [Male(41m, 53m), Female(36m, 46m), new(null, 365, Adult, 33m, 43m)]),
        new("MCV", "787-2", "MCV", "WHOLE_BLOOD", "NUMERIC", "fL", 3, 4, null, null, [Any(80m, 100m)]),
        new("MCH", "785-6", "MCH", "WHOLE_BLOOD", "NUMERIC", "pg", 3, 4, null, null, [Any(27m, 33m)]),
        new("MCHC", "786-4", "MCHC", "WHOLE_BLOOD", "NUMERIC", "g/dL", 3, 4, null, null, [Any(32m, 36m)]),
        new("PLT", "777-3", "Platelets", "WHOLE_BLOOD", "NUMERIC", "10*3/uL", 3, 4, 20m, 1000m, [Any(150m, 400m)]),
        // Basic metabolic panel
        new("GLU", "2345-7", "Glucose", "SERUM", "NUMERIC", "mg/dL", 2, 2, 40m, 500m, [Any(70m, 99m)]),
        new("BUN", "3094-0", "Urea nitrogen", "SERUM", "NUMERIC", "mg/dL", 2, 4, null, null, [Any(7m, 20m)]),
        new("CREA", "2160-0", "Creatinine", "SERUM", "NUMERIC", "mg/dL", 3, 4, null, 10m, [Male(0.74m, 1.35m), Female(0.59m, 1.04m), new(null, 365, Adult, 0.3m, 0.7m)]),
        new("NA", "2951-2", "Sodium", "SERUM", "NUMERIC", "mmol/L", 2, 4, 120m, 160m, [Any(136m, 145m)]),
        new("K", "2823-3", "Potassium", "SERUM", "NUMERIC", "mmol/L", 2, 4, 2.5m, 6.5m, [Any(3.5m, 5.1m)]),
        new("CL", "2075-0", "Chloride", "SERUM", "NUMERIC", "mmol/L", 2, 4, 80m, 120m, [Any(98m, 107m)]),
        new("CO2", "2028-9", "Carbon dioxide", "SERUM", "NUMERIC", "mmol/L", 2, 4, 10m, 40m, [Any(22m, 29m)]),
        new("CA", "17861-6", "Calcium", "SERUM", "NUMERIC", "mg/dL", 2, 4, 6.0m, 13.0m, [Any(8.6m, 10.3m)]),
        // Lipid panel
        new("CHOL", "2093-3", "Cholesterol", "SERUM", "NUMERIC", "mg/dL", 4, 24, null, null, [Any(null, 199m, "< 200 desirable")]),
        new("TRIG", "2571-8", "Triglyceride", "SERUM", "NUMERIC", "mg/dL", 4, 24, null, 1000m, [Any(null, 149m, "< 150")]),
        new("HDL", "2085-9", "HDL cholesterol", "SERUM", "NUMERIC", "mg/dL", 4, 24, null, null, [Male(40m, 200m), Female(50m, 200m)]),
        new("LDL", "13457-7", "LDL cholesterol (calculated)", "SERUM", "NUMERIC", "mg/dL", 4, 24, null, null, [Any(null, 99m, "< 100 optimal")]),
        // Liver function
        new("ALT", "1742-6", "Alanine aminotransferase", "SERUM", "NUMERIC", "U/L", 3, 24, null, null, [Any(7m, 56m)]),
        new("AST", "1920-8", "Aspartate aminotransferase", "SERUM", "NUMERIC", "U/L", 3, 24, null, null, [Any(10m, 40m)]),
        new("ALP", "6768-6", "Alkaline phosphatase", "SERUM", "NUMERIC", "U/L", 3, 24, null, null, [Any(44m, 147m), new(null, 0, Adult, 100m, 390m)]),
        new("TBIL", "1975-2", "Bilirubin, total", "SERUM", "NUMERIC", "mg/dL", 3, 24, null, 15m, [Any(0.1m, 1.2m)]),
        new("DBIL", "1968-7", "Bilirubin, direct", "SERUM", "NUMERIC", "mg/dL", 3, 24, null, null, [Any(0m, 0.3m)]),
        new("ALB", "1751-7", "Albumin", "SERUM", "NUMERIC", "g/dL", 3, 24, null, null, [Any(3.5m, 5.0m)]),
        new("TP", "2885-2", "Protein, total", "SERUM", "NUMERIC", "g/dL", 3, 24, null, null, [Any(6.0m, 8.3m)]),
        // Thyroid
        new("TSH", "3016-3", "Thyrotropin (TSH)", "SERUM", "NUMERIC", "mIU/L", 8, 24, null, null, [Any(0.4m, 4.0m)]),
        new("FT4", "3024-7", "Thyroxine, free (FT4)", "SERUM", "NUMERIC", "ng/dL", 8, 24, null, null, [Any(0.8m, 1.8m)]),
        new("FT3", "3051-0", "Triiodothyronine, free (FT3)", "SERUM", "NUMERIC", "pg/mL", 8, 24, null, null, [Any(2.3m, 4.2m)]),
        // Urinalysis
        new("USG", "5811-5", "Specific gravity, urine", "URINE", "NUMERIC", null, 1, 2, null, null, [Any(1.005m, 1.030m)]),
        new("UPH", "5803-2", "pH, urine", "URINE", "NUMERIC", "[pH]", 1, 2, null, null, [Any(5.0m, 8.0m)]),
        new("UPRO", "5804-0", "Protein, urine (dipstick)", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], Dipstick, Negative),
        new("UGLU", "5792-7", "Glucose, urine (dipstick)", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], Dipstick, Negative),
        new("UKET", "5797-6", "Ketones, urine (dipstick)", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], Dipstick, Negative),
        new("UNIT", "5802-4", "Nitrite, urine", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], NegPos, Negative),
        new("ULEU", "5799-2", "Leukocyte esterase, urine", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], Dipstick, Negative),
        new("UBLD", "5794-3", "Hemoglobin, urine (dipstick)", "URINE", "CODED", null, 1, 2, null, null, [Any(null, null, "NEGATIVE")], Dipstick, Negative),
        // On their own
        new("HBA1C", "4548-4", "Hemoglobin A1c", "WHOLE_BLOOD", "NUMERIC", "%", 6, 24, null, null, [Any(4.0m, 5.6m)]),
        new("CRP", "1988-5", "C-reactive protein", "SERUM", "NUMERIC", "mg/L", 5, 4, null, null, [Any(null, 10m, "< 10")]),
        new("ESR", "4537-7", "Erythrocyte sedimentation rate", "WHOLE_BLOOD", "NUMERIC", "mm/h", 2, 4, null, null, [Male(0m, 15m), Female(0m, 20m)]),
        new("INR", "6301-6", "INR", "PLASMA", "NUMERIC", null, 4, 4, null, 5.0m, [Any(0.8m, 1.1m)]),
        new("TROPI", "10839-9", "Troponin I, cardiac", "SERUM", "NUMERIC", "ng/mL", 15, 1, null, 0.5m, [Any(null, 0.04m, "< 0.04")]),
        new("VITD", "1989-3", "25-hydroxyvitamin D", "SERUM", "NUMERIC", "ng/mL", 20, 72, null, null, [Any(30m, 100m)]),
        new("HCG", "2106-3", "Choriogonadotropin, urine (pregnancy test)", "URINE", "CODED", null, 4, 1, null, null, [], NegPos, []),
        new("BCUL", "600-7", "Blood culture", "WHOLE_BLOOD", "TEXT", null, 25, 72, null, null, []),
    ];

    static readonly (string Code, string Loinc, string Name, string[] Tests)[] Panels =
    [
        ("CBC", "58410-2", "Complete blood count", ["WBC", "RBC", "HGB", "HCT", "MCV", "MCH", "MCHC", "PLT"]),
        ("BMP", "51990-0", "Basic metabolic panel", ["GLU", "BUN", "CREA", "NA", "K", "CL", "CO2", "CA"]),
        ("LIPID", "57698-3", "Lipid panel", ["CHOL", "TRIG", "HDL", "LDL"]),
        ("LFT", "24325-3", "Liver function panel", ["ALT", "AST", "ALP", "TBIL", "DBIL", "ALB", "TP"]),
        ("THYROID", "24348-5", "Thyroid panel", ["TSH", "FT4", "FT3"]),
        ("UA", "24356-8", "Urinalysis, dipstick", ["USG", "UPH", "UPRO", "UGLU", "UKET", "UNIT", "ULEU", "UBLD"]),
    ];

    /// <summary>Runs in the seeding transaction, after the patients, doctors and visits.</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, string currency, Guid portalPatient, DateTimeOffset now, CancellationToken ct)
    {
        var factor = currency == "INR" ? 80m : 1m;
        var tests = Tests.Select(t =>
        {
            var test = LabTest.Create(now);
            (test.Code, test.Loinc, test.Name, test.Specimen, test.ResultKind, test.Unit) = (t.Code, t.Loinc, t.Name, t.Specimen, t.Kind, t.Unit);
            (test.Price, test.TurnaroundHours, test.CriticalLow, test.CriticalHigh) = (t.PriceUsd * factor, t.Hours, t.CriticalLow, t.CriticalHigh);
            (test.CodedValues, test.NormalValues) = (t.Coded ?? [], t.Normal ?? []);
            test.Ranges.AddRange(t.Ranges.Select(r => new LabTestRange
            {
                TestId = test.Id, Sex = r.Sex, AgeFromDays = r.From, AgeToDays = r.To, Low = r.Low, High = r.High, Text = r.Text,
            }));
            return test;
        }).ToDictionary(t => t.Code);
        db.AddRange(tests.Values);
        var panels = Panels.Select(p =>
        {
            var panel = LabPanel.Create(now);
            (panel.Code, panel.Loinc, panel.Name) = (p.Code, p.Loinc, p.Name);
            panel.Tests.AddRange(p.Tests.Select((code, i) => new LabPanelTest { PanelId = panel.Id, TestId = tests[code].Id, Position = i }));
            return panel;
        }).ToDictionary(p => p.Code);
        db.AddRange(panels.Values);

        var doctor = await db.Set<Doctor>().AsNoTracking().OrderBy(d => d.LicenseNumber).Select(d => new { d.Id, d.UserId }).FirstOrDefaultAsync(ct);
        var lab = await db.Users.Where(u => u.NormalizedEmail == $"LAB@{slug.ToUpperInvariant()}.DEMO").Select(u => (Guid?)u.Id).SingleOrDefaultAsync(ct);
        if (doctor is null || lab is null) return;
        var patients = await db.Set<Patient>().AsNoTracking().Where(p => p.Id != portalPatient).OrderBy(p => p.PatientCode).Take(24)
            .Select(p => new { p.Id, p.Gender, p.DateOfBirth }).ToListAsync(ct);
        var portal = await db.Set<Patient>().AsNoTracking().Where(p => p.Id == portalPatient).Select(p => new { p.Id, p.Gender, p.DateOfBirth }).SingleAsync(ct);
        var rng = new Random(20261211);
        var plan = new List<(Guid Patient, string Sex, DateOnly Born, string Panel, string Priority, string Status, int DaysAgo)>
        {
            (portal.Id, portal.Gender, portal.DateOfBirth, "CBC", "ROUTINE", LabValues.Verified, 200),
            (portal.Id, portal.Gender, portal.DateOfBirth, "LIPID", "ROUTINE", LabValues.Verified, 60),
            (portal.Id, portal.Gender, portal.DateOfBirth, "THYROID", "ROUTINE", LabValues.Verified, 14),
        };
        string[] statuses = [LabValues.Ordered, LabValues.Ordered, LabValues.Collected, LabValues.Resulted, LabValues.Verified, LabValues.Verified, LabValues.Cancelled];
        string[] priorities = ["ROUTINE", "ROUTINE", "URGENT", "STAT"];
        foreach (var (p, i) in patients.Select((p, i) => (p, i)))
        {
            var status = statuses[i % statuses.Length];
            var daysAgo = status is LabValues.Ordered or LabValues.Collected ? 0 : 1 + rng.Next(0, 90);
            plan.Add((p.Id, p.Gender, p.DateOfBirth, Panels[i % Panels.Length].Code, priorities[rng.Next(priorities.Length)], status, daysAgo));
        }

        var errors = new FieldErrors();
        var corrections = new List<(LabResult Original, LabResult Next)>();
        foreach (var (n, x) in plan.Select((x, n) => (n, x)))
        {
            var at = now.AddDays(-x.DaysAgo).AddHours(-rng.Next(1, 8)).AddMinutes(-n);
            var order = LabOrder.Place(x.Patient, null, doctor.Id, x.Priority, n % 3 == 0 ? "Routine check-up" : null, doctor.UserId, at);
            db.Add(order);
            var items = panels[x.Panel].Tests.Select((pt, i) =>
            {
                var t = tests.Values.Single(t => t.Id == pt.TestId);
                return new LabOrderItem { OrderId = order.Id, TestId = t.Id, PanelId = pt.PanelId, Position = i, TestCode = t.Code, TestName = t.Name, Price = t.Price };
            }).ToList();
            db.AddRange(items);
            if (x.Status == LabValues.Cancelled)
            {
                order.Cancel("Patient left before the sample was taken", doctor.UserId, at.AddMinutes(30));
                items.ForEach(i => i.Status = LabValues.Cancelled);
                continue;
            }
            if (x.Status == LabValues.Ordered) continue;
            order.Collect($"SP-{slug.ToUpperInvariant()}-{1000 + n}", at.AddMinutes(20), lab.Value, lab.Value, at.AddMinutes(20));
            if (x.Status == LabValues.Collected) continue;
            var judge = new ResultContext(order, tests.Values.ToDictionary(t => t.Id), x.Sex,
                ReferenceRanges.AgeDays(x.Born, DateOnly.FromDateTime(at.UtcDateTime)), lab.Value);
            var entered = at.AddHours(3);
            var results = items.Select(item => judge.Result(item, ValueOf(tests[item.TestCode], x.Sex, rng, out var code), code,
                tests[item.TestCode].ResultKind == "TEXT" ? "No growth after 5 days" : null, null, entered, errors, "")!).ToList();
            items.ForEach(i => i.Status = LabValues.Resulted);
            db.AddRange(results);
            order.RecordResults(true, lab.Value, entered);
            if (x.Status != LabValues.Verified) continue;
            foreach (var r in results) r.Verify(doctor.UserId, entered.AddHours(1));
            items.ForEach(i => i.Status = LabValues.Verified);
            order.Verify(doctor.UserId, entered.AddHours(1));
            // The portal patient's first order had a value corrected after verification (and verified again).
            if (n == 0)
            {
                var original = results[2];
                var next = judge.Result(items[2], original.ValueNumeric!.Value + 0.4m, null, null, "Re-run on a fresh aliquot", entered.AddDays(1), errors, "")!;
                original.ReplaceWith(next, "Analyser calibration error on the first run");
                next.Verify(doctor.UserId, entered.AddDays(1).AddHours(1));
                corrections.Add((original, next));
            }
        }
        errors.ThrowIfAny();
        // The originals leave FINAL before their replacements enter (one current result per item at every statement).
        await db.SaveChangesAsync(ct);
        db.AddRange(corrections.Select(c => c.Next));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A plausible value: mostly inside the adult range for the sex, sometimes just outside it.</summary>
    static decimal? ValueOf(LabTest test, string sex, Random rng, out string? code)
    {
        code = null;
        if (test.ResultKind == "CODED")
        {
            code = rng.Next(6) == 0 ? test.CodedValues[^1] : test.NormalValues.FirstOrDefault() ?? test.CodedValues[0];
            return null;
        }
        if (test.ResultKind != "NUMERIC") return null;
        var range = ReferenceRanges.Choose(test.Ranges, sex, 40 * 365);
        var low = range?.Low ?? (range?.High ?? 10m) * 0.4m;
        var high = range?.High ?? low * 2m;
        var span = high - low;
        var value = low + span * (decimal)(rng.NextDouble() * 1.3 - 0.15);
        var decimals = span < 1 ? 3 : span < 20 ? 1 : 0;
        return Math.Max(0m, Math.Round(value, decimals));
    }
}
