using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Accounts;

public sealed record LoginRequest(string? Email, string? Password, string? TwoFactorCode, string? RecoveryCode) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        errors.Required(Email, "email");
        errors.Required(Password, "password");
    }
}

/// <summary>Access token (15 minutes), refresh token (single use), and whether the password must be changed first.</summary>
public sealed record LoginResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken, bool MustChangePassword)
{
    public static LoginResponse From(TokenPair t, bool mustChange) => new(t.TokenType, t.AccessToken, t.ExpiresIn, t.RefreshToken, mustChange);
}

/// <summary>OAuth2 token response (RFC 6749 §5.1).</summary>
public sealed record OAuthTokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] long ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("refresh_token")] string RefreshToken);

public sealed record RefreshRequest(string? RefreshToken) : IValidatable
{
    public void Validate(FieldErrors errors) => errors.Required(RefreshToken, "refreshToken");
}

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        errors.Required(CurrentPassword, "currentPassword");
        errors.Required(NewPassword, "newPassword");
    }
}

public sealed record ForgotPasswordRequest(string? Email) : IValidatable
{
    public void Validate(FieldErrors errors) => errors.Email(Email, "email");
}

public sealed record ResetPasswordRequest(string? Email, string? Token, string? NewPassword) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        errors.Email(Email, "email");
        errors.Required(Token, "token");
        errors.Required(NewPassword, "newPassword");
    }
}

public sealed record ConfirmEmailRequest(Guid? UserId, string? Token) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (UserId is null || UserId == Guid.Empty) errors.Add("userId", "This field is required.");
        errors.Required(Token, "token");
    }
}

public sealed record TwoFactorCodeRequest(string? Code) : IValidatable
{
    public void Validate(FieldErrors errors) => errors.Required(Code, "code");
}

public sealed record TwoFactorDisableRequest(string? Password) : IValidatable
{
    public void Validate(FieldErrors errors) => errors.Required(Password, "password");
}

public sealed record TwoFactorSetupResponse(string SharedKey, string AuthenticatorUri);
public sealed record TwoFactorStatusResponse(bool Enabled, int RecoveryCodesLeft);
public sealed record TwoFactorEnabledResponse(string[] RecoveryCodes);

public sealed record MeTenant(Guid Id, string Slug, string Name, string Timezone, string Currency);

public sealed record MeResponse(
    Guid Id, string Email, string FirstName, string LastName, MeTenant? Tenant, IReadOnlyCollection<string> Roles,
    IReadOnlyCollection<string> Permissions, bool MustChangePassword, bool TwoFactorEnabled, Guid? PatientId, bool IsSuperAdmin);
