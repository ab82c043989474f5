using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Operations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Accounts;

/// <summary>A successful sign-in: its tokens and account (a refusal is thrown as its problem).</summary>
public sealed record SignInResult(TokenPair Tokens, User User);

/// <summary>
/// Password sign-in shared by the JSON login and the OAuth2 password grant: per-account rate limit,
/// lockout (5 failures → 15 minutes, 423 with Retry-After), account, email and hospital status, the second
/// factor, then a new session. An email without an account answers exactly as an account with a wrong password
/// does, lockout included (<see cref="UnknownAccountLockout"/>), so the answers do not tell which emails exist.
/// Every attempt is audited, in the user's hospital trail when the account is known.
/// </summary>
public sealed class SignInFlow(
    CarebaseDb db, UserManager<User> users, SessionStore sessions, TokenIssuer tokens, AuditLog audit,
    AccountLimiter limiter, UnknownAccountLockout unknownAccounts, TimeProvider time, IHttpContextAccessor http)
{
    public async Task<SignInResult> PasswordAsync(string email, string password, string? twoFactorCode, string? recoveryCode, CancellationToken ct)
    {
        if (limiter.TryAcquire(email) is { } wait) throw new TooManyRequestsException(wait);

        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            // The steps of a known account with a wrong password: a locked one is refused before the password is
            // checked; otherwise the same hashing work, a failure counted, and locked at the same count.
            var key = users.NormalizeEmail(email.Trim());
            var lockedUntil = await unknownAccounts.LockedUntilAsync(key, ct);
            var reason = lockedUntil is null ? "unknown_account" : "unknown_account_locked";
            if (lockedUntil is null)
            {
                users.PasswordHasher.VerifyHashedPassword(new User(), DummyHash, password);
                lockedUntil = await unknownAccounts.FailedAsync(key, ct);
            }
            await audit.WriteAsync("auth.login", "session", null, new { email, reason }, AuditOutcome.Failure,
                new AuditActor(null, email, [], null), platform: true, ct: ct);
            throw lockedUntil is { } until ? Locked(until) : WrongCredentials();
        }

        var tenant = user.TenantId is { } tid ? await db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tid, ct) : null;
        if (tenant is not null) await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);
        // Sign-in rows of the trail name the roles the account signs in with, like every other row.
        var roles = user.IsSuperAdmin ? ["SUPER_ADMIN"] : await (from ur in db.Set<UserRole>() join r in db.Set<Role>() on ur.RoleId equals r.Id
                                                                 where ur.UserId == user.Id orderby r.Name select (string)r.Name).ToArrayAsync(ct);
        var actor = new AuditActor(user.Id, user.Email, roles, user.TenantId);

        async Task<ProblemException> Refuse(ProblemException problem, string reason)
        {
            await audit.WriteAsync("auth.login", "session", null, new { reason }, AuditOutcome.Failure, actor, ct: ct);
            return problem;
        }

        if (await users.IsLockedOutAsync(user))
            throw await Refuse(Locked(user.LockoutEnd!.Value), "locked");

        if (!await users.CheckPasswordAsync(user, password))
        {
            await users.AccessFailedAsync(user);
            throw await users.IsLockedOutAsync(user)
                ? await Refuse(Locked(user.LockoutEnd!.Value), "bad_password_locked")
                : await Refuse(WrongCredentials(), "bad_password");
        }

        if (!user.IsActive)
            throw await Refuse(new ForbiddenException("account_deactivated", "This account is deactivated. Ask your hospital administrator."), "deactivated");
        if (!user.EmailConfirmed)
            throw await Refuse(new ForbiddenException("email_not_confirmed",
                "Confirm your email address first: follow the link in the verification email we sent."), "email_not_confirmed");
        if (tenant is not null && tenant.Status != TenantStatus.Active)
            throw await Refuse(tenant.Status switch
            {
                TenantStatus.Suspended => new ForbiddenException("tenant_suspended", "This hospital's account is suspended. Contact the platform administrator."),
                TenantStatus.Inactive => new ForbiddenException("tenant_inactive", "This hospital's account is deactivated."),
                _ => new ForbiddenException("tenant_not_active", "This hospital is awaiting approval by the platform administrator."),
            }, "tenant_" + tenant.Status.ToLowerInvariant());

        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(twoFactorCode) && string.IsNullOrWhiteSpace(recoveryCode))
                throw new UnauthorizedException("two_factor_required", "Enter the 6-digit code from your authenticator app (twoFactorCode) or a recovery code.");
            var ok = !string.IsNullOrWhiteSpace(twoFactorCode)
                ? await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, twoFactorCode.Replace(" ", ""))
                : (await users.RedeemTwoFactorRecoveryCodeAsync(user, recoveryCode!.Trim())).Succeeded;
            if (!ok)
            {
                await users.AccessFailedAsync(user);
                throw await Refuse(new UnauthorizedException("invalid_two_factor_code", "The two-factor code is wrong or expired."), "bad_second_factor");
            }
        }

        await users.ResetAccessFailedCountAsync(user);
        user.LastLoginAt = time.GetUtcNow();
        await users.UpdateAsync(user);
        var ctx = http.HttpContext;
        var (sid, rid) = await sessions.CreateAsync(user.Id, ctx?.Connection.RemoteIpAddress?.ToString(), ctx?.Request.Headers.UserAgent.ToString(), ct);
        await audit.WriteAsync("auth.login", "session", sid, null, AuditOutcome.Success, actor, ct: ct);
        return new SignInResult(tokens.Issue(user.Id, sid, rid), user);
    }

    /// <summary>Opens a session for an account that just proved itself another way (a password change).</summary>
    public async Task<TokenPair> NewSessionAsync(User user, CancellationToken ct)
    {
        var ctx = http.HttpContext;
        var (sid, rid) = await sessions.CreateAsync(user.Id, ctx?.Connection.RemoteIpAddress?.ToString(), ctx?.Request.Headers.UserAgent.ToString(), ct);
        return tokens.Issue(user.Id, sid, rid);
    }

    /// <summary>
    /// 423 with Retry-After. The end is given in whole seconds (rounded up): a lockout Identity has just set carries
    /// more digits than one read back from the database, and the answer must not show which of the two it was.
    /// </summary>
    AccountLockedException Locked(DateTimeOffset until)
    {
        var end = new DateTimeOffset((until.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return new AccountLockedException($"Too many failed sign-ins. The account is locked until {end:u}; try again later or reset your password.",
            end, end - time.GetUtcNow());
    }

    static UnauthorizedException WrongCredentials() => new("invalid_credentials", "The email or password is wrong.");

    const string DummyHash = "AQAAAAIAAYagAAAAEPnLFRcz8q0TWgk/DEsOEMPr1aAchhGeTI0RRnw6Fk2xG7UpV4AF8vM9MRh1kw4dOw==";
}
