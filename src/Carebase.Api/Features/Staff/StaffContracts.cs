using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
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
public sealed record UserListQuery([property: MaxLength(200)] string? Q, [property: MaxLength(StaffFields.MaxRoleName), Description("Only holders of this role (its name or id).")] string? Role, Guid? DepartmentId,
    bool? IsActive, int? Page, int? PageSize) : IPageQuery;

/// <summary>
/// A new staff account. Without <c>temporaryPassword</c> a random one is set and a welcome email with a
/// set-password link is sent; either way the account must choose its own password at first sign-in.
/// </summary>
public sealed record CreateUserRequest(
    [property: Required, Email] string? Email,
    [property: Required, MaxLength(StaffFields.MaxName)] string? FirstName,
    [property: Required, MaxLength(StaffFields.MaxName)] string? LastName,
    [property: MaxLength(StaffFields.MaxPhone)] string? Phone,
    [property: Required(ErrorMessage = StaffFields.AtLeastOne), MinLength(1, ErrorMessage = StaffFields.AtLeastOne), MaxLength(StaffFields.MaxRoles)] Guid[]? RoleIds,
    [property: MaxLength(StaffFields.MaxDepartments)] Guid[]? DepartmentIds,
    [property: MaxLength(SecretLengths.Password)] string? TemporaryPassword) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        StaffFields.Phone(Phone, errors);
        StaffFields.Ids(RoleIds, "roleIds", errors);
        StaffFields.Ids(DepartmentIds, "departmentIds", errors);
        if (TemporaryPassword is { Length: 0 }) errors.Add("temporaryPassword", "Leave it out to email a set-password link, or give a password.");
    }
}

/// <summary>
/// Changes to a staff account: a field left out stays as it is, <c>phone</c> or <c>departmentIds</c> sent as null is
/// cleared. <c>roleIds</c> and <c>departmentIds</c> replace the whole set.
/// </summary>
public sealed record UpdateUserRequest : PatchRequest
{
    [Required, MaxLength(StaffFields.MaxName)] public string? FirstName { get; init => field = Sent(value); }
    [Required, MaxLength(StaffFields.MaxName)] public string? LastName { get; init => field = Sent(value); }
    [MaxLength(StaffFields.MaxPhone)] public string? Phone { get; init => field = Sent(value); }
    [Required, MinLength(1, ErrorMessage = StaffFields.AtLeastOne), MaxLength(StaffFields.MaxRoles)] public Guid[]? RoleIds { get; init => field = Sent(value); }
    [MaxLength(StaffFields.MaxDepartments)] public Guid[]? DepartmentIds { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        StaffFields.Phone(Phone, errors);
        StaffFields.Ids(RoleIds, "roleIds", errors);
        StaffFields.Ids(DepartmentIds, "departmentIds", errors);
    }
}

/// <summary>With <c>temporaryPassword</c>: set it and force a change at next sign-in. Without: email a reset link.</summary>
public sealed record ResetUserPasswordRequest([property: MaxLength(SecretLengths.Password)] string? TemporaryPassword) : IValidatable
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

public sealed record CreateRoleRequest(
    [property: Required, MaxLength(StaffFields.MaxRoleName)] string? Name,
    [property: MaxLength(StaffFields.MaxRoleDescription)] string? Description,
    [property: Required(ErrorMessage = "This field is required (it may be an empty list)."), MaxLength(StaffFields.MaxPermissions),
        OneOf(typeof(StaffFields), nameof(StaffFields.AssignablePermissions))] string[]? Permissions);

/// <summary>Changes to a custom role: a field left out stays as it is; <c>description</c> sent as null is cleared. <c>permissions</c> replaces the whole set.</summary>
public sealed record UpdateRoleRequest : PatchRequest
{
    [Required, MaxLength(StaffFields.MaxRoleName)] public string? Name { get; init => field = Sent(value); }
    [MaxLength(StaffFields.MaxRoleDescription)] public string? Description { get; init => field = Sent(value); }
    [MaxLength(StaffFields.MaxPermissions), OneOf(typeof(StaffFields), nameof(StaffFields.AssignablePermissions))]
    public string[]? Permissions { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => NotCleared(errors, (nameof(Permissions), Permissions));
}

public sealed record PermissionResponse(string Code, string Description);
public sealed record PermissionAreaResponse(string Area, IReadOnlyList<PermissionResponse> Permissions);

/// <summary>Field rules shared by the staff requests.</summary>
static partial class StaffFields
{
    public const int MaxRoles = 20;
    public const int MaxDepartments = 50;
    public const int MaxName = 100;
    public const int MaxPhone = 32;
    public const int MaxRoleName = 64;
    public const int MaxRoleDescription = 500;
    /// <summary>More than the catalog holds, so a role may list every permission.</summary>
    public const int MaxPermissions = 200;
    public const string AtLeastOne = "Give at least one.";

    public static void Phone(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!PhoneShape().IsMatch(value.Trim())) errors.Add("phone", "Must be a phone number: digits, spaces, +, -, ( and ), 5 to 32 characters.");
    }

    public static void Ids(Guid[]? ids, string field, FieldErrors errors)
    {
        if (ids?.Any(id => id == Guid.Empty) == true) errors.Add(field, "Ids must be non-empty UUIDs.");
    }

    /// <summary>The permission codes a hospital's role may hold (every code but the platform's).</summary>
    public static readonly string[] AssignablePermissions =
        Permissions.All.Select(p => p.Code).Where(Permissions.AssignableToTenantRole).Order(StringComparer.Ordinal).ToArray();

    [GeneratedRegex(@"^[0-9+()\- ]{5,32}$")]
    private static partial Regex PhoneShape();
}
