using System.Globalization;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// The demo pharmacy: about a hundred common medicines (generic and brand names, forms, strengths, routes, active
/// ingredients and drug classes the prescription checks match allergies against), IV fluids, consumables and equipment,
/// each with one to three batches received months ago and partly dispensed since. Some batches expire within 90 days,
/// some already expired (marked EXPIRED, their rest written off), and some items are below their reorder level.
/// Deterministic per hospital.
/// </summary>
public static class PharmacyDemo
{
    /// <summary>
    /// Expiry dates move with the demo so "expiring soon" and "expired" stay so. The ledger is append-only (the database
    /// refuses any edit of a movement), so movements and receipt times keep the moment they were recorded.
    /// </summary>
    public static readonly string[] FreshenStatements =
    [
        "UPDATE stock_batches SET expiry_date = (expiry_date + $1)::date WHERE expiry_date IS NOT NULL",
    ];

    /// <summary>name | generic name | brand | form | strength | route | active ingredients (+) | drug class | unit | price in USD.</summary>
    static readonly string[] Medicines =
    [
        "Amoxicillin 500 mg capsule|Amoxicillin|Amoxil|capsule|500 mg|oral|amoxicillin|penicillin|capsule|0.30",
        "Amoxicillin 250 mg/5 ml suspension|Amoxicillin|Amoxil|powder for oral suspension|250 mg/5 ml|oral|amoxicillin|penicillin|bottle|3.20",
        "Amoxicillin-clavulanate 625 mg tablet|Amoxicillin and clavulanic acid|Augmentin|tablet|500 mg/125 mg|oral|amoxicillin+clavulanic acid|penicillin|tablet|0.90",
        "Penicillin V 250 mg tablet|Phenoxymethylpenicillin|Pen-Vee K|tablet|250 mg|oral|phenoxymethylpenicillin|penicillin|tablet|0.20",
        "Benzathine benzylpenicillin 2.4 MU injection|Benzathine benzylpenicillin|Bicillin L-A|powder for injection|2.4 million units|intramuscular|benzathine benzylpenicillin|penicillin|vial|6.50",
        "Flucloxacillin 500 mg capsule|Flucloxacillin|Floxapen|capsule|500 mg|oral|flucloxacillin|penicillin|capsule|0.45",
        "Cefalexin 500 mg capsule|Cefalexin|Keflex|capsule|500 mg|oral|cefalexin|cephalosporin|capsule|0.40",
        "Cefuroxime 500 mg tablet|Cefuroxime axetil|Zinnat|tablet|500 mg|oral|cefuroxime|cephalosporin|tablet|0.95",
        "Ceftriaxone 1 g injection|Ceftriaxone|Rocephin|powder for injection|1 g|intravenous|ceftriaxone|cephalosporin|vial|4.80",
        "Co-trimoxazole 960 mg tablet|Sulfamethoxazole and trimethoprim|Bactrim DS|tablet|800 mg/160 mg|oral|sulfamethoxazole+trimethoprim|sulfonamide|tablet|0.25",
        "Azithromycin 500 mg tablet|Azithromycin|Zithromax|tablet|500 mg|oral|azithromycin|macrolide|tablet|1.10",
        "Clarithromycin 500 mg tablet|Clarithromycin|Klacid|tablet|500 mg|oral|clarithromycin|macrolide|tablet|0.85",
        "Erythromycin 250 mg tablet|Erythromycin|Erythrocin|gastro-resistant tablet|250 mg|oral|erythromycin|macrolide|tablet|0.30",
        "Ciprofloxacin 500 mg tablet|Ciprofloxacin|Cipro|tablet|500 mg|oral|ciprofloxacin|fluoroquinolone|tablet|0.35",
        "Levofloxacin 500 mg tablet|Levofloxacin|Levaquin|tablet|500 mg|oral|levofloxacin|fluoroquinolone|tablet|0.60",
        "Doxycycline 100 mg capsule|Doxycycline|Vibramycin|capsule|100 mg|oral|doxycycline|tetracycline|capsule|0.25",
        "Metronidazole 400 mg tablet|Metronidazole|Flagyl|tablet|400 mg|oral|metronidazole|nitroimidazole|tablet|0.15",
        "Nitrofurantoin 100 mg capsule|Nitrofurantoin|Macrobid|modified-release capsule|100 mg|oral|nitrofurantoin|nitrofuran|capsule|0.55",
        "Gentamicin 80 mg/2 ml injection|Gentamicin|Garamycin|solution for injection|40 mg/ml|intravenous|gentamicin|aminoglycoside|ampoule|1.20",
        "Clindamycin 300 mg capsule|Clindamycin|Dalacin C|capsule|300 mg|oral|clindamycin|lincosamide|capsule|0.70",
        "Vancomycin 500 mg injection|Vancomycin|Vancocin|powder for infusion|500 mg|intravenous|vancomycin|glycopeptide|vial|7.50",
        "Paracetamol 500 mg tablet|Paracetamol|Panadol|tablet|500 mg|oral|paracetamol|analgesic|tablet|0.05",
        "Paracetamol 120 mg/5 ml suspension|Paracetamol|Calpol|oral suspension|120 mg/5 ml|oral|paracetamol|analgesic|bottle|2.40",
        "Paracetamol 1 g/100 ml infusion|Paracetamol|Perfalgan|solution for infusion|10 mg/ml|intravenous|paracetamol|analgesic|bottle|3.10",
        "Ibuprofen 400 mg tablet|Ibuprofen|Brufen|tablet|400 mg|oral|ibuprofen|nsaid|tablet|0.08",
        "Ibuprofen 100 mg/5 ml suspension|Ibuprofen|Nurofen for Children|oral suspension|100 mg/5 ml|oral|ibuprofen|nsaid|bottle|3.50",
        "Diclofenac 50 mg tablet|Diclofenac sodium|Voltaren|gastro-resistant tablet|50 mg|oral|diclofenac|nsaid|tablet|0.10",
        "Diclofenac 75 mg/3 ml injection|Diclofenac sodium|Voltaren|solution for injection|25 mg/ml|intramuscular|diclofenac|nsaid|ampoule|0.90",
        "Naproxen 500 mg tablet|Naproxen|Naprosyn|tablet|500 mg|oral|naproxen|nsaid|tablet|0.20",
        "Aspirin 75 mg tablet|Acetylsalicylic acid|Aspirin Protect|gastro-resistant tablet|75 mg|oral|acetylsalicylic acid|nsaid|tablet|0.04",
        "Aspirin 300 mg dispersible tablet|Acetylsalicylic acid|Disprin|dispersible tablet|300 mg|oral|acetylsalicylic acid|nsaid|tablet|0.06",
        "Celecoxib 200 mg capsule|Celecoxib|Celebrex|capsule|200 mg|oral|celecoxib|nsaid|capsule|0.50",
        "Tramadol 50 mg capsule|Tramadol hydrochloride|Ultram|capsule|50 mg|oral|tramadol|opioid|capsule|0.30",
        "Morphine 10 mg/ml injection|Morphine sulfate||solution for injection|10 mg/ml|intravenous|morphine|opioid|ampoule|1.80",
        "Morphine 10 mg/5 ml oral solution|Morphine sulfate|Oramorph|oral solution|10 mg/5 ml|oral|morphine|opioid|bottle|6.20",
        "Codeine 30 mg tablet|Codeine phosphate||tablet|30 mg|oral|codeine|opioid|tablet|0.15",
        "Co-codamol 30/500 mg tablet|Codeine and paracetamol|Solpadol|tablet|30 mg/500 mg|oral|codeine+paracetamol|opioid|tablet|0.20",
        "Fentanyl 100 mcg/2 ml injection|Fentanyl citrate|Sublimaze|solution for injection|50 mcg/ml|intravenous|fentanyl|opioid|ampoule|2.10",
        "Atorvastatin 20 mg tablet|Atorvastatin|Lipitor|tablet|20 mg|oral|atorvastatin|statin|tablet|0.12",
        "Atorvastatin 40 mg tablet|Atorvastatin|Lipitor|tablet|40 mg|oral|atorvastatin|statin|tablet|0.18",
        "Simvastatin 20 mg tablet|Simvastatin|Zocor|tablet|20 mg|oral|simvastatin|statin|tablet|0.08",
        "Rosuvastatin 10 mg tablet|Rosuvastatin|Crestor|tablet|10 mg|oral|rosuvastatin|statin|tablet|0.20",
        "Enalapril 10 mg tablet|Enalapril maleate|Vasotec|tablet|10 mg|oral|enalapril|ace inhibitor|tablet|0.07",
        "Lisinopril 10 mg tablet|Lisinopril|Zestril|tablet|10 mg|oral|lisinopril|ace inhibitor|tablet|0.07",
        "Ramipril 5 mg capsule|Ramipril|Altace|capsule|5 mg|oral|ramipril|ace inhibitor|capsule|0.10",
        "Losartan 50 mg tablet|Losartan potassium|Cozaar|tablet|50 mg|oral|losartan|angiotensin receptor blocker|tablet|0.12",
        "Amlodipine 5 mg tablet|Amlodipine|Norvasc|tablet|5 mg|oral|amlodipine|calcium channel blocker|tablet|0.06",
        "Amlodipine 10 mg tablet|Amlodipine|Norvasc|tablet|10 mg|oral|amlodipine|calcium channel blocker|tablet|0.09",
        "Bisoprolol 5 mg tablet|Bisoprolol fumarate|Concor|tablet|5 mg|oral|bisoprolol|beta blocker|tablet|0.08",
        "Atenolol 50 mg tablet|Atenolol|Tenormin|tablet|50 mg|oral|atenolol|beta blocker|tablet|0.05",
        "Metoprolol 50 mg tablet|Metoprolol tartrate|Lopressor|tablet|50 mg|oral|metoprolol|beta blocker|tablet|0.07",
        "Hydrochlorothiazide 25 mg tablet|Hydrochlorothiazide|Microzide|tablet|25 mg|oral|hydrochlorothiazide|thiazide diuretic|tablet|0.05",
        "Furosemide 40 mg tablet|Furosemide|Lasix|tablet|40 mg|oral|furosemide|loop diuretic|tablet|0.05",
        "Furosemide 20 mg/2 ml injection|Furosemide|Lasix|solution for injection|10 mg/ml|intravenous|furosemide|loop diuretic|ampoule|0.60",
        "Spironolactone 25 mg tablet|Spironolactone|Aldactone|tablet|25 mg|oral|spironolactone|potassium-sparing diuretic|tablet|0.10",
        "Clopidogrel 75 mg tablet|Clopidogrel|Plavix|tablet|75 mg|oral|clopidogrel|antiplatelet|tablet|0.15",
        "Warfarin 5 mg tablet|Warfarin sodium|Coumadin|tablet|5 mg|oral|warfarin|anticoagulant|tablet|0.08",
        "Enoxaparin 40 mg/0.4 ml injection|Enoxaparin sodium|Clexane|prefilled syringe|40 mg/0.4 ml|subcutaneous|enoxaparin|heparin|syringe|4.20",
        "Digoxin 250 mcg tablet|Digoxin|Lanoxin|tablet|250 mcg|oral|digoxin|cardiac glycoside|tablet|0.10",
        "Glyceryl trinitrate 400 mcg spray|Glyceryl trinitrate|Nitrolingual|sublingual spray|400 mcg/dose|sublingual|glyceryl trinitrate|nitrate|canister|7.80",
        "Metformin 500 mg tablet|Metformin hydrochloride|Glucophage|tablet|500 mg|oral|metformin|biguanide|tablet|0.04",
        "Metformin 850 mg tablet|Metformin hydrochloride|Glucophage|tablet|850 mg|oral|metformin|biguanide|tablet|0.06",
        "Gliclazide 80 mg tablet|Gliclazide|Diamicron|tablet|80 mg|oral|gliclazide|sulfonylurea|tablet|0.08",
        "Insulin glargine 100 units/ml pen|Insulin glargine|Lantus|solution for injection in pen|100 units/ml|subcutaneous|insulin glargine|insulin|pen|14.50",
        "Insulin aspart 100 units/ml pen|Insulin aspart|NovoRapid|solution for injection in pen|100 units/ml|subcutaneous|insulin aspart|insulin|pen|12.80",
        "Soluble human insulin 100 units/ml vial|Insulin human (soluble)|Actrapid|solution for injection|100 units/ml|subcutaneous|insulin human|insulin|vial|9.60",
        "Salbutamol 100 mcg inhaler|Salbutamol sulfate|Ventolin|pressurised inhalation|100 mcg/dose|inhalation|salbutamol|beta agonist|inhaler|3.90",
        "Salbutamol 2.5 mg/2.5 ml nebules|Salbutamol sulfate|Ventolin Nebules|nebuliser solution|1 mg/ml|inhalation|salbutamol|beta agonist|nebule|0.35",
        "Budesonide 200 mcg inhaler|Budesonide|Pulmicort|inhalation powder|200 mcg/dose|inhalation|budesonide|corticosteroid|inhaler|11.40",
        "Beclometasone 100 mcg inhaler|Beclometasone dipropionate|Qvar|pressurised inhalation|100 mcg/dose|inhalation|beclometasone|corticosteroid|inhaler|8.70",
        "Montelukast 10 mg tablet|Montelukast sodium|Singulair|tablet|10 mg|oral|montelukast|leukotriene antagonist|tablet|0.25",
        "Prednisolone 5 mg tablet|Prednisolone||tablet|5 mg|oral|prednisolone|corticosteroid|tablet|0.05",
        "Hydrocortisone 100 mg injection|Hydrocortisone sodium succinate|Solu-Cortef|powder for injection|100 mg|intravenous|hydrocortisone|corticosteroid|vial|3.40",
        "Dexamethasone 4 mg/ml injection|Dexamethasone sodium phosphate|Decadron|solution for injection|4 mg/ml|intravenous|dexamethasone|corticosteroid|ampoule|0.80",
        "Omeprazole 20 mg capsule|Omeprazole|Prilosec|gastro-resistant capsule|20 mg|oral|omeprazole|proton pump inhibitor|capsule|0.08",
        "Pantoprazole 40 mg tablet|Pantoprazole|Protonix|gastro-resistant tablet|40 mg|oral|pantoprazole|proton pump inhibitor|tablet|0.12",
        "Famotidine 20 mg tablet|Famotidine|Pepcid|tablet|20 mg|oral|famotidine|h2 blocker|tablet|0.10",
        "Ondansetron 4 mg tablet|Ondansetron|Zofran|orodispersible tablet|4 mg|oral|ondansetron|antiemetic|tablet|0.40",
        "Metoclopramide 10 mg tablet|Metoclopramide hydrochloride|Maxolon|tablet|10 mg|oral|metoclopramide|antiemetic|tablet|0.06",
        "Loperamide 2 mg capsule|Loperamide hydrochloride|Imodium|capsule|2 mg|oral|loperamide|antidiarrhoeal|capsule|0.10",
        "Oral rehydration salts sachet|Oral rehydration salts|ORS|powder for oral solution|20.5 g|oral|sodium chloride+potassium chloride+sodium citrate+glucose|electrolyte|sachet|0.15",
        "Sodium chloride 0.9% 500 ml infusion|Sodium chloride|Normal Saline|solution for infusion|0.9%|intravenous|sodium chloride|electrolyte|bag|1.10",
        "Dextrose 5% 500 ml infusion|Glucose|D5W|solution for infusion|5%|intravenous|glucose|electrolyte|bag|1.20",
        "Ringer's lactate 500 ml infusion|Compound sodium lactate|Hartmann's|solution for infusion|500 ml|intravenous|sodium chloride+sodium lactate+potassium chloride+calcium chloride|electrolyte|bag|1.30",
        "Cetirizine 10 mg tablet|Cetirizine hydrochloride|Zyrtec|tablet|10 mg|oral|cetirizine|antihistamine|tablet|0.05",
        "Loratadine 10 mg tablet|Loratadine|Claritin|tablet|10 mg|oral|loratadine|antihistamine|tablet|0.06",
        "Chlorphenamine 4 mg tablet|Chlorphenamine maleate|Piriton|tablet|4 mg|oral|chlorphenamine|antihistamine|tablet|0.04",
        "Sertraline 50 mg tablet|Sertraline|Zoloft|tablet|50 mg|oral|sertraline|ssri|tablet|0.12",
        "Fluoxetine 20 mg capsule|Fluoxetine|Prozac|capsule|20 mg|oral|fluoxetine|ssri|capsule|0.10",
        "Diazepam 5 mg tablet|Diazepam|Valium|tablet|5 mg|oral|diazepam|benzodiazepine|tablet|0.06",
        "Levothyroxine 50 mcg tablet|Levothyroxine sodium|Eltroxin|tablet|50 mcg|oral|levothyroxine|thyroid hormone|tablet|0.05",
        "Ferrous sulfate 200 mg tablet|Ferrous sulfate||tablet|200 mg|oral|ferrous sulfate|iron supplement|tablet|0.03",
        "Folic acid 5 mg tablet|Folic acid||tablet|5 mg|oral|folic acid|vitamin|tablet|0.02",
        "Lidocaine 1% injection|Lidocaine hydrochloride|Xylocaine|solution for injection|10 mg/ml|infiltration|lidocaine|local anaesthetic|vial|1.50",
        "Fluconazole 150 mg capsule|Fluconazole|Diflucan|capsule|150 mg|oral|fluconazole|azole antifungal|capsule|0.45",
        "Aciclovir 400 mg tablet|Aciclovir|Zovirax|tablet|400 mg|oral|aciclovir|antiviral|tablet|0.25",
        "Artemether-lumefantrine 20/120 mg tablet|Artemether and lumefantrine|Coartem|tablet|20 mg/120 mg|oral|artemether+lumefantrine|antimalarial|tablet|0.40",
        "Albendazole 400 mg tablet|Albendazole|Zentel|chewable tablet|400 mg|oral|albendazole|anthelmintic|tablet|0.30",
    ];

    /// <summary>kind | name | unit | price in USD | shelf life in years (0: does not expire).</summary>
    static readonly string[] Supplies =
    [
        "CONSUMABLE|Disposable syringe 5 ml|piece|0.10|5", "CONSUMABLE|Disposable syringe 10 ml|piece|0.14|5",
        "CONSUMABLE|Hypodermic needle 23G|piece|0.04|5", "CONSUMABLE|IV cannula 20G|piece|0.60|3", "CONSUMABLE|IV giving set|piece|0.80|3",
        "CONSUMABLE|Examination gloves, medium|box of 100|6.50|4", "CONSUMABLE|Sterile surgical gloves, size 7.5|pair|0.70|4",
        "CONSUMABLE|Surgical face mask|box of 50|4.00|4", "CONSUMABLE|Gauze swabs 10 x 10 cm|pack of 100|3.20|5",
        "CONSUMABLE|Crepe bandage 10 cm|roll|0.90|5", "CONSUMABLE|Alcohol swabs|box of 100|2.50|3", "CONSUMABLE|Urine specimen container|piece|0.15|5",
        "CONSUMABLE|EDTA blood collection tube|piece|0.20|2", "CONSUMABLE|Foley urinary catheter 16Fr|piece|1.90|3",
        "EQUIPMENT|Digital thermometer|piece|6.00|0", "EQUIPMENT|Fingertip pulse oximeter|piece|18.00|0",
        "EQUIPMENT|Automatic blood pressure monitor|piece|35.00|0", "EQUIPMENT|Blood glucose meter|piece|15.00|0",
        "EQUIPMENT|Stethoscope|piece|22.00|0", "EQUIPMENT|Compressor nebuliser|piece|40.00|0", "EQUIPMENT|Standard wheelchair|piece|120.00|0",
    ];

    static readonly string[] Suppliers = ["MedSupply Ltd", "Apex Pharma Distributors", "CarePoint Wholesale", "Unity Medical Supplies"];

    /// <summary>Runs in the seeding transaction; <paramref name="currency"/> scales the prices (INR at about 80 to the dollar).</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, string timezone, string currency, DateTimeOffset now, CancellationToken ct)
    {
        var rng = new Random(slug.Aggregate(20261201, (h, c) => h * 31 + c));
        var rate = currency == "INR" ? 80m : 1m;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(timezone)).DateTime);
        var pharmacist = await db.Users.Where(u => u.NormalizedEmail == $"PHARMACIST@{slug.ToUpperInvariant()}.DEMO").Select(u => (Guid?)u.Id)
            .FirstOrDefaultAsync(ct);
        var since = Microseconds.Truncate(now.AddDays(-400));
        var later = new List<StockMovement>(); // taken out after the receipts are in (the database checks each against the batch)

        var items = Medicines.Select(line => line.Split('|')).Select(f =>
        {
            var item = new StockItem { Kind = StockItemKinds.Medicine, Name = f[0], Unit = f[8], SalePrice = Price(f[9], rate), CreatedAt = since, CreatedBy = pharmacist };
            item.Describe(f[1], f[2], f[3], f[4], f[5], f[6].Split('+'), f[7]);
            return (item, shelfYears: 3);
        }).Concat(Supplies.Select(line => line.Split('|')).Select(f =>
            (new StockItem { Kind = f[0], Name = f[1], Unit = f[2], SalePrice = Price(f[3], rate), CreatedAt = since, CreatedBy = pharmacist },
                shelfYears: int.Parse(f[4], CultureInfo.InvariantCulture))))
            .ToList();

        for (var i = 0; i < items.Count; i++)
        {
            var (item, shelfYears) = items[i];
            var countable = item.Unit is "tablet" or "capsule" or "piece" or "sachet" or "nebule";
            var typical = item.Kind == StockItemKinds.Equipment ? rng.Next(3, 8) : countable ? rng.Next(4, 20) * 100 : rng.Next(4, 16) * 10;
            item.ReorderLevel = Math.Max(1, typical / 4);
            item.Stamp(pharmacist, since);
            db.Add(item);

            var batches = 1 + rng.Next(3);
            for (var b = 0; b < batches; b++)
            {
                var receivedAt = Microseconds.Truncate(now.AddDays(-rng.Next(20, 300)).AddHours(rng.Next(8, 17)));
                DateOnly? expiry = shelfYears == 0 ? null
                    : i % 5 == 0 && b == 0 ? today.AddDays(rng.Next(10, 85)) // near expiry
                    : today.AddDays(rng.Next(150, 365 * shelfYears));
                var batch = Receive(db, item, $"{Prefix(item)}{receivedAt:yyMM}-{rng.Next(100, 999)}{(char)('A' + b)}", expiry, typical,
                    Cost(item, 0.55m + rng.Next(0, 15) / 100m), receivedAt, pharmacist, rng);
                // Dispensed since: most of it for every ninth item (below its reorder level), some of it otherwise.
                var used = i % 9 == 4 ? typical - rng.Next(0, Math.Max(1, item.ReorderLevel / batches)) : typical * rng.Next(5, 60) / 100;
                if (used > 0 && used <= typical) later.Add(Movement(batch, MovementKinds.Out, -used, "Dispensed", receivedAt.AddDays(rng.Next(1, 19)), pharmacist));
            }
            if (i % 11 == 3 && shelfYears > 0)
            {
                // An old batch past its date: expired by the job, what was left written off.
                var receivedAt = Microseconds.Truncate(now.AddDays(-rng.Next(400, 700)));
                var expiry = today.AddDays(-rng.Next(5, 60));
                var batch = Receive(db, item, $"{Prefix(item)}{receivedAt:yyMM}-{rng.Next(100, 999)}X", expiry, typical / 2,
                    Cost(item, 0.6m), receivedAt, pharmacist, rng);
                var left = typical / 2 - typical / 4;
                later.Add(Movement(batch, MovementKinds.Out, -(typical / 4), "Dispensed", receivedAt.AddDays(30), pharmacist));
                var expiredAt = now.AddDays(expiry.DayNumber - today.DayNumber + 1);
                later.Add(Movement(batch, MovementKinds.Expired, -left, $"Expired on {expiry:yyyy-MM-dd}", expiredAt, null, "EXPIRY"));
                batch.MarkExpired(null, Microseconds.Truncate(expiredAt));
            }
        }
        await db.SaveChangesAsync(ct);
        db.AddRange(later);
        await db.SaveChangesAsync(ct);
    }

    static StockBatch Receive(CarebaseDb db, StockItem item, string number, DateOnly? expiry, int quantity, decimal unitCost, DateTimeOffset at,
        Guid? by, Random rng)
    {
        var batch = new StockBatch
        {
            StockItemId = item.Id, BatchNumber = number, ExpiryDate = expiry, QuantityReceived = quantity, UnitCost = unitCost,
            Supplier = Suppliers[rng.Next(Suppliers.Length)], ReceivedAt = at, ReceivedBy = by,
        };
        batch.Stamp(by, at);
        db.Add(batch);
        db.Add(Movement(batch, MovementKinds.In, quantity, null, at, by, "RECEIPT"));
        return batch;
    }

    static StockMovement Movement(StockBatch batch, string kind, int quantity, string? reason, DateTimeOffset at, Guid? by, string? document = null) => new()
    {
        BatchId = batch.Id, StockItemId = batch.StockItemId, Kind = kind, Quantity = quantity, Reason = reason, OccurredAt = Microseconds.Truncate(at),
        RecordedBy = by, DocumentType = document, DocumentId = document is null ? null : batch.Id,
    };

    /// <summary>Batch numbers start with the item's initials (AMO, PAR…).</summary>
    static string Prefix(StockItem item) => new string(item.Name.Where(char.IsLetter).Take(3).ToArray()).ToUpperInvariant();

    static decimal Price(string usd, decimal rate) =>
        decimal.Round(decimal.Parse(usd, CultureInfo.InvariantCulture) * rate, 2, MidpointRounding.AwayFromZero);

    /// <summary>What the hospital paid: a share of the sale price, to four decimals as unit costs are kept.</summary>
    static decimal Cost(StockItem item, decimal share) => decimal.Round(item.SalePrice * share, 4, MidpointRounding.AwayFromZero);
}
