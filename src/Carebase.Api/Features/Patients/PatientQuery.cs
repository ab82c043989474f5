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
    /// WHERE clause and score expression; parameters are appended to <paramref name="parameters"/>.
    /// For a name, <paramref name="fuzzy"/> false requires every word as written (accents and case
    /// aside); true accepts words with typos. Search tries the exact form first and falls back.
    /// </summary>
    public (string where, string score) Build(List<NpgsqlParameter> parameters, DateOnly today, Guid? onlyPatientId, bool fuzzy = false)
    {
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
                where.Add($"(p.phone_digits LIKE {P(Like.Contains(digits))} OR p.national_id = {P(q!)})");
                break;
            case Kind.Name:
                var normalized = $"public.search_text({P(q!)})";
                var clauses = Words(q!).Select(w =>
                    // Under three letters a trigram index cannot help: such a word must be a whole word of the name.
                    w.Length < 3 ? $"p.search_words @> ARRAY[public.search_text({P(w)})]"
                    // Exact: the word anywhere in the name (so a prefix like "Joh" works), accents and case aside.
                    : !fuzzy ? $"p.search_name LIKE public.search_text({P(Like.Contains(w))})"
                    // Typo tolerant: the name has one of the dictionary words similar to the typed one.
                    : $"p.search_words && ARRAY(SELECT d.word FROM patient_name_words d WHERE public.search_text({P(w)}) <% d.word)").ToList();
                // A national id or passport number typed with letters is matched exactly too.
                where.Add($"(({string.Join(" AND ", clauses)}) OR p.national_id = {P(q!)})");
                // Relevance. Exact phase: every word a whole word of the name, then the name starting with the query
                // (cheap, so thousands of matches rank fast). Typo phase (few matches): trigram similarity.
                var whole = string.Join(", ", Words(q!).Select(w => $"public.search_text({P(w)})"));
                score = fuzzy
                    ? $"(word_similarity({normalized}, p.search_name) + similarity({normalized}, p.search_name))::float8"
                    : $"(2 * (p.search_words @> ARRAY[{whole}])::int + (p.search_name LIKE public.search_text({P(Like.Literal(q!.Trim()) + "%")}))::int)::float8";
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
        return (where.Count == 0 ? "true" : string.Join(" AND ", where), score);
    }

    public string OrderBy(bool hasScore) => (Sort ?? (hasScore ? "relevance" : "name")) switch
    {
        "relevance" when hasScore => "score DESC, p.last_name, p.first_name, p.id",
        "created" => "p.created_at DESC, p.id",
        "lastVisit" => "p.last_visit_at DESC NULLS LAST, p.id",
        _ => "p.last_name, p.first_name, p.id",
    };

    /// <summary>The query's words, normalised like search_name (lower case, accents kept: the database strips them).</summary>
    static List<string> Words(string q) =>
        q.Split((char[])[' ', ',', '.', '-', '\'', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant()).Distinct().Take(6).ToList() is { Count: > 0 } words ? words : [q.ToLowerInvariant()];


    [GeneratedRegex(@"^[Pp]-\d{4}-\d{3,}$")]
    private static partial Regex CodeShape();

    [GeneratedRegex(@"^\+?[0-9 ().\-]{3,}$")]
    private static partial Regex DigitsShape();
}
