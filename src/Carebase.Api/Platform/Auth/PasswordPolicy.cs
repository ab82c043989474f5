using System.Reflection;
using Carebase.Api.Platform.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Auth;

/// <summary>
/// Password rules on top of Identity's length check: not a common password (also not one with
/// digits or symbols tacked on), not containing the account's email or its name part, and not one of
/// the last <see cref="HistoryDepth"/> passwords of the account.
/// </summary>
public sealed class PasswordPolicy(CarebaseDb db, TimeProvider time) : IPasswordValidator<User>
{
    public const int MinLength = 12;
    public const int HistoryDepth = 5;
    static readonly HashSet<string> Common = LoadCommon();

    public async Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password)
    {
        if (string.IsNullOrEmpty(password)) return IdentityResult.Success;
        var errors = new List<IdentityError>();
        if (IsCommon(password))
            errors.Add(new IdentityError { Code = "PasswordCommon", Description = "This password is too common; choose a less predictable one." });
        if (ContainsEmail(password, user.Email))
            errors.Add(new IdentityError { Code = "PasswordContainsEmail", Description = "The password must not contain your email address or its name part." });
        if (user.PasswordHash is not null && await WasUsedRecentlyAsync(manager, user, password))
            errors.Add(new IdentityError { Code = "PasswordReused", Description = $"Choose a password you have not used for your last {HistoryDepth} passwords." });
        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }

    /// <summary>A password nobody knows, for accounts that will set their own through an emailed link.</summary>
    public static string RandomPassword() =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@", 32);

    public static bool IsCommon(string password)
    {
        var lower = password.ToLowerInvariant();
        if (Common.Contains(lower)) return true;
        // "password1234!", "qwerty2026": strip trailing digits and symbols, then compare again.
        var core = lower.TrimEnd("0123456789!@#$%^&*.?_-+ ".ToCharArray());
        if (core.Length == 0 || Common.Contains(core)) return true;
        // One character repeated, or a run of one character class only ("aaaaaaaaaaaa", "123456789012").
        return lower.Distinct().Count() <= 2 || lower.All(char.IsDigit);
    }

    static bool ContainsEmail(string password, string? email)
    {
        if (string.IsNullOrEmpty(email)) return false;
        var lower = password.ToLowerInvariant();
        var local = email.Split('@')[0].ToLowerInvariant();
        return lower.Contains(email.ToLowerInvariant()) || (local.Length >= 3 && lower.Contains(local));
    }

    async Task<bool> WasUsedRecentlyAsync(UserManager<User> manager, User user, string password)
    {
        var hashes = await db.Set<PasswordHistoryEntry>().Where(h => h.UserId == user.Id)
            .OrderByDescending(h => h.Id).Take(HistoryDepth).Select(h => h.PasswordHash).ToListAsync();
        return hashes.Any(h => manager.PasswordHasher.VerifyHashedPassword(user, h, password) != PasswordVerificationResult.Failed);
    }

    /// <summary>Remembers the user's current hash; call after every successful password set.</summary>
    public void Remember(User user)
    {
        if (user.PasswordHash is null) return;
        db.Set<PasswordHistoryEntry>().Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = user.PasswordHash, CreatedAt = time.GetUtcNow() });
    }

    static HashSet<string> LoadCommon()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Carebase.Api.Platform.Auth.common-passwords.txt")!;
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            if (line.Trim() is { Length: > 0 } word && !word.StartsWith('#')) set.Add(word.ToLowerInvariant());
        return set;
    }
}
