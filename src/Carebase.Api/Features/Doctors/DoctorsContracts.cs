using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Staff;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Doctors;

/// <summary>
/// A doctor profile: the profile, the account's name, email, phone and status, and who changed it when. Patients booking
/// see the public fields only (no license number, contact details, account id or audit fields).
/// </summary>
public sealed record DoctorResponse(
    Guid Id, [property: StaffOnly] Guid UserId, string Name, [property: StaffOnly] string FirstName, [property: StaffOnly] string LastName,
    [property: StaffOnly] string Email, [property: StaffOnly] string? Phone, [property: StaffOnly] bool IsActive,
    string Specialization, [property: StaffOnly] string LicenseNumber, int YearsOfExperience, decimal ConsultationFee, string? Bio,
    Guid? DepartmentId, string? DepartmentName, [property: StaffOnly] DateTimeOffset CreatedAt, [property: StaffOnly] Guid? CreatedBy,
    [property: StaffOnly] DateTimeOffset UpdatedAt, [property: StaffOnly] Guid? UpdatedBy, [property: StaffOnly] int Version)
{
    internal static DoctorResponse From(DoctorRow r) => new(
        r.Doctor.Id, r.Doctor.UserId, $"{r.FirstName} {r.LastName}".Trim(), r.FirstName, r.LastName, r.Email, r.Phone, r.IsActive,
        r.Doctor.Specialization, r.Doctor.LicenseNumber, r.Doctor.YearsOfExperience, Doctor.Money(r.Doctor.ConsultationFee), r.Doctor.Bio,
        r.Doctor.DepartmentId, r.DepartmentName, r.Doctor.CreatedAt, r.Doctor.CreatedBy, r.Doctor.UpdatedAt, r.Doctor.UpdatedBy, r.Doctor.Version);
}

/// <summary>A profile with what the response shows of its account and department, read in one query.</summary>
sealed class DoctorRow
{
    public required Doctor Doctor { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }
    public string? Phone { get; init; }
    public bool IsActive { get; init; }
    public string? DepartmentName { get; init; }
}

/// <summary>
/// Query of GET /doctors: <c>q</c> matches the doctor's name, <c>specialization</c> is matched whole
/// (case-insensitive). Patients always get active doctors only.
/// </summary>
public sealed record DoctorListQuery([property: MaxLength(200)] string? Q, [property: MaxLength(DoctorFields.MaxSpecialization), Description("Only doctors of this specialization (the whole name, case-insensitive).")] string? Specialization,
    Guid? DepartmentId, bool? IsActive, int? Page, int? PageSize) : IPageQuery;

/// <summary>
/// A new doctor profile, either for an existing staff account holding the DOCTOR role (<c>userId</c>) or
/// together with a new account (<c>user</c>), which gets the DOCTOR role and must choose its password at
/// first sign-in. Creating the account also needs users:write.
/// </summary>
public sealed record CreateDoctorRequest(
    Guid? UserId, NewDoctorAccount? User,
    [property: Required, MaxLength(DoctorFields.MaxSpecialization)] string? Specialization,
    [property: Required, MaxLength(DoctorFields.MaxLicenseNumber)] string? LicenseNumber,
    [property: Required, Range(0, DoctorFields.MaxYearsOfExperience)] int? YearsOfExperience,
    [property: Required] decimal? ConsultationFee,
    [property: FreeText, MaxLength(DoctorFields.MaxBio)] string? Bio, Guid? DepartmentId) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (UserId is null && User is null) errors.Add("userId", "Give userId (an existing DOCTOR account) or user (to create the account).");
        if (UserId is not null && User is not null) errors.Add("user", "Give either userId or user, not both.");
        if (UserId == Guid.Empty) errors.Add("userId", "Must be a non-empty UUID.");
        if (ConsultationFee is { } fee) DoctorFields.Fee(fee, errors);
        if (DepartmentId == Guid.Empty) errors.Add("departmentId", "Must be a non-empty UUID.");
    }
}

/// <summary>The account created with a profile. Without <c>temporaryPassword</c> a welcome email with a set-password link is sent.</summary>
public sealed record NewDoctorAccount(
    [property: Required, Email] string? Email,
    [property: Required, MaxLength(StaffFields.MaxName)] string? FirstName,
    [property: Required, MaxLength(StaffFields.MaxName)] string? LastName,
    [property: MaxLength(StaffFields.MaxPhone)] string? Phone,
    [property: MaxLength(SecretLengths.Password)] string? TemporaryPassword) : IValidatable
{
    /// <summary>Checked inside <see cref="CreateDoctorRequest"/>: its fields are keyed under <c>user.</c>.</summary>
    public void Validate(FieldErrors errors)
    {
        StaffFields.Phone(Phone, errors);
        if (TemporaryPassword is { Length: 0 }) errors.Add("temporaryPassword", "Leave it out to email a set-password link, or give a password.");
    }
}

/// <summary>
/// Changes to a profile; a field left out stays as it is. <c>bio</c> or <c>departmentId</c> sent as null
/// is cleared. Name, email and phone belong to the account (PATCH /users/{id}).
/// </summary>
public sealed record UpdateDoctorRequest : PatchRequest
{
    [Required, MaxLength(DoctorFields.MaxSpecialization)] public string? Specialization { get; init => field = Sent(value); }
    [Required, MaxLength(DoctorFields.MaxLicenseNumber)] public string? LicenseNumber { get; init => field = Sent(value); }
    [Range(0, DoctorFields.MaxYearsOfExperience)] public int? YearsOfExperience { get; init => field = Sent(value); }
    public decimal? ConsultationFee { get; init => field = Sent(value); }
    [FreeText, MaxLength(DoctorFields.MaxBio)] public string? Bio { get; init => field = Sent(value); }
    public Guid? DepartmentId { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(YearsOfExperience), YearsOfExperience), (nameof(ConsultationFee), ConsultationFee));
        if (ConsultationFee is { } fee) DoctorFields.Fee(fee, errors);
        if (DepartmentId == Guid.Empty) errors.Add("departmentId", "Must be a non-empty UUID (or null to clear).");
    }
}

/// <summary>Field rules shared by the doctor requests.</summary>
static class DoctorFields
{
    public const int MaxSpecialization = 100;
    public const int MaxLicenseNumber = 64;
    public const int MaxYearsOfExperience = 80;
    public const int MaxBio = 2000;

    public static void Fee(decimal value, FieldErrors errors)
    {
        if (Doctor.FeeProblem(value) is { } problem) errors.Add("consultationFee", problem);
    }

}
