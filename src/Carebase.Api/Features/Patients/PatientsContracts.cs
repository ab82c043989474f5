using System.Text.Json;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// The demographic fields of a patient, as sent on registration (all of them) and on PATCH (only the
/// ones present in the body change; an explicit null clears an optional field).
/// </summary>
public partial record PatientFields
{
    public string? FirstName { get; init; }
    public string? MiddleName { get; init; }
    public string? LastName { get; init; }
    public DateOnly? DateOfBirth { get; init; }
    public string? Gender { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
    public string? AddressLine { get; init; }
    public string? City { get; init; }
    public string? State { get; init; }
    public string? PostalCode { get; init; }
    public string? Country { get; init; }
    public string? EmergencyContactName { get; init; }
    public string? EmergencyContactPhone { get; init; }
    public string? EmergencyContactRelation { get; init; }
    public string? InsuranceType { get; init; }
    public string? InsuranceProvider { get; init; }
    public string? InsuranceNumber { get; init; }
    public string? BloodType { get; init; }
    public string? MaritalStatus { get; init; }
    public string? Occupation { get; init; }
    public string? NationalId { get; init; }
    public bool? ConsentSms { get; init; }
    public bool? ConsentEmail { get; init; }
    public bool? ConsentDataSharing { get; init; }
    public string? PatientType { get; init; }
    public Guid? DepartmentId { get; init; }

    /// <summary>The fields a patient may change on their own record through the portal.</summary>
    public static readonly HashSet<string> ContactFields =
    [
        "phone", "email", "addressLine", "city", "state", "postalCode", "country",
        "emergencyContactName", "emergencyContactPhone", "emergencyContactRelation", "consentSms", "consentEmail", "consentDataSharing",
    ];

    static readonly HashSet<string> Required = ["firstName", "lastName", "dateOfBirth", "gender"];

    /// <summary>Checks the fields in <paramref name="present"/> (all of them on registration).</summary>
    public void Validate(FieldErrors errors, IReadOnlySet<string> present, DateOnly today)
    {
        bool Has(string f) => present.Contains(f);
        foreach (var f in Required)
            if (Has(f) && f switch { "dateOfBirth" => DateOfBirth is null, "gender" => string.IsNullOrWhiteSpace(Gender), "firstName" => string.IsNullOrWhiteSpace(FirstName), _ => string.IsNullOrWhiteSpace(LastName) })
                errors.Add(f, "This field is required.");
        Text(errors, Has("firstName") ? FirstName : null, "firstName", 100);
        Text(errors, Has("middleName") ? MiddleName : null, "middleName", 100);
        Text(errors, Has("lastName") ? LastName : null, "lastName", 100);
        if (Has("dateOfBirth") && DateOfBirth is { } dob)
        {
            if (dob > today) errors.Add("dateOfBirth", "The date of birth cannot be in the future.");
            else if (dob < today.AddYears(-130)) errors.Add("dateOfBirth", "The date of birth is more than 130 years ago.");
        }
        if (Has("gender") && !string.IsNullOrWhiteSpace(Gender)) errors.OneOf(Gender, PatientValues.Genders, "gender");
        if (Has("phone")) PhoneNumber(errors, Phone, "phone");
        if (Has("emergencyContactPhone")) PhoneNumber(errors, EmergencyContactPhone, "emergencyContactPhone");
        if (Has("email")) errors.Email(Email, "email", required: false);
        if (Has("insuranceType")) errors.OneOf(InsuranceType, PatientValues.InsuranceTypes, "insuranceType", required: false);
        if (Has("bloodType")) errors.OneOf(BloodType, PatientValues.BloodTypes, "bloodType", required: false);
        if (Has("maritalStatus")) errors.OneOf(MaritalStatus, PatientValues.MaritalStatuses, "maritalStatus", required: false);
        if (Has("patientType")) errors.OneOf(PatientType, PatientValues.PatientTypes, "patientType", required: false);
        foreach (var (name, value, max) in new[]
        {
            ("addressLine", AddressLine, 200), ("city", City, 100), ("state", State, 100), ("postalCode", PostalCode, 20),
            ("country", Country, 100), ("emergencyContactName", EmergencyContactName, 200), ("emergencyContactRelation", EmergencyContactRelation, 50),
            ("insuranceProvider", InsuranceProvider, 200), ("insuranceNumber", InsuranceNumber, 100), ("occupation", Occupation, 100),
            ("nationalId", NationalId, 50),
        })
            if (Has(name)) Text(errors, value, name, max);
    }

    static void Text(FieldErrors errors, string? value, string field, int max)
    {
        if (value is null) return;
        errors.MaxLength(value, max, field);
        if (value.Any(char.IsControl)) errors.Add(field, "Must not contain control characters.");
    }

    static void PhoneNumber(FieldErrors errors, string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        var digits = value.Count(char.IsDigit);
        if (!PhoneShape().IsMatch(value) || digits is < 6 or > 15)
            errors.Add(field, "Must be a phone number: 6 to 15 digits, optionally with +, spaces, dots, dashes or parentheses.");
    }

    [GeneratedRegex(@"^\+?[0-9 ().\-]{6,25}$")]
    private static partial Regex PhoneShape();

    /// <summary>Copies the present fields onto the patient, trimming text and normalising empty strings to null.</summary>
    public void ApplyTo(Patient p, IReadOnlySet<string> present)
    {
        if (present.Contains("firstName")) p.FirstName = FirstName!.Trim();
        if (present.Contains("middleName")) p.MiddleName = Input.Clean(MiddleName);
        if (present.Contains("lastName")) p.LastName = LastName!.Trim();
        if (present.Contains("dateOfBirth")) p.DateOfBirth = DateOfBirth!.Value;
        if (present.Contains("gender")) p.Gender = Gender!;
        if (present.Contains("phone")) p.Phone = Input.Clean(Phone);
        if (present.Contains("email")) p.Email = Input.Clean(Email);
        if (present.Contains("addressLine")) p.AddressLine = Input.Clean(AddressLine);
        if (present.Contains("city")) p.City = Input.Clean(City);
        if (present.Contains("state")) p.State = Input.Clean(State);
        if (present.Contains("postalCode")) p.PostalCode = Input.Clean(PostalCode);
        if (present.Contains("country")) p.Country = Input.Clean(Country);
        if (present.Contains("emergencyContactName")) p.EmergencyContactName = Input.Clean(EmergencyContactName);
        if (present.Contains("emergencyContactPhone")) p.EmergencyContactPhone = Input.Clean(EmergencyContactPhone);
        if (present.Contains("emergencyContactRelation")) p.EmergencyContactRelation = Input.Clean(EmergencyContactRelation);
        if (present.Contains("insuranceType")) p.InsuranceType = InsuranceType ?? "NONE";
        if (present.Contains("insuranceProvider")) p.InsuranceProvider = Input.Clean(InsuranceProvider);
        if (present.Contains("insuranceNumber")) p.InsuranceNumber = Input.Clean(InsuranceNumber);
        if (present.Contains("bloodType")) p.BloodType = BloodType ?? "UNKNOWN";
        if (present.Contains("maritalStatus")) p.MaritalStatus = MaritalStatus ?? "UNKNOWN";
        if (present.Contains("occupation")) p.Occupation = Input.Clean(Occupation);
        if (present.Contains("nationalId")) p.NationalId = Input.Clean(NationalId);
        if (present.Contains("consentSms")) p.ConsentSms = ConsentSms ?? false;
        if (present.Contains("consentEmail")) p.ConsentEmail = ConsentEmail ?? false;
        if (present.Contains("consentDataSharing")) p.ConsentDataSharing = ConsentDataSharing ?? false;
        if (present.Contains("patientType")) p.PatientType = PatientType ?? "OPD";
        if (present.Contains("departmentId")) p.DepartmentId = DepartmentId;
    }

    public static readonly IReadOnlySet<string> All = typeof(PatientFields).GetProperties()
        .Where(p => p.CanWrite && p.DeclaringType == typeof(PatientFields))
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
}

/// <summary>Registration: every field, plus the explicit "I know it looks like a duplicate" switch (audited).</summary>
public sealed record RegisterPatientRequest : PatientFields
{
    public bool AllowDuplicate { get; init; }
    public string? DuplicateReason { get; init; }
}

public sealed record PatientResponse(
    Guid Id, string PatientCode, string FirstName, string? MiddleName, string LastName, DateOnly DateOfBirth, int Age,
    string Gender, string? Phone, string? Email, string? AddressLine, string? City, string? State, string? PostalCode,
    string? Country, string? EmergencyContactName, string? EmergencyContactPhone, string? EmergencyContactRelation,
    string InsuranceType, string? InsuranceProvider, string? InsuranceNumber, string BloodType, string MaritalStatus,
    string? Occupation, string? NationalId, bool ConsentSms, bool ConsentEmail, bool ConsentDataSharing, string PatientType,
    Guid? DepartmentId, bool IsVerified, DateTimeOffset? LastVisitAt, DateTimeOffset CreatedAt, Guid? CreatedBy,
    DateTimeOffset UpdatedAt, Guid? UpdatedBy, DateTimeOffset? DeletedAt, Guid? MergedIntoId, int Version)
{
    public static PatientResponse From(Patient p, DateOnly today) => new(
        p.Id, p.PatientCode, p.FirstName, p.MiddleName, p.LastName, p.DateOfBirth, Patient.AgeOn(p.DateOfBirth, today),
        p.Gender, p.Phone, p.Email, p.AddressLine, p.City, p.State, p.PostalCode, p.Country, p.EmergencyContactName,
        p.EmergencyContactPhone, p.EmergencyContactRelation, p.InsuranceType, p.InsuranceProvider, p.InsuranceNumber,
        p.BloodType, p.MaritalStatus, p.Occupation, p.NationalId, p.ConsentSms, p.ConsentEmail, p.ConsentDataSharing,
        p.PatientType, p.DepartmentId, p.IsVerified, p.LastVisitAt, p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy,
        p.DeletedAt, p.MergedIntoId, p.Version);
}

/// <summary>One row of a search result.</summary>
public sealed record PatientListItem(
    Guid Id, string PatientCode, string FirstName, string? MiddleName, string LastName, DateOnly DateOfBirth, int Age,
    string Gender, string? Phone, string? Email, string? City, string? State, string BloodType, string InsuranceType,
    string MaritalStatus, string PatientType, string? NationalId, DateTimeOffset? LastVisitAt, DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt, double? Score);

public sealed record DuplicateCandidate(Guid Id, string PatientCode, string FirstName, string LastName, DateOnly DateOfBirth,
    string? Phone, string? NationalId, int Score, IReadOnlyList<string> Reasons);

public sealed record MergeRequest(Guid? DuplicateId, string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (DuplicateId is null || DuplicateId == Guid.Empty) errors.Add("duplicateId", "This field is required.");
        errors.Required(Reason, "reason");
        errors.MaxLength(Reason, 500, "reason");
    }
}

public sealed record MergeResponse(Guid SurvivorId, Guid DuplicateId, IReadOnlyDictionary<string, int> MovedRows);

