using Carebase.Api.Features.History;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>What an item is made of, for the checks: its ingredients and drug classes (normalized).</summary>
public sealed record ItemTerms(int Index, string Medicine, IReadOnlySet<string> Ingredients, IReadOnlySet<string> Classes, string CatalogClass)
{
    /// <summary>From the catalog item when there is one (ingredients, generic and brand names, class), and from the text.</summary>
    public static ItemTerms Of(PrescriptionItem item, StockItem? stock)
    {
        var ingredients = new HashSet<string>(DrugClasses.IngredientsIn(item.Medicine), StringComparer.Ordinal);
        if (stock is not null)
        {
            ingredients.UnionWith(stock.ActiveIngredients.Select(DrugClasses.Normalize).Where(i => i.Length > 0));
            ingredients.UnionWith(DrugClasses.IngredientsIn(stock.GenericName));
            ingredients.UnionWith(DrugClasses.IngredientsIn(stock.BrandName));
        }
        var classes = ingredients.SelectMany(DrugClasses.ClassesOf).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        if (DrugClasses.Named(stock?.DrugClass) is { } named) classes.Add(named.Name);
        return new ItemTerms(item.Position, item.Medicine, ingredients, classes, DrugClasses.Normalize(stock?.DrugClass));
    }
}

/// <summary>An active allergy as the checks read it.</summary>
public sealed record AllergyFact(string Substance, string? Severity, string? Reaction);

/// <summary>
/// The checks a prescription passes at issue, offline: each item against the patient's active allergies (the ingredient,
/// or a class the allergy names — "Penicillin" rules out amoxicillin) and against their active medications and the
/// other items of the prescription (the same ingredient twice is duplicate therapy).
/// </summary>
public sealed class PrescriptionChecks(CarebaseDb db)
{
    public async Task<IReadOnlyList<PrescriptionConflict>> FindAsync(Guid patientId, IReadOnlyList<PrescriptionItem> items, CancellationToken ct)
    {
        var allergies = await db.Set<Allergy>().AsNoTracking()
            .Where(a => a.PatientId == patientId && a.DeletedAt == null && a.Status == "ACTIVE")
            .OrderBy(a => a.CreatedAt).Select(a => new AllergyFact(a.Substance, a.Severity, a.Reaction)).ToListAsync(ct);
        var medications = await db.Set<Medication>().AsNoTracking()
            .Where(m => m.PatientId == patientId && m.DeletedAt == null && m.Status == "ACTIVE")
            .OrderBy(m => m.CreatedAt).Select(m => m.Name).ToListAsync(ct);
        var stockIds = items.Where(i => i.StockItemId is not null).Select(i => i.StockItemId!.Value).Distinct().ToList();
        var stock = stockIds.Count == 0 ? [] : await db.Set<StockItem>().AsNoTracking().Where(s => stockIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        return Find(items.OrderBy(i => i.Position).Select(i => ItemTerms.Of(i, i.StockItemId is { } s ? stock.GetValueOrDefault(s) : null)).ToList(),
            allergies, medications);
    }

    public static IReadOnlyList<PrescriptionConflict> Find(IReadOnlyList<ItemTerms> items, IReadOnlyList<AllergyFact> allergies, IReadOnlyList<string> medications)
    {
        var conflicts = new List<PrescriptionConflict>();
        foreach (var item in items)
        {
            foreach (var allergy in allergies)
                if (AllergyMatch(item, allergy) is { } why)
                    conflicts.Add(new(item.Index, PrescriptionConflict.AllergyConflict, item.Medicine, allergy.Substance, null,
                        $"{why}; the patient is allergic to {allergy.Substance}{Describe(allergy)}."));
            foreach (var medication in medications)
                if (Shared(item.Ingredients, DrugClasses.IngredientsIn(medication)) is { } ingredient)
                    conflicts.Add(new(item.Index, PrescriptionConflict.DuplicateTherapy, item.Medicine, null, medication,
                        $"{item.Medicine} and the current medication {medication} both contain {ingredient}."));
            foreach (var earlier in items.Where(o => o.Index < item.Index))
                if (Shared(item.Ingredients, earlier.Ingredients) is { } ingredient)
                    conflicts.Add(new(item.Index, PrescriptionConflict.DuplicateTherapy, item.Medicine, null, earlier.Medicine,
                        $"{item.Medicine} repeats {ingredient}, already in item {earlier.Index} ({earlier.Medicine})."));
        }
        return conflicts;
    }

    /// <summary>Why the item is ruled out by the allergy, or null: a class the allergy names, a shared ingredient, or the catalog's class by name.</summary>
    static string? AllergyMatch(ItemTerms item, AllergyFact allergy)
    {
        var (named, ingredients) = DrugClasses.AllergyTo(allergy.Substance);
        if (named is not null && item.Classes.Contains(named.Name))
            return $"{item.Medicine} is one of the {named.Name}" + (Shared(item.Ingredients, ingredients) is { } member ? $" ({member})" : "");
        if (Shared(item.Ingredients, ingredients) is { } shared) return $"{item.Medicine} contains {shared}";
        var substance = DrugClasses.Normalize(allergy.Substance);
        return substance.Length > 0 && substance == item.CatalogClass ? $"{item.Medicine} is of the class {allergy.Substance}" : null;
    }

    static string? Shared(IReadOnlySet<string> a, IReadOnlySet<string> b) => a.Where(b.Contains).Order(StringComparer.Ordinal).FirstOrDefault();

    static string Describe(AllergyFact a) =>
        (a.Severity, a.Reaction) switch
        {
            (null, null) => "",
            ({ } s, null) => $" ({s})",
            (null, { } r) => $" ({r})",
            ({ } s, { } r) => $" ({s}: {r})",
        };
}
