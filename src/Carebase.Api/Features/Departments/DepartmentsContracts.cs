using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Departments;

/// <summary>A department as the API shows it (the ETag header carries <c>version</c>).</summary>
public sealed record DepartmentResponse(
    Guid Id, string Name, string? Code, string? Description, bool IsPatientFacing, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version)
{
    public static DepartmentResponse From(Department d) =>
        new(d.Id, d.Name, d.Code, d.Description, d.IsPatientFacing, d.CreatedAt, d.UpdatedAt, d.Version);
}

/// <summary>Query of GET /departments: <c>q</c> matches name or code (case-insensitive).</summary>
public sealed record DepartmentListQuery([property: MaxLength(200)] string? Q,
    [property: Description("Only departments patients may book with (true) or staff-only ones (false).")] bool? IsPatientFacing, int? Page, int? PageSize) : IPageQuery;

/// <summary>A new department. Names are unique in the hospital whatever their case; so are codes, when given.</summary>
public sealed record CreateDepartmentRequest(
    [property: Required, MaxLength(DepartmentFields.MaxName)] string? Name,
    [property: MaxLength(DepartmentFields.MaxCode)] string? Code,
    [property: FreeText, MaxLength(DepartmentFields.MaxDescription)] string? Description,
    [property: Required(ErrorMessage = "This field is required: true if patients may book with it, false for staff-only.")] bool? IsPatientFacing)
    : IValidatable
{
    public void Validate(FieldErrors errors) => DepartmentFields.Code(Code, errors);
}

/// <summary>
/// Changes to a department: a field left out stays as it is, <c>code</c> or <c>description</c> sent as
/// null (or blank) is cleared.
/// </summary>
public sealed record UpdateDepartmentRequest : PatchRequest
{
    [Required, MaxLength(DepartmentFields.MaxName)] public string? Name { get; init => field = Sent(value); }
    [MaxLength(DepartmentFields.MaxCode)] public string? Code { get; init => field = Sent(value); }
    [FreeText, MaxLength(DepartmentFields.MaxDescription)] public string? Description { get; init => field = Sent(value); }
    public bool? IsPatientFacing { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        DepartmentFields.Code(Code, errors);
        NotCleared(errors, (nameof(IsPatientFacing), IsPatientFacing));
    }
}

/// <summary>Field rules shared by the department requests.</summary>
static partial class DepartmentFields
{
    public const int MaxName = 100;
    public const int MaxCode = 20;
    public const int MaxDescription = 1000;

    public static void Code(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!CodeShape().IsMatch(value.Trim())) errors.Add("code", "Must be 1 to 20 letters, digits, '-' or '_'.");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,20}$")]
    private static partial Regex CodeShape();
}
