using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Identity;

namespace Carebase.Api.Platform.Auth;

/// <summary>Creates accounts the one way every feature does (staff, doctors, portal patients, tenant admins, super admins).</summary>
public sealed class UserAccounts(UserManager<User> users, PasswordPolicy passwords, TimeProvider time)
{
    /// <summary>Creates an account (Identity validation and the password policy apply; errors are 422 on the given field).</summary>
    public async Task<User> CreateAsync(Guid? tenantId, string firstName, string lastName, string email, string password,
        bool mustChangePassword, bool emailConfirmed, string passwordField, CancellationToken ct, bool superAdmin = false)
    {
        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(), TenantId = tenantId, FirstName = firstName.Trim(), LastName = lastName.Trim(),
            Email = email.Trim(), UserName = email.Trim(), EmailConfirmed = emailConfirmed, MustChangePassword = mustChangePassword,
            CreatedAt = now, UpdatedAt = now, PasswordChangedAt = now, LockoutEnabled = true, IsSuperAdmin = superAdmin,
        };
        var result = await users.CreateAsync(user, password);
        ThrowIfFailed(result, passwordField, "email");
        passwords.Remember(user);
        return user;
    }

    /// <summary>Identity errors as 422 field errors (duplicate email as 409).</summary>
    public static void ThrowIfFailed(IdentityResult result, string passwordField, string emailField = "email")
    {
        if (result.Succeeded) return;
        if (result.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName"))
            throw new ConflictException("email_taken", "An account with this email already exists.");
        var errors = new FieldErrors();
        foreach (var e in result.Errors)
            errors.Add(e.Code.StartsWith("Password", StringComparison.Ordinal) ? passwordField
                : e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? emailField
                : e.Code == "InvalidToken" ? "token" : "request", e.Description);
        errors.ThrowIfAny();
    }
}
