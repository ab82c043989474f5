using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Visits;

/// <summary>
/// Demo visits: every completed demo appointment has a signed visit with vitals, diagnoses and SOAP notes (some with an
/// addendum), today's consultations in progress have an open one, and the portal patient has ten years of history
/// (220 visits) so the timeline and summary show real volume.
/// </summary>
public static class VisitsDemo
{
    public static readonly string[] FreshenStatements =
    [
        "UPDATE visits SET started_at = started_at + $1, completed_at = completed_at + $1, created_at = created_at + $1, updated_at = updated_at + $1",
        "UPDATE visit_addenda SET created_at = created_at + $1",
        "UPDATE visit_diagnoses SET created_at = created_at + $1, updated_at = updated_at + $1",
        "UPDATE vitals SET recorded_at = recorded_at + $1, created_at = created_at + $1, updated_at = updated_at + $1",
        "UPDATE patients SET last_visit_at = last_visit_at + $1 WHERE last_visit_at IS NOT NULL",
    ];

    sealed record Case(string Complaint, string Code, string Text, string? Secondary, string? SecondaryText, string Assessment, string Plan);

    static readonly Case[] Cases =
    [
        new("Cough and sore throat for four days", "J06.9", "Acute upper respiratory infection, unspecified", null, null,
            "Viral URTI, no signs of pneumonia.", "Fluids, paracetamol, review if fever persists beyond 3 days."),
        new("Follow-up of blood pressure", "I10", "Essential (primary) hypertension", "E78.5", "Hyperlipidemia, unspecified",
            "BP above target on current dose.", "Increase amlodipine to 10 mg; lipid panel; review in 4 weeks."),
        new("Thirst and frequent urination", "E11.9", "Type 2 diabetes mellitus without complications", "E66.9", "Obesity, unspecified",
            "HbA1c 8.1%, newly diagnosed.", "Metformin 500 mg twice daily, diet counselling, HbA1c in 3 months."),
        new("Lower back pain after lifting", "M54.50", "Low back pain, unspecified", null, null,
            "Mechanical low back pain, no red flags.", "Ibuprofen, stay active, physiotherapy referral."),
        new("Wheezing at night", "J45.909", "Unspecified asthma, uncomplicated", null, null,
            "Asthma, partly controlled.", "Inhaled budesonide, salbutamol as needed, inhaler technique reviewed."),
        new("Burning on urination", "N39.0", "Urinary tract infection, site not specified", null, null,
            "Uncomplicated cystitis.", "Nitrofurantoin 100 mg twice daily for 5 days; urine culture."),
        new("Headache behind the eyes", "G44.209", "Tension-type headache, unspecified, not intractable", null, null,
            "Tension-type headache.", "Analgesia, sleep hygiene, headache diary."),
        new("Tiredness for two months", "D50.9", "Iron deficiency anemia, unspecified", null, null,
            "Microcytic anaemia, likely iron deficiency.", "Ferrous sulfate, full blood count in 6 weeks."),
        new("Annual check-up", "Z00.00", "Encounter for general adult medical examination without abnormal findings", null, null,
            "Healthy adult.", "Routine screening as per age; return in one year."),
        new("Heartburn after meals", "K21.9", "Gastro-esophageal reflux disease without esophagitis", null, null,
            "GERD.", "Omeprazole 20 mg daily for 4 weeks, lifestyle advice."),
        new("Low mood and poor sleep", "F32.9", "Major depressive disorder, single episode, unspecified", "G47.00", "Insomnia, unspecified",
            "Moderate depressive episode.", "Sertraline 50 mg, counselling referral, review in 2 weeks."),
        new("Knee pain on stairs", "M17.9", "Osteoarthritis of knee, unspecified", null, null,
            "Knee osteoarthritis.", "Weight loss advice, quadriceps exercises, topical NSAID."),
    ];

    /// <summary>Runs in the seeding transaction, after scheduling (the appointments) and the queue.</summary>
    public static async Task SeedAsync(CarebaseDb db, Guid longHistoryPatient, DateTimeOffset now, CancellationToken ct)
    {
        var rng = new Random(20261128);
        var doctors = await db.Set<Doctor>().AsNoTracking().OrderBy(d => d.LicenseNumber).Select(d => new { d.Id, d.UserId, d.DepartmentId }).ToListAsync(ct);
        if (doctors.Count == 0) return;
        var appointments = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.Status == AppointmentStatus.Completed || a.Status == AppointmentStatus.InConsultation).ToListAsync(ct);
        foreach (var a in appointments)
        {
            var doctor = doctors.First(d => d.Id == a.DoctorId);
            Add(db, rng, a.PatientId, doctor.Id, doctor.UserId, a.DepartmentId ?? doctor.DepartmentId, a.Id, a.StartedAt ?? a.StartsAt,
                completed: a.Status == AppointmentStatus.Completed);
        }
        // Ten years of a chronic patient: a visit every 16–17 days.
        for (var i = 0; i < 220; i++)
        {
            var doctor = doctors[i % Math.Min(3, doctors.Count)];
            var at = now.AddDays(-3650 + i * 16.5).AddHours(rng.Next(0, 6));
            Add(db, rng, longHistoryPatient, doctor.Id, doctor.UserId, doctor.DepartmentId, null, at, completed: true);
        }
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlRawAsync("""
            UPDATE patients p SET last_visit_at = v.last FROM (SELECT patient_id, max(completed_at) AS last FROM visits GROUP BY patient_id) v
            WHERE v.patient_id = p.id AND v.last IS NOT NULL
            """, ct);
    }

    static void Add(CarebaseDb db, Random rng, Guid patientId, Guid doctorId, Guid doctorUser, Guid? departmentId, Guid? appointmentId,
        DateTimeOffset startedAt, bool completed)
    {
        var c = Cases[rng.Next(Cases.Length)];
        var visit = Visit.Start(patientId, doctorId, departmentId, appointmentId, null, "OPD", c.Complaint, doctorUser, startedAt);
        visit.Subjective = c.Complaint + ".";
        visit.Objective = "Alert, well perfused. Chest clear. Abdomen soft.";
        visit.Assessment = c.Assessment;
        visit.Plan = c.Plan;
        db.Add(visit);
        var vitals = new Vitals
        {
            VisitId = visit.Id, RecordedAt = startedAt.AddMinutes(2),
            HeightCm = 150 + rng.Next(0, 40), WeightKg = 50 + rng.Next(0, 50), SystolicMmHg = (short)rng.Next(105, 165),
            DiastolicMmHg = (short)rng.Next(65, 100), PulsePerMin = (short)rng.Next(58, 104), TemperatureC = 36.2m + rng.Next(0, 18) / 10m,
            RespiratoryRatePerMin = (short)rng.Next(12, 22), Spo2Percent = (short)rng.Next(93, 100), PainScore = (short)rng.Next(0, 6),
        };
        vitals.Begin(patientId, doctorUser, startedAt.AddMinutes(2));
        vitals.Derive();
        db.Add(vitals);
        db.Add(Diagnosis(visit, c.Code, c.Text, "PRIMARY", doctorUser, startedAt.AddMinutes(10)));
        if (c.Secondary is not null) db.Add(Diagnosis(visit, c.Secondary, c.SecondaryText!, "SECONDARY", doctorUser, startedAt.AddMinutes(11)));
        if (!completed) return;
        visit.Complete(doctorUser, startedAt.AddMinutes(20));
        if (rng.Next(6) == 0)
            db.Add(new VisitAddendum { VisitId = visit.Id, Text = "Results reviewed by phone; plan unchanged.", CreatedAt = startedAt.AddDays(2), CreatedBy = doctorUser });
    }

    static VisitDiagnosis Diagnosis(Visit visit, string code, string text, string kind, Guid by, DateTimeOffset at)
    {
        var d = new VisitDiagnosis { VisitId = visit.Id, Code = code, Text = text, Kind = kind, Status = "CONFIRMED" };
        d.Begin(visit.PatientId, by, at);
        return d;
    }
}
