using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Operations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Accounts;

public static class AccountsEndpoints
{
    public static IServiceCollection AddAccounts(this IServiceCollection services) =>
        services.AddScoped<SignInFlow>().AddSingleton<UnknownAccountLockout>();

    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth").AddEndpointFilter<ValidationFilter>();

        auth.MapPost("/login", Login).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Sign in with email and password (and a two-factor code when enabled)");
        auth.MapPost("/token", Token).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .Accepts<OAuthTokenRequest>("application/x-www-form-urlencoded")
            .WithSummary("OAuth2 token endpoint: password and refresh_token grants (form-encoded)");
        auth.MapPost("/refresh", Refresh).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Exchange a refresh token (single use) for a new token pair");
        auth.MapPost("/logout", Logout).RequireSignedIn().AllowDuringPasswordChange()
            .WithSummary("End the current session");
        auth.MapGet("/me", Me).RequireSignedIn().AllowDuringPasswordChange()
            .WithSummary("The signed-in account, its hospital, roles and permissions");
        auth.MapPost("/change-password", ChangePassword).RequireSignedIn().AllowDuringPasswordChange().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Change your password; ends every session and returns a new token pair");
        auth.MapPost("/forgot-password", ForgotPassword).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Email a password reset link (always 202, whether or not the account exists)");
        auth.MapPost("/reset-password", ResetPassword).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Set a new password with the emailed token; ends every session");
        auth.MapPost("/confirm-email", ConfirmEmail).Public().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Confirm an email address with the emailed token (activates a newly registered hospital)");

        var twoFactor = auth.MapGroup("/2fa");
        twoFactor.MapGet("/", TwoFactorStatus).RequireSignedIn().WithSummary("Whether two-factor sign-in is on");
        twoFactor.MapPost("/setup", TwoFactorSetup).RequireSignedIn().WithSummary("Create an authenticator key (shown once as a key and an otpauth URI)");
        twoFactor.MapPost("/enable", TwoFactorEnable).RequireSignedIn().WithSummary("Turn two-factor on with a code from the authenticator; returns recovery codes");
        twoFactor.MapPost("/disable", TwoFactorDisable).RequireSignedIn().RequireRateLimiting(RateLimits.AuthPolicy).WithSummary("Turn two-factor off (needs the password)");
        return api;
    }

    static async Task<Ok<LoginResponse>> Login(LoginRequest request, SignInFlow signIn, CancellationToken ct)
    {
        var (tokens, user) = await signIn.PasswordAsync(request.Email!, request.Password!, request.TwoFactorCode, request.RecoveryCode, ct);
        return TypedResults.Ok(LoginResponse.From(tokens, user.MustChangePassword));
    }

    /// <summary>RFC 6749 password and refresh_token grants. Errors are problem+json that also carry RFC 6749's error/error_description.</summary>
    static async Task<Ok<OAuthTokenResponse>> Token(HttpContext http, SignInFlow signIn, SessionStore sessions, TokenIssuer tokens, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType) throw OAuthError("invalid_request", "Send the request as application/x-www-form-urlencoded.");
        var form = await http.Request.ReadFormAsync(ct);
        TokenPair pair;
        switch (form["grant_type"].ToString())
        {
            case "password":
                var (username, password) = (form["username"].ToString(), form["password"].ToString());
                if (username.Length == 0 || password.Length == 0) throw OAuthError("invalid_request", "username and password are required.");
                try
                {
                    pair = (await signIn.PasswordAsync(username, password, form["totp"].ToString() is { Length: > 0 } code ? code : null, null, ct)).Tokens;
                }
                catch (UnauthorizedException)
                {
                    throw OAuthError("invalid_grant", "The username or password is wrong.");
                }
                break;
            case "refresh_token":
                try
                {
                    pair = await RotateAsync(form["refresh_token"].ToString(), sessions, tokens, ct);
                }
                catch (UnauthorizedException e)
                {
                    throw OAuthError("invalid_grant", e.Message);
                }
                break;
            default:
                throw OAuthError("unsupported_grant_type", "grant_type must be 'password' or 'refresh_token'.");
        }
        return TypedResults.Ok(new OAuthTokenResponse(pair.AccessToken, pair.TokenType, pair.ExpiresIn, pair.RefreshToken));
    }

    static BadRequestException OAuthError(string error, string description) =>
        new(error, description, new Dictionary<string, object?> { ["error"] = error, ["error_description"] = description });

    static async Task<Ok<TokenPair>> Refresh(RefreshRequest request, SessionStore sessions, TokenIssuer tokens, CancellationToken ct) =>
        TypedResults.Ok(await RotateAsync(request.RefreshToken!, sessions, tokens, ct));

    static async Task<TokenPair> RotateAsync(string refreshToken, SessionStore sessions, TokenIssuer tokens, CancellationToken ct)
    {
        if (tokens.ReadRefreshToken(refreshToken) is not var (sid, rid))
            throw new UnauthorizedException("invalid_refresh_token", "The refresh token is not valid.");
        var (outcome, next) = await sessions.RotateAsync(sid, rid, ct);
        switch (outcome)
        {
            case RefreshOutcome.Rotated:
                var session = await sessions.GetAsync(sid, ct);
                if (session?.TenantStatus is "SUSPENDED" or "INACTIVE")
                    throw new ForbiddenException("tenant_" + session.TenantStatus.ToLowerInvariant(), "This hospital's account is not active.");
                return tokens.Issue(session!.UserId, sid, next);
            case RefreshOutcome.Idle:
                throw new UnauthorizedException("session_idle", "This session was idle for too long. Sign in again.");
            default:
                throw new UnauthorizedException("invalid_refresh_token", "The refresh token was already used, revoked or expired. Sign in again.");
        }
    }

    static async Task<NoContent> Logout(Caller caller, SessionStore sessions, AuditLog audit, CancellationToken ct)
    {
        await sessions.RevokeAsync(caller.SessionId, "logout", ct);
        await audit.WriteAsync("auth.logout", "session", caller.SessionId, ct: ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<MeResponse>> Me(Caller caller, UserManager<User> users, CarebaseDb db, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        var tenant = caller.TenantId is { } tid
            ? await db.Set<Tenant>().AsNoTracking().Where(t => t.Id == tid)
                .Select(t => new MeTenant(t.Id, t.Slug, t.Name, t.Timezone, t.Currency)).SingleOrDefaultAsync(ct)
            : null;
        return TypedResults.Ok(new MeResponse(user.Id, user.Email!, user.FirstName, user.LastName, tenant,
            caller.Roles.Order().ToArray(), caller.Permissions.Order().ToArray(), user.MustChangePassword, user.TwoFactorEnabled,
            user.PatientId, caller.TenantId is null || caller.IsPatient ? null : await Doctors.DoctorRef.OfUserAsync(db, user.Id, ct), user.IsSuperAdmin));
    }

    static async Task<Ok<LoginResponse>> ChangePassword(
        ChangePasswordRequest request, Caller caller, UserManager<User> users, PasswordPolicy passwords, SessionStore sessions,
        SignInFlow signIn, AuditLog audit, CarebaseDb db, AccountLimiter limiter, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (limiter.TryAcquire(caller.Email) is { } wait) throw new TooManyRequestsException(wait);
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        if (!await users.CheckPasswordAsync(user, request.CurrentPassword!))
            throw new ValidationException("currentPassword", "The current password is wrong.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        UserAccounts.ThrowIfFailed(result, "newPassword");
        user.MustChangePassword = false;
        user.PasswordChangedAt = time.GetUtcNow();
        user.Touch(user.PasswordChangedAt.Value);
        await users.UpdateAsync(user);
        passwords.Remember(user);
        audit.Record("auth.password_changed", "user", user.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await sessions.RevokeAllAsync(user.Id, "password-changed", ct);
        return TypedResults.Ok(LoginResponse.From(await signIn.NewSessionAsync(user, ct), false));
    }

    static async Task<Accepted> ForgotPassword(
        ForgotPasswordRequest request, UserManager<User> users, AccountEmails emails, AuditLog audit, CarebaseDb db,
        AccountLimiter limiter, HttpContext http, CancellationToken ct)
    {
        if (limiter.TryAcquire(request.Email) is { } wait) throw new TooManyRequestsException(wait);
        var user = await users.FindByEmailAsync(request.Email!.Trim());
        if (user is { IsActive: true })
        {
            if (user.TenantId is { } tid && await db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tid, ct) is var tenant)
                await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);
            await emails.PasswordResetAsync(user);
            audit.Record("auth.password_reset_requested", "user", user.Id, actor: new AuditActor(user.Id, user.Email, [], user.TenantId));
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Accepted((string?)null);
    }

    static async Task<NoContent> ResetPassword(
        ResetPasswordRequest request, UserManager<User> users, PasswordPolicy passwords, SessionStore sessions, AuditLog audit,
        CarebaseDb db, AccountLimiter limiter, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (limiter.TryAcquire(request.Email) is { } wait) throw new TooManyRequestsException(wait);
        var invalid = new ValidationException("token", "The reset token is invalid or has expired. Ask for a new one.");
        var user = await users.FindByEmailAsync(request.Email!.Trim());
        if (user is null || !user.IsActive) throw invalid;
        if (user.TenantId is { } tid && await db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tid, ct) is var tenant)
            await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await users.ResetPasswordAsync(user, request.Token!.Trim(), request.NewPassword!);
        if (result.Errors.Any(e => e.Code == "InvalidToken")) throw invalid;
        UserAccounts.ThrowIfFailed(result, "newPassword");
        user.MustChangePassword = false;
        user.PasswordChangedAt = time.GetUtcNow();
        user.Touch(user.PasswordChangedAt.Value);
        // The emailed token proves control of the mailbox; it also ends a lockout and confirms the email.
        user.EmailConfirmed = true;
        await users.UpdateAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        passwords.Remember(user);
        audit.Record("auth.password_reset", "user", user.Id, actor: new AuditActor(user.Id, user.Email, [], user.TenantId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await sessions.RevokeAllAsync(user.Id, "password-reset", ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> ConfirmEmail(ConfirmEmailRequest request, UserManager<User> users, CarebaseDb db, AuditLog audit,
        IConfiguration config, TimeProvider time, CancellationToken ct)
    {
        var invalid = new ValidationException("token", "The confirmation token is invalid or has expired.");
        var user = await users.FindByIdAsync(request.UserId!.Value.ToString()) ?? throw invalid;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await users.ConfirmEmailAsync(user, request.Token!.Trim());
        if (!result.Succeeded) throw invalid;
        if (user.TenantId is { } tid)
        {
            var tenant = await db.Set<Tenant>().SingleAsync(t => t.Id == tid, ct);
            await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);
            if (tenant.Status == TenantStatus.Pending)
            {
                var now = time.GetUtcNow();
                tenant.Verify(now);
                // Self-service hospitals go live on verification unless the platform reviews them first.
                if (config["Carebase:Tenants:RequireApproval"] != "true") tenant.Activate(now);
                audit.Record("tenant.verified", "tenant", tenant.Id, new { status = tenant.Status },
                    actor: new AuditActor(user.Id, user.Email, [], tenant.Id));
            }
        }
        audit.Record("auth.email_confirmed", "user", user.Id, actor: new AuditActor(user.Id, user.Email, [], user.TenantId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<TwoFactorStatusResponse>> TwoFactorStatus(Caller caller, UserManager<User> users)
    {
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        return TypedResults.Ok(new TwoFactorStatusResponse(user.TwoFactorEnabled, await users.CountRecoveryCodesAsync(user)));
    }

    static async Task<Ok<TwoFactorSetupResponse>> TwoFactorSetup(Caller caller, UserManager<User> users)
    {
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        if (user.TwoFactorEnabled)
            throw new ConflictException("two_factor_already_enabled", "Two-factor sign-in is already on; disable it first to get a new key.");
        await users.ResetAuthenticatorKeyAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        var uri = $"otpauth://totp/{Uri.EscapeDataString(AuthSetup.ApplicationName)}:{Uri.EscapeDataString(user.Email!)}?secret={key}&issuer={Uri.EscapeDataString(AuthSetup.ApplicationName)}&digits=6";
        return TypedResults.Ok(new TwoFactorSetupResponse(key, uri));
    }

    static async Task<Ok<TwoFactorEnabledResponse>> TwoFactorEnable(
        TwoFactorCodeRequest request, Caller caller, UserManager<User> users, AuditLog audit, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        if (await users.GetAuthenticatorKeyAsync(user) is null)
            throw new ConflictException("two_factor_not_set_up", "Call POST /api/v1/auth/2fa/setup first.");
        if (!await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, request.Code!.Replace(" ", "")))
            throw new ValidationException("code", "The code is wrong or expired.");
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray();
        await audit.WriteAsync("auth.2fa_enabled", "user", user.Id, ct: ct);
        return TypedResults.Ok(new TwoFactorEnabledResponse(codes));
    }

    static async Task<NoContent> TwoFactorDisable(
        TwoFactorDisableRequest request, Caller caller, UserManager<User> users, AuditLog audit, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(caller.UserId.ToString()) ?? throw new NotFoundException("The account");
        if (!await users.CheckPasswordAsync(user, request.Password!))
            throw new ValidationException("password", "The password is wrong.");
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await audit.WriteAsync("auth.2fa_disabled", "user", user.Id, ct: ct);
        return TypedResults.NoContent();
    }
}
