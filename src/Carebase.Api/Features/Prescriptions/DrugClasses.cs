using System.Globalization;
using System.Text;

namespace Carebase.Api.Features.Prescriptions;

/// <summary>A drug class as clinicians name it: the words they type for it (as an allergy, say) and its member ingredients.</summary>
public sealed record DrugClass(string Name, IReadOnlyList<string> Aliases, IReadOnlyList<string> Members);

/// <summary>
/// The built-in drug-class map the issue-time checks use (offline, no drug database): class names and the words a
/// clinician types for them ("penicillin", "sulfa drugs", "NSAIDs") → member ingredients, and common brand and
/// combination names → their ingredients. Everything is compared in <see cref="Normalize"/>d form (accents, case,
/// punctuation and spacing do not matter).
/// </summary>
public static class DrugClasses
{
    static readonly string[] Penicillins =
        ["penicillin", "penicillin v", "penicillin g", "phenoxymethylpenicillin", "benzylpenicillin", "benzathine penicillin", "amoxicillin",
         "ampicillin", "flucloxacillin", "cloxacillin", "dicloxacillin", "nafcillin", "oxacillin", "piperacillin", "ticarcillin", "temocillin",
         "pivmecillinam", "co-amoxiclav"];
    static readonly string[] Cephalosporins =
        ["cefalexin", "cephalexin", "cefadroxil", "cefazolin", "cefuroxime", "cefaclor", "cefprozil", "cefoxitin", "cefixime", "cefpodoxime",
         "cefdinir", "ceftriaxone", "cefotaxime", "ceftazidime", "cefepime", "ceftaroline", "cefoperazone"];
    static readonly string[] Carbapenems = ["meropenem", "imipenem", "ertapenem", "doripenem"];

    /// <summary>Every class, in one place.</summary>
    public static IReadOnlyList<DrugClass> All { get; } =
    [
        new("Penicillins", ["penicillin", "penicillins", "penicillin antibiotics", "aminopenicillins"], Penicillins),
        new("Cephalosporins", ["cephalosporin", "cephalosporins", "cefalosporins"], Cephalosporins),
        new("Carbapenems", ["carbapenem", "carbapenems"], Carbapenems),
        new("Beta-lactams", ["beta-lactam", "beta-lactams", "beta lactam antibiotics", "b-lactam", "β-lactam"], [.. Penicillins, .. Cephalosporins, .. Carbapenems, "aztreonam"]),
        new("Sulfonamides", ["sulfonamide", "sulfonamides", "sulfa", "sulfa drugs", "sulpha", "sulphonamides", "sulfa antibiotics"],
            ["sulfamethoxazole", "co-trimoxazole", "sulfadiazine", "sulfasalazine", "sulfisoxazole", "sulfacetamide", "dapsone"]),
        new("NSAIDs", ["nsaid", "nsaids", "non-steroidal anti-inflammatory drugs", "anti-inflammatories", "salicylates"],
            ["ibuprofen", "diclofenac", "naproxen", "aspirin", "acetylsalicylic acid", "ketorolac", "celecoxib", "etoricoxib", "indomethacin",
             "meloxicam", "piroxicam", "ketoprofen", "mefenamic acid", "nabumetone", "etodolac", "flurbiprofen", "dexketoprofen"]),
        new("Opioids", ["opioid", "opioids", "opiates", "opiate", "narcotics"],
            ["morphine", "codeine", "tramadol", "oxycodone", "hydrocodone", "hydromorphone", "fentanyl", "pethidine", "meperidine", "methadone",
             "buprenorphine", "tapentadol", "dihydrocodeine"]),
        new("Macrolides", ["macrolide", "macrolides"], ["erythromycin", "azithromycin", "clarithromycin", "roxithromycin", "fidaxomicin"]),
        new("Fluoroquinolones", ["fluoroquinolone", "fluoroquinolones", "quinolone", "quinolones"],
            ["ciprofloxacin", "levofloxacin", "moxifloxacin", "ofloxacin", "norfloxacin", "gemifloxacin"]),
        new("Tetracyclines", ["tetracycline antibiotics", "tetracyclines"], ["tetracycline", "doxycycline", "minocycline", "oxytetracycline", "tigecycline"]),
        new("Statins", ["statin", "statins", "hmg-coa reductase inhibitors"],
            ["atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin", "fluvastatin", "pitavastatin"]),
        new("ACE inhibitors", ["ace inhibitor", "ace inhibitors", "acei", "ace-i"],
            ["lisinopril", "enalapril", "ramipril", "captopril", "perindopril", "benazepril", "quinapril", "fosinopril", "trandolapril"]),
    ];

    /// <summary>Brand and combination names → their ingredients (what a free-text item like "Amoxil 500" is made of).</summary>
    static readonly Dictionary<string, string[]> Products = new Dictionary<string, string[]>
    {
        ["co-amoxiclav"] = ["amoxicillin", "clavulanic acid"], ["augmentin"] = ["amoxicillin", "clavulanic acid"],
        ["co-trimoxazole"] = ["sulfamethoxazole", "trimethoprim"], ["bactrim"] = ["sulfamethoxazole", "trimethoprim"],
        ["septra"] = ["sulfamethoxazole", "trimethoprim"], ["amoxil"] = ["amoxicillin"], ["moxatag"] = ["amoxicillin"],
        ["floxapen"] = ["flucloxacillin"], ["tazocin"] = ["piperacillin", "tazobactam"], ["zosyn"] = ["piperacillin", "tazobactam"],
        ["keflex"] = ["cefalexin"], ["zinnat"] = ["cefuroxime"], ["rocephin"] = ["ceftriaxone"], ["azulfidine"] = ["sulfasalazine"],
        ["salazopyrin"] = ["sulfasalazine"], ["advil"] = ["ibuprofen"], ["motrin"] = ["ibuprofen"], ["brufen"] = ["ibuprofen"],
        ["nurofen"] = ["ibuprofen"], ["voltaren"] = ["diclofenac"], ["voltarol"] = ["diclofenac"], ["aleve"] = ["naproxen"],
        ["naprosyn"] = ["naproxen"], ["disprin"] = ["aspirin"], ["toradol"] = ["ketorolac"], ["celebrex"] = ["celecoxib"],
        ["arcoxia"] = ["etoricoxib"], ["ultram"] = ["tramadol"], ["oxycontin"] = ["oxycodone"], ["zithromax"] = ["azithromycin"],
        ["klacid"] = ["clarithromycin"], ["biaxin"] = ["clarithromycin"], ["cipro"] = ["ciprofloxacin"], ["ciproxin"] = ["ciprofloxacin"],
        ["levaquin"] = ["levofloxacin"], ["avelox"] = ["moxifloxacin"], ["vibramycin"] = ["doxycycline"], ["lipitor"] = ["atorvastatin"],
        ["zocor"] = ["simvastatin"], ["crestor"] = ["rosuvastatin"], ["zestril"] = ["lisinopril"], ["prinivil"] = ["lisinopril"],
        ["vasotec"] = ["enalapril"], ["tritace"] = ["ramipril"], ["altace"] = ["ramipril"],
    }.ToDictionary(kv => Normalize(kv.Key), kv => kv.Value.Select(Normalize).ToArray());

    /// <summary>Every class name and alias (normalized) → the class.</summary>
    static readonly Dictionary<string, DrugClass> ByWord = All
        .SelectMany(c => c.Aliases.Append(c.Name).Select(a => (word: Normalize(a), c)))
        .GroupBy(x => x.word).ToDictionary(g => g.Key, g => g.First().c);

    /// <summary>Every member ingredient (normalized) → the classes it belongs to.</summary>
    static readonly Dictionary<string, DrugClass[]> ByMember = All
        .SelectMany(c => c.Members.Select(m => (member: Normalize(m), c)))
        .GroupBy(x => x.member).ToDictionary(g => g.Key, g => g.Select(x => x.c).Distinct().ToArray());

    /// <summary>The longest known name, in words: free text is scanned for names of up to this many words.</summary>
    static readonly int LongestName = ByMember.Keys.Concat(Products.Keys).Concat(ByWord.Keys).Max(k => k.Split(' ').Length);

    /// <summary>Words of a medicine's name that say its form, not what it is ("Metformin tablets" is metformin).</summary>
    static readonly HashSet<string> Forms =
        ["tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "syrup", "suspension", "solution", "injection", "inj", "cream",
         "ointment", "gel", "drops", "inhaler", "patch", "oral", "sr", "xr", "er", "cr", "mr", "forte", "mg", "ml", "mcg", "g"];

    /// <summary>Lower case, accents and punctuation gone, single spaces, trimmed: "Amoxicilína " and "AMOXICILINA" compare equal.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
            else if (sb.Length > 0 && sb[^1] != ' ') sb.Append(' ');
        }
        return sb.ToString().Trim();
    }

    /// <summary>The class a word names ("penicillin", "Sulfa drugs", "NSAIDs"), if any.</summary>
    public static DrugClass? Named(string? word) => ByWord.GetValueOrDefault(Normalize(word));

    /// <summary>The classes an ingredient belongs to.</summary>
    public static IReadOnlyList<DrugClass> ClassesOf(string ingredient) => ByMember.GetValueOrDefault(Normalize(ingredient)) ?? [];

    /// <summary>
    /// The ingredients named in free text (normalized): known ingredients, brand and combination names (expanded) found
    /// among its words, and the text's leading name (the words before the first number: "Metformin 500 mg" → metformin),
    /// so an ingredient the map does not know still matches itself.
    /// </summary>
    public static IReadOnlySet<string> IngredientsIn(string? text)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var words = Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var start = 0; start < words.Length; start++)
            for (var length = Math.Min(LongestName, words.Length - start); length >= 1; length--)
            {
                var phrase = string.Join(' ', words, start, length);
                if (Products.TryGetValue(phrase, out var parts)) found.UnionWith(parts);
                if (ByMember.ContainsKey(phrase)) found.Add(phrase);
            }
        var lead = string.Join(' ', words.TakeWhile(w => !w.Any(char.IsDigit)).Where(w => !Forms.Contains(w)));
        if (lead.Length > 0) found.UnionWith(Products.TryGetValue(lead, out var leadParts) ? leadParts : [lead]);
        return found;
    }

    /// <summary>
    /// What an allergy to <paramref name="substance"/> rules out: the class it names (with its members), or the ingredients
    /// it names (a brand expands to its ingredients). Matching an item is then a set intersection.
    /// </summary>
    public static (DrugClass? Class, IReadOnlySet<string> Ingredients) AllergyTo(string substance)
    {
        if (Named(substance) is { } named) return (named, named.Members.Select(Normalize).ToHashSet(StringComparer.Ordinal));
        return (null, IngredientsIn(substance));
    }
}
