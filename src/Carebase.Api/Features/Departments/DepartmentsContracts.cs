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

/// <summary>What still points at a department that someone tried to delete.</summary>
public sealed record DepartmentUsage(int Staff, int Doctors, int Patients)
{
    public bool Any => Staff + Doctors + Patients > 0;
}

/// <summary>Query of GET /departments: <c>q</c> matches name or code (case-insensitive).</summary>
public sealed record DepartmentListQuery(string? Q, bool? IsPatientFacing, int? Page, int? PageSize) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        errors.MaxLength(Q, 200, "q");
        Paging.Validate(Page, PageSize, errors);
    }
}

/// <summary>A new department. Names are unique in the hospital whatever their case; so are codes, when given.</summary>
public sealed record CreateDepartmentRequest(string? Name, string? Code, string? Description, bool? IsPatientFacing) : IValidatable
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
/// Changes to a department; a field left out stays as it is, <c>code</c> or <c>description</c> sent as
/// null (or blank) is cleared.
/// </summary>
public sealed class UpdateDepartmentRequest : IValidatable
{
    readonly HashSet<string> _present = [];

    public string? Name { get; init { field = value; _present.Add("name"); } }
    public string? Code { get; init { field = value; _present.Add("code"); } }
    public string? Description { get; init { field = value; _present.Add("description"); } }
    public bool? IsPatientFacing { get; init { field = value; _present.Add("isPatientFacing"); } }

    /// <summary>True when the body named <paramref name="field"/> (even as null).</summary>
    public bool Has(string field) => _present.Contains(field);

    public void Validate(FieldErrors errors)
    {
        if (Has("name")) DepartmentFields.Name(Name, errors);
        if (Has("code")) DepartmentFields.Code(Code, errors);
        if (Has("description")) DepartmentFields.Description(Description, errors);
        if (Has("isPatientFacing") && IsPatientFacing is null) errors.Add("isPatientFacing", "Must be true or false.");
    }
}

/// <summary>Field rules shared by the department requests.</summary>
static partial class DepartmentFields
{
    public static void Name(string? value, FieldErrors errors)
    {
        if (!errors.Required(value, "name")) return;
        Text(value!.Trim(), 100, "name", errors, multiline: false);
    }

    public static void Code(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!CodeShape().IsMatch(value.Trim())) errors.Add("code", "Must be 1 to 20 letters, digits, '-' or '_'.");
    }

    public static void Description(string? value, FieldErrors errors) => Text(value, 1000, "description", errors, multiline: true);

    /// <summary>Length and no control characters (line breaks and tabs only where <paramref name="multiline"/>).</summary>
    public static void Text(string? value, int max, string field, FieldErrors errors, bool multiline)
    {
        if (value is null) return;
        errors.MaxLength(value, max, field);
        if (value.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')))
            errors.Add(field, "Must not contain control characters.");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,20}$")]
    private static partial Regex CodeShape();
}
