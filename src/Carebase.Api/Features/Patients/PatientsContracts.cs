using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// The demographic fields of a patient, as sent on registration (all of them are checked) and on PATCH (only the
/// fields sent change; an explicit null clears an optional field, and is refused for a required one).
/// </summary>
public abstract partial record PatientFields : PatchRequest
{
    [Required, MaxLength(100)] public string? FirstName { get; init => field = Sent(value); }
    [MaxLength(100)] public string? MiddleName { get; init => field = Sent(value); }
    [Required, MaxLength(100)] public string? LastName { get; init => field = Sent(value); }
    [Required] public DateOnly? DateOfBirth { get; init => field = Sent(value); }
    [Required, OneOf(typeof(PatientValues), nameof(PatientValues.Genders))] public string? Gender { get; init => field = Sent(value); }
    [MaxLength(25)] public string? Phone { get; init => field = Sent(value); }
    [Email] public string? Email { get; init => field = Sent(value); }
    [MaxLength(200)] public string? AddressLine { get; init => field = Sent(value); }
    [MaxLength(100)] public string? City { get; init => field = Sent(value); }
    [MaxLength(100)] public string? State { get; init => field = Sent(value); }
    [MaxLength(20)] public string? PostalCode { get; init => field = Sent(value); }
    [MaxLength(100)] public string? Country { get; init => field = Sent(value); }
    [MaxLength(200)] public string? EmergencyContactName { get; init => field = Sent(value); }
    [MaxLength(25)] public string? EmergencyContactPhone { get; init => field = Sent(value); }
    [MaxLength(50)] public string? EmergencyContactRelation { get; init => field = Sent(value); }
    [OneOf(typeof(PatientValues), nameof(PatientValues.InsuranceTypes))] public string? InsuranceType { get; init => field = Sent(value); }
    [MaxLength(200)] public string? InsuranceProvider { get; init => field = Sent(value); }
    [MaxLength(100)] public string? InsuranceNumber { get; init => field = Sent(value); }
    [OneOf(typeof(PatientValues), nameof(PatientValues.BloodTypes))] public string? BloodType { get; init => field = Sent(value); }
    [OneOf(typeof(PatientValues), nameof(PatientValues.MaritalStatuses))] public string? MaritalStatus { get; init => field = Sent(value); }
    [MaxLength(100)] public string? Occupation { get; init => field = Sent(value); }
    [MaxLength(50)] public string? NationalId { get; init => field = Sent(value); }
    public bool? ConsentSms { get; init => field = Sent(value); }
    public bool? ConsentEmail { get; init => field = Sent(value); }
    public bool? ConsentDataSharing { get; init => field = Sent(value); }
    [OneOf(typeof(PatientValues), nameof(PatientValues.PatientTypes))] public string? PatientType { get; init => field = Sent(value); }
    public Guid? DepartmentId { get; init => field = Sent(value); }
    /// <summary>Visible only to the care team (others use break-glass); setting it needs patients:confidential.</summary>
    public bool? Confidential { get; init => field = Sent(value); }

    /// <summary>The fields a patient may change on their own record through the portal.</summary>
    public static readonly IReadOnlySet<string> ContactFields = new HashSet<string>
    {
        nameof(Phone), nameof(Email), nameof(AddressLine), nameof(City), nameof(State), nameof(PostalCode), nameof(Country),
        nameof(EmergencyContactName), nameof(EmergencyContactPhone), nameof(EmergencyContactRelation), nameof(ConsentSms),
        nameof(ConsentEmail), nameof(ConsentDataSharing),
    };

    /// <summary>Rules the attributes cannot say: the shape of phone numbers.</summary>
    public override void Validate(FieldErrors errors)
    {
        PhoneNumber(errors, Phone, "phone");
        PhoneNumber(errors, EmergencyContactPhone, "emergencyContactPhone");
    }

    /// <summary>The date of birth is not in the future nor more than 130 years ago (in the hospital's today).</summary>
    public void ValidateBirthDate(FieldErrors errors, DateOnly today)
    {
        if (!Covers(nameof(DateOfBirth)) || DateOfBirth is not { } dob) return;
        if (dob > today) errors.Add("dateOfBirth", "The date of birth cannot be in the future.");
        else if (dob < today.AddYears(-130)) errors.Add("dateOfBirth", "The date of birth is more than 130 years ago.");
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

    /// <summary>Copies the covered fields onto the patient, trimming text and normalising empty strings to null.</summary>
    public void ApplyTo(Patient p)
    {
        if (Covers(nameof(FirstName))) p.FirstName = FirstName!.Trim();
        if (Covers(nameof(MiddleName))) p.MiddleName = Input.Clean(MiddleName);
        if (Covers(nameof(LastName))) p.LastName = LastName!.Trim();
        if (Covers(nameof(DateOfBirth))) p.DateOfBirth = DateOfBirth!.Value;
        if (Covers(nameof(Gender))) p.Gender = Gender!;
        if (Covers(nameof(Phone))) p.Phone = Input.Clean(Phone);
        if (Covers(nameof(Email))) p.Email = Input.Clean(Email);
        if (Covers(nameof(AddressLine))) p.AddressLine = Input.Clean(AddressLine);
        if (Covers(nameof(City))) p.City = Input.Clean(City);
        if (Covers(nameof(State))) p.State = Input.Clean(State);
        if (Covers(nameof(PostalCode))) p.PostalCode = Input.Clean(PostalCode);
        if (Covers(nameof(Country))) p.Country = Input.Clean(Country);
        if (Covers(nameof(EmergencyContactName))) p.EmergencyContactName = Input.Clean(EmergencyContactName);
        if (Covers(nameof(EmergencyContactPhone))) p.EmergencyContactPhone = Input.Clean(EmergencyContactPhone);
        if (Covers(nameof(EmergencyContactRelation))) p.EmergencyContactRelation = Input.Clean(EmergencyContactRelation);
        if (Covers(nameof(InsuranceType))) p.InsuranceType = InsuranceType ?? "NONE";
        if (Covers(nameof(InsuranceProvider))) p.InsuranceProvider = Input.Clean(InsuranceProvider);
        if (Covers(nameof(InsuranceNumber))) p.InsuranceNumber = Input.Clean(InsuranceNumber);
        if (Covers(nameof(BloodType))) p.BloodType = BloodType ?? "UNKNOWN";
        if (Covers(nameof(MaritalStatus))) p.MaritalStatus = MaritalStatus ?? "UNKNOWN";
        if (Covers(nameof(Occupation))) p.Occupation = Input.Clean(Occupation);
        if (Covers(nameof(NationalId))) p.NationalId = Input.Clean(NationalId);
        if (Covers(nameof(ConsentSms))) p.ConsentSms = ConsentSms ?? false;
        if (Covers(nameof(ConsentEmail))) p.ConsentEmail = ConsentEmail ?? false;
        if (Covers(nameof(ConsentDataSharing))) p.ConsentDataSharing = ConsentDataSharing ?? false;
        if (Covers(nameof(PatientType))) p.PatientType = PatientType ?? "OPD";
        if (Covers(nameof(DepartmentId))) p.DepartmentId = DepartmentId;
        if (Covers(nameof(Confidential))) p.Confidential = Confidential ?? false;
    }
}

/// <summary>Registration: every field, plus the explicit "I know it looks like a duplicate" switch (audited).</summary>
[WholeBody]
public sealed record RegisterPatientRequest : PatientFields
{
    public bool AllowDuplicate { get; init; }
    [FreeText, MaxLength(500)] public string? DuplicateReason { get; init; }

    public override void Validate(FieldErrors errors)
    {
        base.Validate(errors);
        if (AllowDuplicate && string.IsNullOrWhiteSpace(DuplicateReason))
            errors.Add("duplicateReason", "Say why this record is registered although it looks like a duplicate.");
    }
}

/// <summary>A change of a patient record: the fields sent change, the others stay.</summary>
public sealed record UpdatePatientRequest : PatientFields;

/// <summary>A patient record; who registered and changed it is for staff (a portal patient sees the rest of their own record).</summary>
public sealed record PatientResponse(
    Guid Id, string PatientCode, string FirstName, string? MiddleName, string LastName, DateOnly DateOfBirth, int Age,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.Genders))] string Gender, string? Phone, string? Email, string? AddressLine, string? City, string? State, string? PostalCode,
    string? Country, string? EmergencyContactName, string? EmergencyContactPhone, string? EmergencyContactRelation,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.InsuranceTypes))] string InsuranceType, string? InsuranceProvider, string? InsuranceNumber, [property: OneOf(typeof(PatientValues), nameof(PatientValues.BloodTypes))] string BloodType, [property: OneOf(typeof(PatientValues), nameof(PatientValues.MaritalStatuses))] string MaritalStatus,
    string? Occupation, string? NationalId, bool ConsentSms, bool ConsentEmail, bool ConsentDataSharing, [property: OneOf(typeof(PatientValues), nameof(PatientValues.PatientTypes))] string PatientType,
    Guid? DepartmentId, bool Confidential, bool IsVerified, DateTimeOffset? LastVisitAt, DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy,
    DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, DateTimeOffset? DeletedAt, Guid? MergedIntoId, int Version)
{
    public static PatientResponse From(Patient p, DateOnly today) => new(
        p.Id, p.PatientCode, p.FirstName, p.MiddleName, p.LastName, p.DateOfBirth, Patient.AgeOn(p.DateOfBirth, today),
        p.Gender, p.Phone, p.Email, p.AddressLine, p.City, p.State, p.PostalCode, p.Country, p.EmergencyContactName,
        p.EmergencyContactPhone, p.EmergencyContactRelation, p.InsuranceType, p.InsuranceProvider, p.InsuranceNumber,
        p.BloodType, p.MaritalStatus, p.Occupation, p.NationalId, p.ConsentSms, p.ConsentEmail, p.ConsentDataSharing,
        p.PatientType, p.DepartmentId, p.Confidential, p.IsVerified, p.LastVisitAt, p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy,
        p.DeletedAt, p.MergedIntoId, p.Version);
}

/// <summary>
/// One row of a search result. A confidential patient the caller may not open (not on the care team, no break-glass
/// grant) comes back restricted: id, code, names and birth year only, so the front desk finds them (no second
/// registration) and can still book and check them in.
/// </summary>
public sealed record PatientListItem(
    Guid Id, string PatientCode, string FirstName, string? MiddleName, string LastName, DateOnly? DateOfBirth, int BirthYear, int? Age,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.Genders))] string? Gender, string? Phone, string? Email, string? City, string? State, [property: OneOf(typeof(PatientValues), nameof(PatientValues.BloodTypes))] string? BloodType, [property: OneOf(typeof(PatientValues), nameof(PatientValues.InsuranceTypes))] string? InsuranceType,
    [property: OneOf(typeof(PatientValues), nameof(PatientValues.MaritalStatuses))] string? MaritalStatus, [property: OneOf(typeof(PatientValues), nameof(PatientValues.PatientTypes))] string? PatientType, string? NationalId, DateTimeOffset? LastVisitAt, DateTimeOffset? CreatedAt,
    DateTimeOffset? DeletedAt, double? Score, bool Confidential, bool Restricted)
{
    public PatientListItem Restrict() => new(Id, PatientCode, FirstName, MiddleName, LastName, null, BirthYear, null, null, null, null, null, null,
        null, null, null, null, null, null, null, DeletedAt, Score, true, true);
}

/// <summary>A possible duplicate; a confidential patient the caller may not open is restricted to code, names and birth year.</summary>
public sealed record DuplicateCandidate(Guid Id, string PatientCode, string FirstName, string LastName, DateOnly? DateOfBirth, int BirthYear,
    string? Phone, string? NationalId, int Score, IReadOnlyList<string> Reasons, bool Confidential, bool Restricted)
{
    public DuplicateCandidate Restrict() => this with { DateOfBirth = null, Phone = null, NationalId = null, Restricted = true };
}

public sealed record MergeRequest([property: Required] Guid? DuplicateId, [property: Required, MaxLength(500)] string? Reason);

public sealed record MergeResponse(Guid SurvivorId, Guid DuplicateId, IReadOnlyDictionary<string, int> MovedRows);

