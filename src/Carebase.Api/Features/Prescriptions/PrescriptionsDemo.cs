using System.Globalization;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>
/// Demo prescriptions and dispensings: about 40% of the completed visits that call for medicine (and the portal patient's
/// recent visits) have a prescription from the visit's doctor with one to three demo medicines chosen for the diagnosis.
/// Most were dispensed from stock (first expiry first out, lines per batch, OUT movements, the medicines on the
/// patient's medication list), the newest wait at the pharmacy (ISSUED), a couple were cancelled, and today's
/// consultations in progress have a DRAFT. An item no batch could cover was skipped (PARTIALLY_DISPENSED).
/// Deterministic per hospital.
/// </summary>
public static class PrescriptionsDemo
{
    /// <summary>
    /// Codes keep the year they were issued in. The OUT movements of the dispensings are not moved: the ledger is
    /// append-only (the database refuses any edit of a movement), as in <see cref="PharmacyDemo"/>.
    /// </summary>
    public static readonly string[] FreshenStatements =
    [
        "UPDATE prescriptions SET created_at = created_at + $1, updated_at = updated_at + $1, issued_at = issued_at + $1, cancelled_at = cancelled_at + $1",
        "UPDATE dispensings SET dispensed_at = dispensed_at + $1",
        "UPDATE dispensing_returns SET returned_at = returned_at + $1",
    ];

    /// <summary>A regimen: the demo medicine (its stock item's name), units per dose, frequency code, doses a day, days, instructions.</summary>
    sealed record R(string Medicine, int Dose, string Frequency, int PerDay, int Days, string? Instructions = null)
    {
        public int Quantity => Dose * PerDay * Days;
    }

    /// <summary>What the doctor prescribes for a visit's primary diagnosis: the first always, the others now and then.</summary>
    static readonly Dictionary<string, R[]> ByDiagnosis = new()
    {
        ["J06.9"] = [new("Paracetamol 500 mg tablet", 2, "TID", 3, 3, "No more than 8 tablets in 24 hours."), new("Cetirizine 10 mg tablet", 1, "OD", 1, 5),
            new("Amoxicillin 500 mg capsule", 1, "TID", 3, 5, "Complete the course.")],
        ["I10"] = [new("Amlodipine 10 mg tablet", 1, "OD", 1, 28), new("Atorvastatin 20 mg tablet", 1, "QHS", 1, 28), new("Lisinopril 10 mg tablet", 1, "OD", 1, 28)],
        ["E11.9"] = [new("Metformin 500 mg tablet", 1, "BID", 2, 30, "Take with meals."), new("Atorvastatin 20 mg tablet", 1, "QHS", 1, 30),
            new("Gliclazide 80 mg tablet", 1, "OD", 1, 30, "Take with breakfast.")],
        ["M54.50"] = [new("Ibuprofen 400 mg tablet", 1, "TID", 3, 7, "Take after food."), new("Diazepam 5 mg tablet", 1, "BID", 2, 3, "For muscle spasm; may cause drowsiness."),
            new("Omeprazole 20 mg capsule", 1, "OD", 1, 7, "Before breakfast, while taking ibuprofen.")],
        ["J45.909"] = [new("Montelukast 10 mg tablet", 1, "QHS", 1, 30), new("Prednisolone 5 mg tablet", 8, "OD", 1, 5, "Take in the morning with food."),
            new("Cetirizine 10 mg tablet", 1, "OD", 1, 14)],
        ["N39.0"] = [new("Nitrofurantoin 100 mg capsule", 1, "BID", 2, 5, "Take with food; complete the course.")],
        ["G44.209"] = [new("Ibuprofen 400 mg tablet", 1, "TID", 3, 3, "Take after food."), new("Paracetamol 500 mg tablet", 2, "TID", 3, 2)],
        ["D50.9"] = [new("Ferrous sulfate 200 mg tablet", 1, "TID", 3, 42, "Take on an empty stomach; stools may darken."), new("Folic acid 5 mg tablet", 1, "OD", 1, 30)],
        ["K21.9"] = [new("Omeprazole 20 mg capsule", 1, "OD", 1, 28, "Before breakfast."), new("Famotidine 20 mg tablet", 1, "QHS", 1, 14)],
        ["F32.9"] = [new("Sertraline 50 mg tablet", 1, "OD", 1, 28, "May take 2–4 weeks to help; do not stop suddenly.")],
        ["M17.9"] = [new("Naproxen 500 mg tablet", 1, "BID", 2, 7, "Take after food."), new("Paracetamol 500 mg tablet", 2, "BID", 2, 5),
            new("Omeprazole 20 mg capsule", 1, "OD", 1, 7, "Before breakfast, while taking naproxen.")],
    };

    static readonly string[] CancelReasons =
    [
        "Patient already has this medicine at home; re-prescribed at the next review.",
        "Wrong patient selected; written again for the right one.",
    ];

    sealed class Batch
    {
        public required StockBatch Row { get; init; }
        public int OnHand { get; set; }
    }

    sealed record Plan(Prescription Prescription, string Outcome, DateTimeOffset IssuedAt);

    const string Waiting = "WAITING", Dispense = "DISPENSE", Cancel = "CANCEL", Draft = "DRAFT";

    /// <summary>Runs in the seeding transaction, after the visits and the pharmacy (its medicines and batches).</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, string timezone, Guid portalPatient, DateTimeOffset now, CancellationToken ct)
    {
        var rng = new Random(slug.Aggregate(20261215, (h, c) => h * 31 + c));
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        DateOnly LocalDate(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        var pharmacist = await db.Users.Where(u => u.NormalizedEmail == $"PHARMACIST@{slug.ToUpperInvariant()}.DEMO").Select(u => (Guid?)u.Id)
            .FirstOrDefaultAsync(ct);
        var doctors = await db.Set<Doctor>().AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.UserId, ct);
        var medicines = await db.Set<StockItem>().AsNoTracking().Where(s => s.Kind == StockItemKinds.Medicine).ToListAsync(ct);
        var byName = medicines.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.First());
        var batches = (await db.Set<StockBatch>().AsNoTracking().Where(b => b.Status == BatchStatuses.Active && b.OnHand > 0).ToListAsync(ct))
            .Select(b => new Batch { Row = b, OnHand = b.OnHand }).ToLookup(b => b.Row.StockItemId);
        var diagnoses = await db.Set<VisitDiagnosis>().AsNoTracking().Where(d => d.Kind == "PRIMARY" && d.Code != null)
            .Select(d => new { d.VisitId, Code = d.Code! }).ToListAsync(ct);
        var diagnosisOf = diagnoses.GroupBy(d => d.VisitId).ToDictionary(g => g.Key, g => g.First().Code);
        var visits = (await db.Set<Visit>().AsNoTracking().ToListAsync(ct))
            .Where(v => diagnosisOf.TryGetValue(v.Id, out var code) && ByDiagnosis.ContainsKey(code))
            .OrderBy(v => v.StartedAt).ThenBy(v => v.Id).ToList();

        // The portal patient's four latest visits, and about 40% of the other completed visits of the last weeks
        // (the demo appointments'; the portal patient's ten-year history stays without).
        var recent = now.AddDays(-30);
        var portalVisits = visits.Where(v => v.PatientId == portalPatient && v.CompletedAt is not null).TakeLast(4).ToList();
        var chosen = visits.Where(v => v.CompletedAt is not null && v.StartedAt >= recent && !portalVisits.Contains(v))
            .Where(_ => rng.Next(100) < 40).ToList();
        var open = visits.Where(v => v.Status == VisitValues.InProgress).Take(3).ToList();

        // Outcomes: the newest nine (and the portal patient's latest) wait at the pharmacy, two older ones were cancelled,
        // the rest were handed out.
        var outcomes = new Dictionary<Guid, string>();
        foreach (var v in chosen) outcomes[v.Id] = Dispense;
        foreach (var v in chosen.TakeLast(9)) outcomes[v.Id] = Waiting;
        foreach (var v in chosen.Take(Math.Max(0, chosen.Count - 9)).OrderBy(_ => rng.Next()).Take(2)) outcomes[v.Id] = Cancel;
        foreach (var v in portalVisits) outcomes[v.Id] = v == portalVisits[^1] ? Waiting : Dispense;
        foreach (var v in open) outcomes[v.Id] = Draft;

        var plans = new List<Plan>();
        foreach (var v in chosen.Concat(portalVisits).Concat(open))
        {
            var doctorUser = doctors[v.DoctorId];
            var writtenAt = Microseconds.Truncate((v.CompletedAt ?? now).AddMinutes(-rng.Next(3, 9)));
            if (writtenAt < v.StartedAt) writtenAt = v.StartedAt;
            var prescription = Prescription.Draft(v.PatientId, v.Id, v.DoctorId, null, doctorUser, writtenAt);
            var pool = ByDiagnosis[diagnosisOf[v.Id]];
            var regimens = pool.Take(1).Concat(pool.Skip(1).Where(_ => rng.Next(2) == 0)).Take(3).ToList();
            foreach (var (r, i) in regimens.Select((r, i) => (r, i)))
            {
                var medicine = byName[r.Medicine];
                prescription.Items.Add(new PrescriptionItem
                {
                    PrescriptionId = prescription.Id, Position = i, StockItemId = medicine.Id, Medicine = medicine.Name, DoseAmount = r.Dose,
                    DoseUnit = medicine.Unit, Dose = $"{r.Dose} {medicine.Unit}{(r.Dose > 1 ? "s" : "")}", Frequency = r.Frequency, Route = medicine.Route,
                    DurationDays = r.Days, Quantity = r.Quantity, Instructions = r.Instructions,
                });
            }
            plans.Add(new Plan(prescription, outcomes[v.Id], writtenAt));
        }

        // Codes in the order they were issued, from the sequence the prescription desk takes them from.
        var issued = plans.Where(p => p.Outcome != Draft).OrderBy(p => p.IssuedAt).ToList();
        var numbers = (await db.Database.SqlQueryRaw<long>(
            "SELECT nextval('prescription_code_seq') AS \"Value\" FROM generate_series(1, {0})", issued.Count).ToListAsync(ct)).Order().ToList();
        var dispensings = new List<(Plan plan, DateTimeOffset at)>();
        var cancelled = 0;
        foreach (var (plan, number) in issued.Zip(numbers))
        {
            var p = plan.Prescription;
            var by = doctors[p.DoctorId];
            var year = TimeZoneInfo.ConvertTime(plan.IssuedAt, zone).Year;
            p.Issue(string.Create(CultureInfo.InvariantCulture, $"RX-{year}-{number:D6}"), [], by, plan.IssuedAt);
            if (plan.Outcome == Cancel) p.Cancel(CancelReasons[cancelled++ % CancelReasons.Length], by, plan.IssuedAt.AddMinutes(rng.Next(10, 120)));
            if (plan.Outcome == Dispense) dispensings.Add((plan, Microseconds.Truncate(plan.IssuedAt.AddMinutes(rng.Next(15, 90)))));
        }
        db.AddRange(plans.Select(p => p.Prescription));
        await db.SaveChangesAsync(ct); // the items exist before the lines and medications that point at them

        // Handed out in the order it happened: first expiry first out from the active batches received by then that
        // hold enough and do not expire before the course ends; an item none can cover is skipped.
        var movements = new List<StockMovement>();
        foreach (var (plan, at) in dispensings.OrderBy(d => d.at))
        {
            var p = plan.Prescription;
            var day = LocalDate(at);
            var dispensing = new Dispensing { PrescriptionId = p.Id, PatientId = p.PatientId, DispensedAt = at, DispensedBy = pharmacist };
            var handed = new List<PrescriptionItem>();
            foreach (var item in p.Items)
            {
                var usable = batches[item.StockItemId!.Value]
                    .Where(b => b.OnHand > 0 && b.Row.ReceivedAt <= at && (b.Row.ExpiryDate is null || b.Row.ExpiryDate >= day.AddDays(item.DurationDays ?? 0)))
                    .OrderBy(b => b.Row.ExpiryDate ?? DateOnly.MaxValue).ThenBy(b => b.Row.ReceivedAt).ThenBy(b => b.Row.Id).ToList();
                if (usable.Sum(b => b.OnHand) < item.Quantity) continue;
                var left = item.Quantity;
                foreach (var b in usable)
                {
                    if (left == 0) break;
                    var take = Math.Min(left, b.OnHand);
                    b.OnHand -= take;
                    left -= take;
                    db.Add(new DispensingLine
                    {
                        DispensingId = dispensing.Id, PrescriptionItemId = item.Id, BatchId = b.Row.Id, StockItemId = b.Row.StockItemId, Quantity = take,
                        UnitPrice = medicines.First(m => m.Id == b.Row.StockItemId).SalePrice,
                    });
                    movements.Add(new StockMovement
                    {
                        BatchId = b.Row.Id, StockItemId = b.Row.StockItemId, Kind = MovementKinds.Out, Quantity = -take,
                        DocumentType = DispensingDocuments.Dispensing, DocumentId = dispensing.Id, OccurredAt = at, RecordedBy = pharmacist,
                    });
                }
                item.QuantityDispensed = item.Quantity;
                handed.Add(item);
            }
            if (handed.Count == 0) continue; // nothing in stock for it: it waits at the pharmacy
            db.Add(dispensing);
            p.FollowDispensing(pharmacist, at);
            foreach (var item in handed)
            {
                var medication = new Medication
                {
                    Name = item.Medicine, Dose = item.Dose, Route = item.Route, Frequency = item.Frequency, StartDate = day,
                    EndDate = item.DurationDays is { } days ? day.AddDays(days - 1) : null, Status = "ACTIVE", Source = "PRESCRIBED",
                    PrescriptionItemId = item.Id, Notes = item.Instructions,
                };
                medication.Begin(p.PatientId, pharmacist, at);
                db.Add(medication);
            }
        }
        // The database adds each movement to its batch and checks it (never below zero).
        db.AddRange(movements);
        await db.SaveChangesAsync(ct);
    }
}
