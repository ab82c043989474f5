using System.Text.RegularExpressions;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Npgsql;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// The filters shared by search and export, turned into one parameterised WHERE clause. The search
/// box is read as a patient code, an email, a phone or id fragment, or a name (each word matched
/// typo-tolerantly and accent-insensitively with trigram word similarity, which the GIN index serves).
/// User input only ever travels as parameters.
/// </summary>
public sealed partial record PatientQuery(
    string? Q, string? Gender, int? AgeMin, int? AgeMax, string? BloodType, string? InsuranceType, string? City,
    string? State, string? MaritalStatus, string? PatientType, bool IncludeDeleted, string? Sort)
{
    public static readonly string[] Sorts = ["relevance", "name", "created", "lastVisit"];
    /// <summary>How similar a word of the query must be to a word of the name (0..1).</summary>
    public const double WordSimilarity = 0.4;

    public enum Kind { None, Code, Email, Digits, Name }

    public Kind SearchKind => string.IsNullOrWhiteSpace(Q) ? Kind.None
        : CodeShape().IsMatch(Q.Trim()) ? Kind.Code
        : Q.Contains('@') ? Kind.Email
        : DigitsShape().IsMatch(Q.Trim()) ? Kind.Digits
        : Kind.Name;

    /// <summary>The rule across filters (each filter's own rules are attributes of <see cref="PatientSearchParameters"/>).</summary>
    public void Validate()
    {
        var errors = new FieldErrors();
        if (AgeMin > AgeMax) errors.Add("ageMin", "Must not be greater than ageMax.");
        errors.ThrowIfAny();
    }

    /// <summary>
    /// WITH prefix (empty or "WITH … "), WHERE clause and score expression; parameters are appended to <paramref name="parameters"/>.
    /// For a name, <paramref name="fuzzy"/> false requires every word as written (accents, case and
    /// punctuation aside); true also accepts near spellings of each word, ranked below every exact match.
    /// Search tries the exact form first and goes on to the forgiving one when that does not fill the page.
    /// </summary>
    // normalized: the typed name words (and particles joined, see NameForms) as public.search_text gives them, when
    // known: sent as they are, so planning does not inline search_text dozens of times.
    public (string with, string where, string score) Build(List<NpgsqlParameter> parameters, DateOnly today, Guid? onlyPatientId, bool fuzzy = false,
        IReadOnlyDictionary<string, string>? normalized = null)
    {
        var with = new List<string>();
        string P(object value)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
            return "$" + parameters.Count;
        }
        var where = new List<string>();
        var score = "NULL::float8";
        if (!IncludeDeleted) where.Add("p.deleted_at IS NULL");
        if (onlyPatientId is { } self) where.Add($"p.id = {P(self)}");
        var q = Q?.Trim();
        switch (SearchKind)
        {
            case Kind.Code:
                where.Add($"p.patient_code = {P(q!.ToUpperInvariant())}");
                break;
            case Kind.Email:
                where.Add($"p.email = {P(q!)}::citext");
                break;
            case Kind.Digits:
                var digits = new string(q!.Where(char.IsDigit).ToArray());
                // Digits alone may also be the end of a patient code ("000120" or "2026-000120" for P-2026-000120):
                // a prefix of the reversed code, which its index serves. Such a match ranks first.
                var codeTail = CodeTailShape().IsMatch(q!) && digits.Length >= 4
                    ? $"reverse(p.patient_code) LIKE {P(Like.Literal(new string(q!.ToUpperInvariant().Reverse().ToArray())) + "%")}" : null;
                where.Add($"(p.phone_digits LIKE {P(Like.Contains(digits))} OR p.national_id = {P(q!)}{(codeTail is null ? "" : " OR " + codeTail)})");
                if (codeTail is not null) score = $"({codeTail})::int::float8";
                break;
            case Kind.Name:
                var words = Words(q!);
                // A typed form in its normalised shape: a parameter when known, else normalised by the database.
                string N(string raw) => normalized?.TryGetValue(raw, out var n) == true ? $"{P(n)}::text" : $"public.search_text({P(raw)})";
                string Contains(string raw) => normalized?.TryGetValue(raw, out var n) == true ? P(Like.Contains(n)) : $"public.search_text({P(Like.Contains(raw))})";
                var wordParams = words.Select(w => N(w)).ToList();
                // Exact: each word anywhere in one of the name's forms (so "Joh" finds John, "alsayed" Al-Sayed),
                // accents, case and punctuation aside. Under three letters a trigram index cannot help: such a
                // word must be a whole word of the name.
                string Exact(string w, string pw) => w.Length < 3
                    ? $"p.search_words @> ARRAY[{pw}]"
                    : $"p.search_terms LIKE {Contains(w)}";
                // A particle typed apart ("Mc Carthy", "De Souza") may be written joined: it also matches joined
                // with the next word (the last with the one before).
                string Joined(int i) => words.Count == 1 ? "" : i < words.Count - 1 ? words[i] + words[i + 1] : words[i - 1] + words[i];
                string ExactWord(int i) => words[i].Length >= 3 || words.Count == 1 ? Exact(words[i], wordParams[i])
                    : $"({Exact(words[i], wordParams[i])} OR {Exact(Joined(i), N(Joined(i)))})";
                // Forgiving: the dictionary words each typed word may stand for (holding it, as the exact match does,
                // or a near spelling of it, or of a particle joined with its neighbour), and the name must have one
                // of each word's. All in one index scan of search_words: the words' candidates are intersected there.
                // Each word's candidates are looked up once (a CTE); the close ones (held, swapped, one edit) rank first.
                string Candidates(int i)
                {
                    var w = words[i];
                    var (near, pn) = w.Length >= 3 || words.Count == 1 ? (w, wordParams[i]) : (Joined(i), N(Joined(i)));
                    var own = w.Length < 3 ? $"d.word = {wordParams[i]}" : $"d.word LIKE {Contains(w)}";
                    var joined = near == w ? "" : $" OR d.word LIKE {Contains(near)}";
                    if (near.Length < 3) return $"SELECT d.word, true AS close FROM patient_name_words d WHERE {own}";
                    var (nearby, close) = NearWords(normalized?.GetValueOrDefault(near) ?? near, pn, normalized?.ContainsKey(near) == true, P);
                    return $"SELECT d.word, ({own}{joined} OR {close}) AS close FROM patient_name_words d WHERE {own}{joined} OR {nearby}";
                }
                if (fuzzy) with.AddRange(words.Select((_, i) => $"near{i} AS ({Candidates(i)})"));
                var exact = string.Join(" AND ", words.Select((_, i) => ExactWord(i)));
                // A national id or passport number typed with letters is matched exactly too.
                where.Add(!fuzzy ? $"(({exact}) OR p.national_id = {P(q!)})"
                    : $"(({string.Join(" AND ", words.Select((_, i) => $"p.search_words && ARRAY(SELECT word FROM near{i})"))}) OR p.national_id = {P(q!)})");
                // Relevance: every word a whole word of the name, then the name starting with the query (cheap, so
                // thousands of exact matches rank fast). Forgiving phase: exact matches keep that order above every
                // near spelling, ranked by how many of its words are close.
                var whole = string.Join(", ", wordParams);
                var exactScore = $"(2 * (p.search_words @> ARRAY[{whole}])::int + (p.search_name LIKE public.search_text({P(Like.Literal(q!.Trim()) + "%")}))::int)";
                // Near matches: one point per word the name has a close spelling of (at most 6, below every exact match).
                var closeWords = string.Join(" + ", words.Select((_, i) => $"(p.search_words && ARRAY(SELECT word FROM near{i} WHERE close))::int"));
                score = fuzzy
                    ? $"(CASE WHEN {exact} THEN 10 + {exactScore} ELSE {closeWords} END)::float8"
                    : $"{exactScore}::float8";
                break;
        }
        if (Gender is not null) where.Add($"p.gender = {P(Gender)}");
        if (BloodType is not null) where.Add($"p.blood_type = {P(BloodType)}");
        if (InsuranceType is not null) where.Add($"p.insurance_type = {P(InsuranceType)}");
        if (MaritalStatus is not null) where.Add($"p.marital_status = {P(MaritalStatus)}");
        if (PatientType is not null) where.Add($"p.patient_type = {P(PatientType)}");
        if (!string.IsNullOrWhiteSpace(City)) where.Add($"lower(p.city) = lower({P(City.Trim())})");
        if (!string.IsNullOrWhiteSpace(State)) where.Add($"lower(p.state) = lower({P(State.Trim())})");
        // Age N means born on or before today minus N years, and after today minus N+1 years.
        if (AgeMin is { } min) where.Add($"p.date_of_birth <= {P(today.AddYears(-min))}");
        if (AgeMax is { } max) where.Add($"p.date_of_birth > {P(today.AddYears(-(max + 1)))}");
        return (with.Count == 0 ? "" : "WITH " + string.Join(", ", with) + " ", where.Count == 0 ? "true" : string.Join(" AND ", where), score);
    }

    public string OrderBy(bool hasScore) => (Sort ?? (hasScore ? "relevance" : "name")) switch
    {
        "relevance" when hasScore => "score DESC, p.last_name, p.first_name, p.id",
        "created" => "p.created_at DESC, p.id",
        "lastVisit" => "p.last_visit_at DESC NULLS LAST, p.id",
        _ => "p.last_name, p.first_name, p.id",
    };

    /// <summary>The forms of the typed name that the forgiving search sends normalised: its words and particles joined.</summary>
    public IReadOnlyList<string> NameForms()
    {
        if (SearchKind != Kind.Name) return [];
        var words = Words(Q!.Trim());
        return [.. words, .. words.Zip(words.Skip(1), (a, b) => a + b)];
    }

    /// <summary>Letters dropped from a typed word, as the database drops them from names (public.search_name_words).</summary>
    const string Punctuation = "-'`.\u2018\u2019\u02BC";

    /// <summary>
    /// The query's words: split on spaces and commas, lower case, punctuation removed ("O'Brien" is "obrien",
    /// which the name's forms hold); accents are kept (the database strips them).
    /// </summary>
    static List<string> Words(string q)
    {
        var words = q.Split((char[])[' ', ',', '\t', ';', '/'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string(w.ToLowerInvariant().Where(c => !Punctuation.Contains(c)).ToArray()))
            .Where(w => w.Length > 0).Distinct().Take(6).ToList();
        return words.Count > 0 ? words : [q.Trim().ToLowerInvariant()];
    }

    /// <summary>
    /// The condition on a dictionary word <c>d.word</c> that the typed word may have meant it: the word with two neighbouring letters swapped
    /// (looked up by key), or a word picked by trigram similarity, by sound (double metaphone) or by first
    /// letter and length, then kept if within edit distance: one edit when either word has 4 to 7 letters,
    /// two from 8 (a swap counting as one), or the same sound and within half the typed letters
    /// (Catherine/Kathryn, Mohammed/Muhammad, Jon/John). Only the small dictionary is read, never the patients.
    /// </summary>
    // w: the typed word (normalised when isNormalized); t: its normalised form in SQL.
    static (string nearby, string close) NearWords(string w, string t, bool isNormalized, Func<object, string> P)
    {
        var window = w.Length >= 6 ? 2 : w.Length >= 3 ? 1 : 0;
        var sounding = (w.Length + 1) / 2;
        var swaps = Enumerable.Range(0, w.Length - 1).Where(i => w[i] != w[i + 1])
            .Select(i => string.Concat(w.AsSpan(0, i), w.AsSpan(i + 1, 1), w.AsSpan(i, 1), w.AsSpan(i + 2))).ToArray();
        var swapped = isNormalized ? $"{P(swaps)}::text[]" : $"ARRAY(SELECT public.search_text(s) FROM unnest({P(swaps)}::text[]) s)";
        var longer = $"greatest(length({t}), length(d.word))";
        // Words of other scripts have no metaphone code (''): they are compared by spelling only.
        var sameSound = $"(d.sound = nullif(public.dmetaphone({t}), '') OR d.sound_alt = nullif(public.dmetaphone({t}), '') OR d.sound = nullif(public.dmetaphone_alt({t}), ''))";
        var nearby = $"""
            d.word = ANY({swapped})
            OR (((left(d.word, 1) = left({t}, 1) AND length(d.word) BETWEEN length({t}) - {window} AND length({t}) + {window})
                 OR {sameSound} OR {t} <% d.word)
                AND (levenshtein_less_equal({t}, d.word, 2) <= (CASE WHEN {longer} >= 8 THEN 2 WHEN {longer} >= 4 THEN 1 ELSE 0 END)
                     OR ({sameSound} AND levenshtein_less_equal({t}, d.word, {sounding}) <= {sounding})
                     OR ({longer} >= 8 AND levenshtein_less_equal({t}, d.word, 3) <= 3
                         AND EXISTS (SELECT 1 FROM unnest({swapped}) s WHERE levenshtein_less_equal(s, d.word, 1) <= 1))))
            """;
        return (nearby, $"d.word = ANY({swapped}) OR levenshtein_less_equal({t}, d.word, 1) <= 1");
    }

    [GeneratedRegex(@"^[0-9][0-9\-]*$")]
    private static partial Regex CodeTailShape();

    [GeneratedRegex(@"^[Pp]-\d{4}-\d{3,}$")]
    private static partial Regex CodeShape();

    [GeneratedRegex(@"^\+?[0-9 ().\-]{3,}$")]
    private static partial Regex DigitsShape();
}
