using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;

namespace Carebase.Api.Features.Staff;

public sealed record RoleRef(Guid Id, string Name);

/// <summary>A staff account as the API shows it.</summary>
public sealed record UserResponse(
    Guid Id, string Email, string FirstName, string LastName, string? Phone, bool IsActive, bool MustChangePassword,
    IReadOnlyList<RoleRef> Roles, IReadOnlyList<Guid> DepartmentIds, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt, int Version)
{
    // Times at the database's microsecond precision, so an answer built from memory equals one read back later.
    public static UserResponse From(User u, IReadOnlyList<RoleRef> roles, IReadOnlyList<Guid> departmentIds) =>
        new(u.Id, u.Email!, u.FirstName, u.LastName, u.PhoneNumber, u.IsActive, u.MustChangePassword,
            roles, departmentIds, Microseconds.Truncate(u.CreatedAt), u.LastLoginAt is { } l ? Microseconds.Truncate(l) : null, u.Version);
}

/// <summary>Query of GET /users: <c>q</c> matches name or email (case-insensitive); <c>role</c> is a role name or id.</summary>
public sealed record UserListQuery(string? Q, string? Role, Guid? DepartmentId, bool? IsActive, int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public void Validate(FieldErrors errors)
    {
        errors.MaxLength(Q, 200, "q");
        errors.MaxLength(Role, 64, "role");
    }
}

/// <summary>
/// A new staff account. Without <c>temporaryPassword</c> a random one is set and a welcome email with a
/// set-password link is sent; either way the account must choose its own password at first sign-in.
/// </summary>
public sealed record CreateUserRequest(
    string? Email, string? FirstName, string? LastName, string? Phone, Guid[]? RoleIds, Guid[]? DepartmentIds,
    string? TemporaryPassword) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        errors.Email(Email?.Trim(), "email");
        StaffFields.Name(FirstName, "firstName", errors, required: true);
        StaffFields.Name(LastName, "lastName", errors, required: true);
        StaffFields.Phone(Phone, errors);
        StaffFields.Ids(RoleIds, "roleIds", StaffFields.MaxRoles, errors, required: true);
        StaffFields.Ids(DepartmentIds, "departmentIds", StaffFields.MaxDepartments, errors, required: false);
        if (TemporaryPassword is { Length: 0 }) errors.Add("temporaryPassword", "Leave it out to email a set-password link, or give a password.");
    }
}

/// <summary>
/// Changes to a staff account: a field left out stays as it is, <c>phone</c> or <c>departmentIds</c> sent as null is
/// cleared. <c>roleIds</c> and <c>departmentIds</c> replace the whole set.
/// </summary>
public sealed record UpdateUserRequest : PatchRequest
{
    public string? FirstName { get; init => field = Sent(value); }
    public string? LastName { get; init => field = Sent(value); }
    public string? Phone { get; init => field = Sent(value); }
    public Guid[]? RoleIds { get; init => field = Sent(value); }
    public Guid[]? DepartmentIds { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(FirstName), FirstName), (nameof(LastName), LastName), (nameof(RoleIds), RoleIds));
        if (FirstName is not null) StaffFields.Name(FirstName, "firstName", errors, required: true);
        if (LastName is not null) StaffFields.Name(LastName, "lastName", errors, required: true);
        StaffFields.Phone(Phone, errors);
        if (RoleIds is not null) StaffFields.Ids(RoleIds, "roleIds", StaffFields.MaxRoles, errors, required: true);
        StaffFields.Ids(DepartmentIds, "departmentIds", StaffFields.MaxDepartments, errors, required: false);
    }
}

/// <summary>With <c>temporaryPassword</c>: set it and force a change at next sign-in. Without: email a reset link.</summary>
public sealed record ResetUserPasswordRequest(string? TemporaryPassword) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (TemporaryPassword is { Length: 0 }) errors.Add("temporaryPassword", "Leave it out to email a reset link, or give a password.");
    }
}

public sealed record RoleResponse(
    Guid Id, string Name, string? Description, bool IsSystem, IReadOnlyList<string> Permissions, int UserCount,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version)
{
    public static RoleResponse From(Role r, int userCount) =>
        new(r.Id, r.Name, r.Description, r.IsSystem, r.Permissions.Order(StringComparer.Ordinal).ToArray(), userCount, r.CreatedAt, r.UpdatedAt, r.Version);
}

public sealed record CreateRoleRequest(string? Name, string? Description, string[]? Permissions) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        StaffFields.RoleName(Name, errors);
        errors.MaxLength(Description, 500, "description");
        if (Permissions is null) errors.Add("permissions", "This field is required (it may be an empty list).");
        else StaffFields.PermissionCodes(Permissions, errors);
    }
}

/// <summary>Changes to a custom role: a field left out stays as it is; <c>description</c> sent as null is cleared. <c>permissions</c> replaces the whole set.</summary>
public sealed record UpdateRoleRequest : PatchRequest
{
    public string? Name { get; init => field = Sent(value); }
    public string? Description { get; init => field = Sent(value); }
    public string[]? Permissions { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(Name), Name), (nameof(Permissions), Permissions));
        if (Name is not null) StaffFields.RoleName(Name, errors);
        errors.MaxLength(Description, 500, "description");
        if (Permissions is not null) StaffFields.PermissionCodes(Permissions, errors);
    }
}

public sealed record PermissionResponse(string Code, string Description);
public sealed record PermissionAreaResponse(string Area, IReadOnlyList<PermissionResponse> Permissions);

/// <summary>Field rules shared by the staff requests.</summary>
static partial class StaffFields
{
    public const int MaxRoles = 20;
    public const int MaxDepartments = 50;

    public static void Name(string? value, string field, FieldErrors errors, bool required)
    {
        if (required && !errors.Required(value, field)) return;
        errors.MaxLength(value?.Trim(), 100, field);
    }

    public static void Phone(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!PhoneShape().IsMatch(value.Trim())) errors.Add("phone", "Must be a phone number: digits, spaces, +, -, ( and ), 5 to 32 characters.");
    }

    public static void Ids(Guid[]? ids, string field, int max, FieldErrors errors, bool required)
    {
        if (ids is null || ids.Length == 0)
        {
            if (required) errors.Add(field, "Give at least one.");
            return;
        }
        if (ids.Any(id => id == Guid.Empty)) errors.Add(field, "Ids must be non-empty UUIDs.");
        if (ids.Length > max) errors.Add(field, $"At most {max}.");
    }

    public static void RoleName(string? value, FieldErrors errors)
    {
        if (!errors.Required(value, "name")) return;
        errors.MaxLength(value!.Trim(), 64, "name");
    }

    public static void PermissionCodes(string[] codes, FieldErrors errors)
    {
        var unknown = codes.Where(c => c is null || !Permissions.AssignableToTenantRole(c)).Distinct().ToArray();
        if (unknown.Length > 0)
            errors.Add("permissions", $"Unknown or not assignable permission codes: {string.Join(", ", unknown.Select(c => c ?? "null"))}.");
    }

    [GeneratedRegex(@"^[0-9+()\- ]{5,32}$")]
    private static partial Regex PhoneShape();
}
