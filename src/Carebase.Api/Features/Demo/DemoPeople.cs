namespace Carebase.Api.Features.Demo;

/// <summary>A made-up person with realistic, varied demographics.</summary>
public sealed record DemoPerson(
    string FirstName, string LastName, DateOnly DateOfBirth, string Gender, string Phone, string Email, string City, string State,
    string Country, string BloodType, string InsuranceType, string MaritalStatus, string PatientType, string NationalId, string? Occupation);

/// <summary>
/// Deterministic generator of people across cultures (accents and all), ages 0–95, for the demo
/// hospitals and the benchmark. The same seed always gives the same people.
/// </summary>
public static class DemoPeople
{
    static readonly (string[] Female, string[] Male, string[] Last, (string City, string State, string Country, string Dial)[] Places)[] Cultures =
    [
        (["Emma", "Olivia", "Grace", "Hannah", "Chloe", "Zoë", "Abigail"], ["James", "John", "William", "Michael", "Noah", "Liam", "Ethan"],
         ["Smith", "Johnson", "Williams", "Brown", "Taylor", "Anderson", "O'Neill", "Walker"],
         [("Springfield", "IL", "US", "+1"), ("Boston", "MA", "US", "+1"), ("Austin", "TX", "US", "+1")]),
        (["María", "Lucía", "Sofía", "Carmen", "Valentina", "Inés"], ["José", "Luis", "Carlos", "Javier", "Mateo", "Andrés"],
         ["García", "Martínez", "Rodríguez", "López", "Hernández", "Núñez", "Pérez"],
         [("Madrid", "MD", "ES", "+34"), ("Ciudad de México", "CDMX", "MX", "+52"), ("Bogotá", "DC", "CO", "+57")]),
        (["Adaeze", "Chiamaka", "Funmilayo", "Ngozi", "Yetunde", "Amara"], ["Chinedu", "Oluwaseun", "Emeka", "Tunde", "Ikenna", "Kofi"],
         ["Okafor", "Adeyemi", "Eze", "Okonkwo", "Balogun", "Mensah", "Diallo"],
         [("Lagos", "LA", "NG", "+234"), ("Enugu", "EN", "NG", "+234"), ("Accra", "GA", "GH", "+233")]),
        (["Priya", "Ananya", "Lakshmi", "Kavya", "Meera", "Aisha"], ["Arjun", "Rahul", "Vikram", "Sanjay", "Rohan", "Aditya"],
         ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Mehta"],
         [("Bengaluru", "KA", "IN", "+91"), ("Mumbai", "MH", "IN", "+91"), ("Chennai", "TN", "IN", "+91")]),
        (["Wei", "Mei", "Xiu", "Li Na", "Yan"], ["Wei", "Jun", "Hao", "Lei", "Ming"],
         ["Wang", "Li", "Zhang", "Liu", "Chen", "Huang"],
         [("Shanghai", "SH", "CN", "+86"), ("Singapore", "SG", "SG", "+65")]),
        (["Fatima", "Layla", "Noor", "Mariam", "Yasmin"], ["Mohammed", "Ahmed", "Omar", "Yusuf", "Khalid"],
         ["Haddad", "Khalil", "Al-Sayed", "Nasser", "Hussein"],
         [("Amman", "AM", "JO", "+962"), ("Dubai", "DU", "AE", "+971")]),
        (["Thảo", "Linh", "Hương"], ["Minh", "Dũng", "Quang"], ["Nguyễn", "Trần", "Lê", "Phạm"], [("Hà Nội", "HN", "VN", "+84")]),
        (["Agnieszka", "Zofia", "Małgorzata"], ["Łukasz", "Piotr", "Krzysztof"], ["Kowalski", "Wiśniewski", "Nowak"], [("Kraków", "MA", "PL", "+48")]),
        (["Yuki", "Sakura", "Aiko"], ["Haruto", "Kenji", "Takeshi"], ["Sato", "Suzuki", "Takahashi", "Tanaka"], [("Osaka", "OS", "JP", "+81")]),
        (["Élodie", "Amélie", "Chloé"], ["François", "Hélène", "Jérôme"], ["Dubois", "Lefèvre", "Moreau", "Girard"], [("Lyon", "ARA", "FR", "+33")]),
    ];

    static readonly string[] BloodTypes = ["O_POSITIVE", "O_POSITIVE", "A_POSITIVE", "A_POSITIVE", "B_POSITIVE", "AB_POSITIVE", "O_NEGATIVE", "A_NEGATIVE", "B_NEGATIVE", "AB_NEGATIVE", "UNKNOWN"];
    static readonly string[] Insurance = ["PRIVATE", "PRIVATE", "PUBLIC", "PUBLIC", "EMPLOYER", "SELF_PAY", "NONE"];
    static readonly string[] Occupations = ["Teacher", "Nurse", "Engineer", "Farmer", "Student", "Retired", "Driver", "Shopkeeper", "Accountant", "Homemaker"];

    public static IEnumerable<DemoPerson> Generate(int seed, int count, DateOnly today)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var c = Cultures[rng.Next(Cultures.Length)];
            var female = rng.Next(100) < 51;
            var first = female ? c.Female[rng.Next(c.Female.Length)] : c.Male[rng.Next(c.Male.Length)];
            var last = c.Last[rng.Next(c.Last.Length)];
            var place = c.Places[rng.Next(c.Places.Length)];
            var age = rng.Next(100) < 8 ? rng.Next(0, 5) : rng.Next(0, 96);
            var dob = today.AddYears(-age).AddDays(-rng.Next(0, 365));
            var married = age switch { < 18 => "SINGLE", < 25 => rng.Next(4) == 0 ? "MARRIED" : "SINGLE", > 75 => rng.Next(3) == 0 ? "WIDOWED" : "MARRIED", _ => rng.Next(10) < 6 ? "MARRIED" : rng.Next(3) == 0 ? "DIVORCED" : "SINGLE" };
            var local = $"{Ascii(first)}.{Ascii(last)}{i % 997}".ToLowerInvariant();
            yield return new DemoPerson(first, last, dob, female ? "FEMALE" : "MALE",
                $"{place.Dial} {rng.Next(200, 999)} {rng.Next(100, 999)} {rng.Next(1000, 9999)}", $"{local}@example.org",
                place.City, place.State, place.Country, BloodTypes[rng.Next(BloodTypes.Length)], Insurance[rng.Next(Insurance.Length)],
                married, rng.Next(20) == 0 ? "IPD" : "OPD", $"{place.Country}-{rng.Next(10_000_000, 99_999_999)}-{i}",
                age < 18 ? (age < 5 ? null : "Student") : Occupations[rng.Next(Occupations.Length)]);
        }
    }

    static string Ascii(string s) => new(s.Normalize(System.Text.NormalizationForm.FormD)
        .Where(ch => ch is >= 'a' and <= 'z' or >= 'A' and <= 'Z').ToArray());
}
