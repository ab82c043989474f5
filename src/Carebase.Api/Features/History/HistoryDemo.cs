using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.History;

/// <summary>
/// Demo medical histories for the first 60 patients of a demo hospital: allergies (every fifth patient with "no known
/// allergies" recorded, others never asked), conditions with the medications that treat them, immunizations (some due
/// within the month, some overdue), procedures and clinical notes (a few staff-only). The portal patient's record gets a
/// full history, so the portal has something to show and something (a staff-only note) to hide.
/// </summary>
public static class HistoryDemo
{
    public static readonly string[] FreshenStatements =
    [
        "UPDATE allergies SET onset_date = onset_date + $1, created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
        "UPDATE allergy_statements SET recorded_at = recorded_at + $1",
        "UPDATE conditions SET onset_date = onset_date + $1, resolution_date = resolution_date + $1, created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
        "UPDATE medications SET start_date = start_date + $1, end_date = end_date + $1, created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
        "UPDATE immunizations SET date_given = date_given + $1, next_due_date = next_due_date + $1, created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
        "UPDATE procedures SET performed_on = performed_on + $1, created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
        "UPDATE clinical_notes SET created_at = created_at + $1, updated_at = updated_at + $1, deleted_at = deleted_at + $1",
    ];

    static readonly (string Substance, string? Code, string Category, string Reaction, string Severity)[] AllergyCatalog =
    [
        ("Penicillin", "7980", "DRUG", "Hives and itching within an hour of the first dose", "MODERATE"),
        ("Sulfamethoxazole", "10180", "DRUG", "Widespread rash", "MODERATE"),
        ("Ibuprofen", "5640", "DRUG", "Wheezing and shortness of breath", "SEVERE"),
        ("Peanut", null, "FOOD", "Swelling of lips and throat; needed adrenaline", "LIFE_THREATENING"),
        ("Shellfish", null, "FOOD", "Vomiting and hives", "MODERATE"),
        ("Latex", null, "ENVIRONMENT", "Contact dermatitis on the hands", "MILD"),
        ("House dust mite", null, "ENVIRONMENT", "Sneezing, itchy eyes", "MILD"),
        ("Bee venom", null, "OTHER", "Large local swelling", "SEVERE"),
    ];

    /// <summary>Conditions and, where one treats it, the usual medication (name, dose, route, frequency).</summary>
    static readonly (string Code, string Text, (string Name, string Dose, string Route, string Frequency)? Medication)[] ConditionCatalog =
    [
        ("I10", "Essential (primary) hypertension", ("Amlodipine", "5 mg", "oral", "once daily")),
        ("E11.9", "Type 2 diabetes mellitus without complications", ("Metformin", "500 mg", "oral", "twice daily")),
        ("J45.909", "Asthma, uncomplicated", ("Salbutamol inhaler", "100 mcg, 2 puffs", "inhaled", "as needed")),
        ("E78.5", "Hyperlipidaemia", ("Atorvastatin", "20 mg", "oral", "once daily at night")),
        ("K21.9", "Gastro-oesophageal reflux disease", ("Omeprazole", "20 mg", "oral", "once daily before breakfast")),
        ("E03.9", "Hypothyroidism", ("Levothyroxine", "50 mcg", "oral", "once daily")),
        ("M54.5", "Low back pain", null),
        ("F41.1", "Generalised anxiety disorder", ("Sertraline", "50 mg", "oral", "once daily")),
        ("J30.1", "Allergic rhinitis due to pollen", ("Cetirizine", "10 mg", "oral", "once daily in season")),
        ("N39.0", "Urinary tract infection", ("Nitrofurantoin", "100 mg", "oral", "twice daily for 5 days")),
    ];

    static readonly (string Name, string Code)[] ProcedureCatalog =
    [
        ("Appendectomy, laparoscopic", "0DTJ4ZZ"), ("Cholecystectomy, laparoscopic", "0FT44ZZ"), ("Colonoscopy", "0DJD8ZZ"),
        ("Caesarean section", "10D00Z1"), ("Knee arthroscopy", "0SJC4ZZ"), ("Cataract extraction, right eye", "08DJ3ZZ"),
    ];

    static readonly (string Title, string Text)[] NoteCatalog =
    [
        ("Annual review", "Feels well overall. Blood pressure controlled on current treatment.\nPlan: repeat bloods in 6 months, continue medication."),
        ("Follow-up", "Symptoms improved since the last visit. Sleeping better.\nPlan: review in 3 months or sooner if worse."),
        ("Telephone consultation", "Called about a persistent cough for 10 days, no fever.\nAdvice: fluids, rest; come in if breathless or not better in a week."),
        ("Medication review", "Reviewed all current medications with the patient. No side effects reported.\nPlan: no changes."),
    ];

    static readonly (string Title, string Text)[] StaffNoteCatalog =
    [
        ("Internal", "Patient has missed two follow-ups; reception to call and offer an evening slot."),
        ("Safeguarding", "Discussed at the team meeting; social worker informed. Do not discuss with accompanying relatives."),
    ];

    /// <summary>Runs in the seeding transaction, after patients and staff exist (<paramref name="portalPatient"/>: the portal patient's record).</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, Guid portalPatient, DateTimeOffset now, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var doctor = await StaffIdAsync(db, $"doctor@{slug}.demo", ct);
        var nurse = await StaffIdAsync(db, $"nurse@{slug}.demo", ct);
        var patients = await db.Set<Patient>().Where(p => p.DeletedAt == null).OrderBy(p => p.Id == portalPatient ? 0 : 1).ThenBy(p => p.PatientCode)
            .Select(p => p.Id).Take(60).ToListAsync(ct);
        var random = new Random(slug.Aggregate(41, (h, c) => h * 31 + c));
        DateTimeOffset At(DateOnly day) => Min(new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero), now);

        for (var i = 0; i < patients.Count; i++)
        {
            var patient = patients[i];
            var full = i == 0; // the portal patient

            // Allergies: none recorded ("no known allergies"), never asked, or one or two.
            if (!full && i % 5 == 1)
                db.Add(new AllergyStatement { PatientId = patient, NoKnownAllergies = true, RecordedAt = now.AddDays(-random.Next(5, 400)), RecordedBy = nurse });
            else if (full || i % 5 is 2 or 3)
                foreach (var a in Pick(random, AllergyCatalog, full ? 2 : 1 + random.Next(2)))
                {
                    var onset = today.AddDays(-random.Next(400, 8000));
                    var allergy = new Allergy
                    {
                        Substance = a.Substance, SubstanceCode = a.Code, Category = a.Category, Reaction = a.Reaction, Severity = a.Severity,
                        Status = "ACTIVE", OnsetDate = onset,
                    };
                    allergy.Begin(patient, nurse, At(onset.AddDays(random.Next(1, 300))));
                    db.Add(allergy);
                }

            // Conditions, and the medications that treat them (a resolved condition's medication is completed).
            foreach (var c in Pick(random, ConditionCatalog, full ? 3 : random.Next(0, 3)))
            {
                var onset = today.AddDays(-random.Next(60, 3000));
                var resolved = c.Code is "N39.0" or "M54.5" && random.Next(2) == 0;
                var resolution = resolved ? onset.AddDays(random.Next(7, 50)) : (DateOnly?)null;
                var condition = new Condition { Code = c.Code, Text = c.Text, Status = resolved ? "RESOLVED" : "ACTIVE", OnsetDate = onset, ResolutionDate = resolution };
                condition.Begin(patient, doctor, At(onset.AddDays(1)));
                db.Add(condition);
                if (c.Medication is not { } m) continue;
                var medication = new Medication
                {
                    Name = m.Name, Dose = m.Dose, Route = m.Route, Frequency = m.Frequency, StartDate = onset.AddDays(1),
                    EndDate = resolution, Status = resolved ? "COMPLETED" : "ACTIVE", Source = "PRESCRIBED",
                };
                medication.Begin(patient, doctor, At(onset.AddDays(1)));
                db.Add(medication);
            }
            if (i % 7 == 3)
            {
                var reported = new Medication
                {
                    Name = "Vitamin D3", Dose = "1000 IU", Route = "oral", Frequency = "once daily", StartDate = today.AddDays(-random.Next(30, 700)),
                    Status = "ACTIVE", Source = "REPORTED", Notes = "Bought over the counter.",
                };
                reported.Begin(patient, nurse, At(reported.StartDate!.Value));
                db.Add(reported);
            }

            // Immunizations: a yearly flu shot (due within the month for some, overdue for a few), tetanus, hepatitis B series.
            if (full || i % 2 == 0)
            {
                var due = i % 6 == 0 ? today.AddDays(random.Next(1, 28)) : i % 6 == 2 ? today.AddDays(-random.Next(5, 60)) : today.AddDays(random.Next(60, 300));
                Immunize(db, patient, nurse, "Influenza, seasonal", "141", null, due.AddYears(-1), $"FLU-{random.Next(1000, 9999)}", "left deltoid", due, At);
                Immunize(db, patient, nurse, "Tetanus-diphtheria (Td)", "139", null, today.AddDays(-random.Next(300, 3000)), $"TD-{random.Next(1000, 9999)}",
                    "right deltoid", null, At);
            }
            if (full || i % 4 == 1)
            {
                var first = today.AddDays(-random.Next(40, 160));
                Immunize(db, patient, nurse, "Hepatitis B", "08", 1, first, $"HEPB-{random.Next(1000, 9999)}", "left deltoid", first.AddDays(30), At);
                Immunize(db, patient, nurse, "Hepatitis B", "08", 2, first.AddDays(30), $"HEPB-{random.Next(1000, 9999)}", "left deltoid", first.AddDays(180), At);
            }

            // Procedures: a past one for some, one planned for a few.
            if (full || i % 6 == 4)
            {
                var (name, code) = ProcedureCatalog[random.Next(ProcedureCatalog.Length)];
                var on = today.AddDays(-random.Next(200, 5000));
                var done = new Procedure { Name = name, Code = code, Status = "DONE", PerformedOn = on, PerformerId = doctor, Notes = "Uneventful recovery." };
                done.Begin(patient, doctor, At(on));
                db.Add(done);
            }
            if (i % 15 == 7)
            {
                var planned = new Procedure { Name = "Colonoscopy", Code = "0DJD8ZZ", Status = "PLANNED", PerformedOn = today.AddDays(random.Next(7, 40)), Performer = "Endoscopy unit" };
                planned.Begin(patient, doctor, now.AddDays(-2));
                db.Add(planned);
            }

            // Notes: one or two visible to the patient, a staff-only one for some (and for the portal patient).
            foreach (var (title, text) in Pick(random, NoteCatalog, full ? 2 : random.Next(0, 2)))
            {
                var note = new ClinicalNote { Title = title, Text = text };
                note.Begin(patient, doctor, now.AddDays(-random.Next(1, 200)).AddMinutes(-random.Next(0, 600)));
                db.Add(note);
            }
            if (full || i % 9 == 5)
            {
                var (title, text) = StaffNoteCatalog[random.Next(StaffNoteCatalog.Length)];
                var note = new ClinicalNote { Title = title, Text = text, StaffOnly = true };
                note.Begin(patient, nurse, now.AddDays(-random.Next(1, 60)));
                db.Add(note);
            }
        }
        await db.SaveChangesAsync(ct);
    }

    static void Immunize(CarebaseDb db, Guid patient, Guid by, string vaccine, string code, int? dose, DateOnly given, string lot, string site, DateOnly? next,
        Func<DateOnly, DateTimeOffset> at)
    {
        var immunization = new Immunization { Vaccine = vaccine, VaccineCode = code, DoseNumber = dose, DateGiven = given, LotNumber = lot, Site = site, NextDueDate = next };
        immunization.Begin(patient, by, at(given));
        db.Add(immunization);
    }

    static IEnumerable<T> Pick<T>(Random random, T[] from, int count) => from.OrderBy(_ => random.Next()).Take(count).ToList();

    static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    static Task<Guid> StaffIdAsync(CarebaseDb db, string email, CancellationToken ct) =>
        db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM platform.users WHERE normalized_email = {email.ToUpperInvariant()}").SingleAsync(ct);
}
