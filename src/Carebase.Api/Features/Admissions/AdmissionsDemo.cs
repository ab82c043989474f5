using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// Demo inpatient care: six wards (88 beds) with the hospital's bed-day charges; about 35 current inpatients across them
/// (a few transferred from intensive care, two waiting for a bed), 40 past admissions over the last three months with
/// their discharge summaries (the portal patient has one), three beds being cleaned after this morning's discharges and
/// three out of service. Deterministic (a fixed seed) and written in the seeding transaction.
/// </summary>
public static class AdmissionsDemo
{
    /// <summary>Date shifts for freshening ($1 is the interval): one statement per table, so the bed occupancy periods move together.</summary>
    public static readonly string[] FreshenStatements =
    [
        """
        UPDATE admissions SET admitted_at = admitted_at + $1, discharged_at = discharged_at + $1, created_at = created_at + $1,
            updated_at = updated_at + $1
        """,
        "UPDATE bed_assignments SET started_at = started_at + $1, ended_at = ended_at + $1",
    ];

    sealed record WardPlan(string Name, string Type, string Prefix, int Beds, decimal Usd, decimal Inr);

    static readonly WardPlan[] Wards =
    [
        new("General Medicine", "GENERAL", "GM", 24, 150m, 2500m),
        new("Surgical Ward", "GENERAL", "SW", 20, 180m, 3000m),
        new("Intensive Care Unit", "ICU", "ICU", 10, 900m, 15000m),
        new("Maternity Ward", "MATERNITY", "MAT", 14, 250m, 4000m),
        new("Children's Ward", "PEDIATRIC", "PED", 12, 200m, 3000m),
        new("Private Rooms", "PRIVATE", "PVT", 8, 400m, 8000m),
    ];

    sealed record Case(string Code, string Diagnosis, string Course, string[] Procedures, string[] Medications, string FollowUp);

    static readonly Case[] Cases =
    [
        new("J18.9", "Pneumonia, unspecified organism", "Treated with IV ceftriaxone and oxygen; afebrile from day 3, switched to oral antibiotics.",
            ["Chest X-ray", "Blood cultures"], ["Amoxicillin-clavulanate 625 mg three times a day for 5 days"], "Chest clinic in 2 weeks with a repeat X-ray."),
        new("I50.9", "Heart failure, unspecified", "Diuresed with IV furosemide, 3 kg weight loss; ACE inhibitor started.",
            ["Echocardiogram"], ["Furosemide 40 mg every morning", "Ramipril 2.5 mg daily"], "Heart failure clinic in 1 week; daily weights."),
        new("K35.80", "Unspecified acute appendicitis", "Laparoscopic appendicectomy on day 1, uneventful recovery.",
            ["Laparoscopic appendicectomy"], ["Paracetamol 1 g four times a day as needed"], "Wound check at the clinic in 10 days."),
        new("N39.0", "Urinary tract infection, site not specified", "IV antibiotics for 48 hours, then oral; fluids.",
            ["Urine culture"], ["Nitrofurantoin 100 mg twice a day for 5 days"], "GP review if symptoms return."),
        new("E11.65", "Type 2 diabetes mellitus with hyperglycemia", "Insulin infusion then basal-bolus regimen; education by the diabetes nurse.",
            [], ["Insulin glargine 18 units at night", "Metformin 1 g twice a day"], "Diabetes clinic in 1 week."),
        new("S72.001A", "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
            "Hemiarthroplasty on day 2; mobilising with a frame by day 5.", ["Right hip hemiarthroplasty"],
            ["Enoxaparin 40 mg daily for 28 days", "Paracetamol 1 g four times a day"], "Orthopaedic clinic in 6 weeks; physiotherapy."),
        new("O80", "Encounter for full-term uncomplicated delivery", "Spontaneous vaginal delivery, healthy baby; mother and baby well.",
            ["Spontaneous vaginal delivery"], ["Ferrous sulfate 200 mg daily"], "Postnatal check in 6 weeks."),
        new("J45.901", "Unspecified asthma with (acute) exacerbation", "Nebulised salbutamol and oral steroids; peak flow back to 85%.",
            [], ["Prednisolone 40 mg daily for 5 days", "Budesonide-formoterol inhaler twice a day"], "Asthma nurse review in 2 weeks."),
    ];

    /// <summary>Runs in the seeding transaction, after the patients and doctors.</summary>
    public static async Task SeedAsync(CarebaseDb db, string currency, Guid portalPatient, DateTimeOffset now, CancellationToken ct)
    {
        var rng = new Random(20261212);
        var doctors = await db.Set<Doctor>().AsNoTracking().Where(d => d.DepartmentId != null).OrderBy(d => d.LicenseNumber)
            .Select(d => new { d.Id, DepartmentId = d.DepartmentId!.Value }).ToListAsync(ct);
        var patients = await db.Set<Patient>().AsNoTracking().Where(p => p.DeletedAt == null && !p.Confidential && p.Id != portalPatient)
            .OrderBy(p => p.PatientCode).Select(p => p.Id).ToListAsync(ct);
        if (doctors.Count == 0 || patients.Count < 80) return;

        var wards = new List<(Ward ward, List<Bed> beds)>();
        foreach (var (plan, i) in Wards.Select((w, i) => (w, i)))
        {
            var ward = new Ward
            {
                Name = plan.Name, Type = plan.Type, DepartmentId = doctors[i % doctors.Count].DepartmentId,
                DailyCharge = currency == "INR" ? plan.Inr : plan.Usd, CreatedAt = now.AddDays(-400), UpdatedAt = now.AddDays(-400),
            };
            db.Add(ward);
            wards.Add((ward, Enumerable.Range(1, plan.Beds).Select(n => Bed.Create(ward.Id, $"{plan.Prefix}-{n:00}", BedStatus.Available, null, now.AddDays(-400))).ToList()));
        }
        var allBeds = wards.SelectMany(w => w.beds.Select(b => (w.ward, bed: b))).ToList();
        db.AddRange(allBeds.Select(x => x.bed));
        await db.SaveChangesAsync(ct);

        var next = 0;
        Admission Admit(Guid patient, DateTimeOffset at, Case c)
        {
            var doctor = doctors[rng.Next(doctors.Count)];
            var admission = Admission.Admit(patient, rng.Next(3) == 0 ? "PLANNED" : "EMERGENCY", null, doctor.DepartmentId, doctor.Id, c.Code, c.Diagnosis,
                null, at, null, at);
            db.Add(admission);
            return admission;
        }
        BedAssignment Stay(Admission a, (Ward ward, Bed bed) where, DateTimeOffset from, string reason) =>
            new() { AdmissionId = a.Id, PatientId = a.PatientId, BedId = where.bed.Id, WardId = where.ward.Id, DailyCharge = where.ward.DailyCharge,
                    StartedAt = from, Reason = reason };
        void Discharge(Admission a, DateTimeOffset at, Case c, int i)
        {
            var (disposition, condition) = i % 20 == 7 ? ("DECEASED", "DECEASED") : i % 13 == 5 ? ("AGAINST_MEDICAL_ADVICE", "UNCHANGED")
                : i % 9 == 4 ? ("TRANSFERRED", "STABLE") : ("HOME", i % 3 == 0 ? "RECOVERED" : "IMPROVED");
            a.Discharge(at, disposition, condition, [new FinalDiagnosis(c.Code, c.Diagnosis)], c.Procedures, c.Course, c.Medications, c.FollowUp, null, at);
        }

        // Past stays, bed by bed one after another, all over before the current inpatients came (11 days ago at most).
        var stays = new List<BedAssignment>();
        var cursor = allBeds.ToDictionary(b => b.bed.Id, _ => now.AddDays(-95));
        for (var i = 0; i < 40; i++)
        {
            var where = allBeds[(i * 7) % allBeds.Count];
            var from = cursor[where.bed.Id].AddHours(rng.Next(2, 72));
            var to = from.AddHours(rng.Next(30, 24 * 8));
            if (to > now.AddDays(-11)) continue;
            cursor[where.bed.Id] = to;
            var c = Cases[rng.Next(Cases.Length)];
            var a = Admit(i == 0 ? portalPatient : patients[next++], from, c);
            var s = Stay(a, where, from, "ADMISSION");
            s.End(to);
            stays.Add(s);
            Discharge(a, to, c, i);
        }
        var occupied = new HashSet<Guid>();
        // This morning's discharges: their beds are being cleaned.
        foreach (var where in new[] { allBeds[5], allBeds[30], allBeds[60] })
        {
            var c = Cases[rng.Next(Cases.Length)];
            var from = now.AddDays(-rng.Next(2, 6)).AddHours(-rng.Next(0, 12));
            var to = now.AddHours(-rng.Next(1, 6));
            var a = Admit(patients[next++], from, c);
            var s = Stay(a, where, from, "ADMISSION");
            s.End(to);
            stays.Add(s);
            Discharge(a, to, c, 1);
            where.bed.Leave(to);
            occupied.Add(where.bed.Id);
        }
        // Out of service for repairs.
        foreach (var where in new[] { allBeds[11], allBeds[45], allBeds[80] })
        {
            where.bed.SetStatus(BedStatus.OutOfService, now.AddDays(-3));
            where.bed.Notes = "Bed motor being repaired";
            occupied.Add(where.bed.Id);
        }
        // Current inpatients: about 40% of the beds, a few moved out of intensive care, two waiting for a bed.
        var current = new List<Guid>();
        var icu = wards.Single(w => w.ward.Type == "ICU");
        for (var i = 0; i < 35; i++)
        {
            var c = Cases[rng.Next(Cases.Length)];
            var from = now.AddDays(-rng.Next(0, 10)).AddHours(-rng.Next(1, 20));
            var a = Admit(patients[next++], from, c);
            current.Add(a.PatientId);
            if (i >= 33) continue;
            var free = allBeds.Where(b => !occupied.Contains(b.bed.Id)).ToList();
            var where = free[rng.Next(free.Count)];
            if (i % 8 == 0 && icu.beds.FirstOrDefault(b => !occupied.Contains(b.Id)) is { } icuBed && where.ward.Type != "ICU")
            {
                // A day or so in intensive care first; that bed is being cleaned now.
                var first = Stay(a, (icu.ward, icuBed), from, "ADMISSION");
                var moved = from.AddDays(1).AddHours(rng.Next(0, 12)) is var m && m < now ? m : now.AddMinutes(-30);
                first.End(moved);
                stays.Add(first);
                icuBed.Occupy(from);
                icuBed.Leave(moved);
                occupied.Add(icuBed.Id);
                stays.Add(Stay(a, where, moved, "TRANSFER"));
            }
            else stays.Add(Stay(a, where, from, "ADMISSION"));
            where.bed.Occupy(from);
            occupied.Add(where.bed.Id);
        }
        await db.SaveChangesAsync(ct);
        db.AddRange(stays);
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlAsync($"UPDATE patients SET patient_type = 'IPD' WHERE id = ANY({current.ToArray()})", ct);
    }
}
