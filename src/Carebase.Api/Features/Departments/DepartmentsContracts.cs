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
public sealed record DepartmentListQuery(string? Q, bool? IsPatientFacing, int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors) => errors.MaxLength(Q, 200, "q");
}

/// <summary>A new department. Names are unique in the hospital whatever their case; so are codes, when given.</summary>
public sealed record CreateDepartmentRequest(string? Name, string? Code, [property: FreeText] string? Description, bool? IsPatientFacing) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        DepartmentFields.Name(Name, errors);
        DepartmentFields.Code(Code, errors);
        DepartmentFields.Description(Description, errors);
        if (IsPatientFacing is null) errors.Add("isPatientFacing", "This field is required: true if patients may book with it, false for staff-only.");
    }
}

/// <summary>
/// Changes to a department: a field left out stays as it is, <c>code</c> or <c>description</c> sent as
/// null (or blank) is cleared.
/// </summary>
public sealed record UpdateDepartmentRequest : PatchRequest
{
    public string? Name { get; init => field = Sent(value); }
    public string? Code { get; init => field = Sent(value); }
    [FreeText] public string? Description { get; init => field = Sent(value); }
    public bool? IsPatientFacing { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        if (Has(nameof(Name))) DepartmentFields.Name(Name, errors);
        DepartmentFields.Code(Code, errors);
        DepartmentFields.Description(Description, errors);
        NotCleared(errors, (nameof(IsPatientFacing), IsPatientFacing));
    }
}

/// <summary>Field rules shared by the department requests.</summary>
static partial class DepartmentFields
{
    public static void Name(string? value, FieldErrors errors)
    {
        if (errors.Required(value, "name")) errors.MaxLength(value!.Trim(), 100, "name");
    }

    public static void Code(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!CodeShape().IsMatch(value.Trim())) errors.Add("code", "Must be 1 to 20 letters, digits, '-' or '_'.");
    }

    public static void Description(string? value, FieldErrors errors) => errors.MaxLength(value, 1000, "description");

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,20}$")]
    private static partial Regex CodeShape();
}
