using Carebase.Api.Features.Prescriptions;

namespace Carebase.Tests.Features.Prescriptions;

/// <summary>The built-in class map and the issue-time matching, without a database.</summary>
public sealed class DrugClassesTests
{
    static ItemTerms Free(string medicine, int index = 0) => ItemTerms.Of(new PrescriptionItem { Position = index, Medicine = medicine }, null);

    static IReadOnlyList<PrescriptionConflict> Against(string allergy, params string[] medicines) =>
        PrescriptionChecks.Find(medicines.Select((m, i) => Free(m, i)).ToList(), [new AllergyFact(allergy, null, null)], []);

    [Theory]
    [InlineData("  Amoxicilína ", "amoxicilina")]
    [InlineData("CO-AMOXICLAV", "co amoxiclav")]
    [InlineData("Sulfa  drugs!", "sulfa drugs")]
    [InlineData("β-lactam", "β lactam")]
    public void Normalizing_ignores_case_accents_punctuation_and_spacing(string text, string expected) =>
        Assert.Equal(expected, DrugClasses.Normalize(text));

    [Theory]
    [InlineData("Penicillin", "Amoxicillin 500 mg")]
    [InlineData("penicillins", "Flucloxacillin 250mg")]
    [InlineData("PÉNICILLIN", "Co-amoxiclav 625 mg")]
    [InlineData("Penicillin", "Amoxil 500")]
    [InlineData("Beta-lactam", "Cefalexin 500 mg")]
    [InlineData("Sulfa drugs", "Co-trimoxazole 960 mg")]
    [InlineData("sulfa", "Bactrim DS")]
    [InlineData("NSAIDs", "Brufen 400")]
    [InlineData("nsaid", "Aspirin 75 mg")]
    [InlineData("Opioids", "Tramadol 50 mg")]
    [InlineData("Macrolides", "Azithromycin 500 mg")]
    [InlineData("quinolones", "Ciprofloxacin 500 mg")]
    [InlineData("Tetracyclines", "Doxycycline 100 mg")]
    [InlineData("Statins", "Lipitor 20")]
    [InlineData("ACE inhibitors", "Ramipril 5 mg")]
    [InlineData("Amoxicillin", "Augmentin 625")]
    [InlineData("Metformin", "Metformin tablets 500 mg")]
    public void An_allergy_rules_out_the_ingredient_and_the_members_of_a_class_it_names(string allergy, string medicine) =>
        Assert.Equal(PrescriptionConflict.AllergyConflict, Assert.Single(Against(allergy, medicine)).Code);

    [Theory]
    [InlineData("Penicillin", "Paracetamol 500 mg")]
    [InlineData("Cephalosporins", "Amoxicillin 500 mg")]
    [InlineData("Sulfa drugs", "Trimethoprim 200 mg")]
    [InlineData("Latex", "Cetirizine 10 mg")]
    [InlineData("Vitamin D", "Vitamin B12 1 mg")]
    public void Unrelated_medicines_pass(string allergy, string medicine) => Assert.Empty(Against(allergy, medicine));

    [Fact]
    public void A_catalog_item_matches_by_its_ingredients_and_its_class()
    {
        var item = ItemTerms.Of(new PrescriptionItem { Medicine = "House brand 500" },
            new Carebase.Api.Features.Pharmacy.StockItem { GenericName = "piperacillin and tazobactam", ActiveIngredients = ["Piperacillin", "Tazobactam"], DrugClass = "Penicillins" });
        Assert.Single(PrescriptionChecks.Find([item], [new AllergyFact("penicillin", "SEVERE", "Anaphylaxis")], []));
        var classOnly = ItemTerms.Of(new PrescriptionItem { Medicine = "Loratadine 10 mg" },
            new Carebase.Api.Features.Pharmacy.StockItem { GenericName = "loratadine", ActiveIngredients = ["Loratadine"], DrugClass = "Antihistamines" });
        Assert.Contains("SEVERE: Anaphylaxis", PrescriptionChecks.Find([item], [new AllergyFact("penicillin", "SEVERE", "Anaphylaxis")], [])[0].Detail);
        Assert.Single(PrescriptionChecks.Find([classOnly], [new AllergyFact("ANTIHISTAMINES", null, null)], []));
    }

    [Fact]
    public void The_same_ingredient_twice_is_duplicate_therapy_against_current_medications_and_within_the_prescription()
    {
        var found = PrescriptionChecks.Find([Free("Nurofen 200 mg", 0), Free("Omeprazole 20 mg", 1), Free("Ibuprofen gel 5%", 2)], [],
            ["Ibuprofen 400 mg tablets", "Amlodipine 5 mg"]);
        Assert.Equal([(0, "Ibuprofen 400 mg tablets"), (2, "Ibuprofen 400 mg tablets"), (2, "Nurofen 200 mg")], found.Select(c => (c.ItemIndex, c.Medication!)));
        Assert.All(found, c => Assert.Equal(PrescriptionConflict.DuplicateTherapy, c.Code));
        Assert.Single(PrescriptionChecks.Find([Free("Metformin 500 mg")], [], ["Metformin tablets"]));
    }

    [Theory]
    [InlineData("TID", 1, 7, 21)]
    [InlineData("Q8H", 2.5, 5, 38)]
    [InlineData("Q4H", 0.5, 3, 9)]
    [InlineData("WEEKLY", 1, 10, 2)]
    [InlineData("STAT", 2, null, 2)]
    [InlineData("PRN", 1, 5, null)]
    [InlineData("OD", 1, null, null)]
    public void The_quantity_is_computed_from_the_frequency_table(string frequency, double dose, int? days, int? expected) =>
        Assert.Equal(expected, (int?)Frequencies.Quantity(frequency, (decimal)dose, days));
}
