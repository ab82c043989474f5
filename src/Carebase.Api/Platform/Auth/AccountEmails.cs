using Carebase.Api.Platform.Messaging;
using Microsoft.AspNetCore.Identity;

namespace Carebase.Api.Platform.Auth;

/// <summary>
/// The account emails (verification, password reset, welcome with a set-password link). Each goes
/// through the outbox in the caller's unit of work. Every mail carries its token on a "Token:" line
/// and a link for a front end at Carebase:PublicUrl.
/// </summary>
public sealed class AccountEmails(Outbox outbox, UserManager<User> users, IConfiguration config)
{
    string PublicUrl => config.PublicUrl();

    public async Task VerificationAsync(User user, string hospitalName)
    {
        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        outbox.Email("email-verification", user.Email!, $"Confirm your email for {hospitalName} on Carebase", $"""
            Hello {user.FirstName},

            Confirm your email address to activate {hospitalName} on Carebase:
            {PublicUrl}/confirm-email?userId={user.Id}&token={Uri.EscapeDataString(token)}

            Or send POST /api/v1/auth/confirm-email with this userId and token.
            UserId: {user.Id}
            Token: {token}

            If you did not register, ignore this message.
            """, user.TenantId);
    }

    public async Task PasswordResetAsync(User user)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        outbox.Email("password-reset", user.Email!, "Reset your Carebase password", $"""
            Hello {user.FirstName},

            Someone asked to reset the password of your Carebase account. To choose a new one:
            {PublicUrl}/reset-password?email={Uri.EscapeDataString(user.Email!)}&token={Uri.EscapeDataString(token)}

            Or send POST /api/v1/auth/reset-password with your email, this token and a new password.
            Token: {token}

            The link works for 24 hours. If it was not you, ignore this message; your password stays as it is.
            """, user.TenantId);
    }

    /// <summary>Welcome for an account created by someone else: a link to set a password (a reset token).</summary>
    public async Task WelcomeAsync(User user, string hospitalName)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        outbox.Email("welcome", user.Email!, $"Your {hospitalName} account on Carebase", $"""
            Hello {user.FirstName},

            An account was created for you at {hospitalName}. Set your password here:
            {PublicUrl}/reset-password?email={Uri.EscapeDataString(user.Email!)}&token={Uri.EscapeDataString(token)}

            Or send POST /api/v1/auth/reset-password with your email, this token and a new password.
            Token: {token}
            """, user.TenantId);
    }
}
