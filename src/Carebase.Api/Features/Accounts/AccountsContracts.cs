using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Accounts;

public sealed record LoginRequest(
    [property: Required, MaxLength(EmailAttribute.MaxLength)] string? Email,
    [property: Required, MaxLength(SecretLengths.Password)] string? Password,
    [property: MaxLength(SecretLengths.Code)] string? TwoFactorCode,
    [property: MaxLength(SecretLengths.Code)] string? RecoveryCode);

/// <summary>Access token (15 minutes), refresh token (single use), and whether the password must be changed first.</summary>
public sealed record LoginResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken, bool MustChangePassword)
{
    public static LoginResponse From(TokenPair t, bool mustChange) => new(t.TokenType, t.AccessToken, t.ExpiresIn, t.RefreshToken, mustChange);
}

/// <summary>
/// The form of POST /auth/token (RFC 6749 §4.3 and §6), for the document: the handler reads the form itself and answers
/// 400 invalid_request or invalid_grant to what it cannot use.
/// </summary>
public sealed record OAuthTokenRequest(
    [property: JsonPropertyName("grant_type"), Required, OneOf(typeof(OAuthTokenRequest), nameof(OAuthTokenRequest.GrantTypes))] string GrantType,
    [property: JsonPropertyName("username"), Description("Email, for the password grant."), MaxLength(EmailAttribute.MaxLength)] string? Username,
    [property: JsonPropertyName("password"), Description("For the password grant."), MaxLength(SecretLengths.Password)] string? Password,
    [property: JsonPropertyName("totp"), Description("Two-factor code, for the password grant of an account that has it on."), MaxLength(SecretLengths.Code)] string? Totp,
    [property: JsonPropertyName("refresh_token"), Description("For the refresh_token grant."), MaxLength(SecretLengths.Token)] string? RefreshToken)
{
    public static readonly string[] GrantTypes = ["password", "refresh_token"];
}

/// <summary>OAuth2 token response (RFC 6749 §5.1).</summary>
public sealed record OAuthTokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] long ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("refresh_token")] string RefreshToken);

public sealed record RefreshRequest([property: Required, MaxLength(SecretLengths.Token)] string? RefreshToken);

public sealed record ChangePasswordRequest(
    [property: Required, MaxLength(SecretLengths.Password)] string? CurrentPassword,
    [property: Required, MaxLength(SecretLengths.Password)] string? NewPassword);

public sealed record ForgotPasswordRequest([property: Required, Email] string? Email);

public sealed record ResetPasswordRequest(
    [property: Required, Email] string? Email,
    [property: Required, MaxLength(SecretLengths.Token)] string? Token,
    [property: Required, MaxLength(SecretLengths.Password)] string? NewPassword);

public sealed record ConfirmEmailRequest([property: Required] Guid? UserId, [property: Required, MaxLength(SecretLengths.Token)] string? Token);

public sealed record TwoFactorCodeRequest([property: Required, MaxLength(SecretLengths.Code)] string? Code);

public sealed record TwoFactorDisableRequest([property: Required, MaxLength(SecretLengths.Password)] string? Password);

public sealed record TwoFactorSetupResponse(string SharedKey, string AuthenticatorUri);
public sealed record TwoFactorStatusResponse(bool Enabled, int RecoveryCodesLeft);
public sealed record TwoFactorEnabledResponse(string[] RecoveryCodes);

public sealed record MeTenant(Guid Id, string Slug, string Name, string Timezone, string Currency);

public sealed record MeResponse(
    Guid Id, string Email, string FirstName, string LastName, MeTenant? Tenant, IReadOnlyCollection<string> Roles,
    IReadOnlyCollection<string> Permissions, bool MustChangePassword, bool TwoFactorEnabled, Guid? PatientId, Guid? DoctorId, bool IsSuperAdmin);
