using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Sharing;

/// <summary>The states a link answers with, derived from its dates and counters (never stored).</summary>
public static class ShareLinkStatuses
{
    public const string Active = "ACTIVE", Expired = "EXPIRED", Revoked = "REVOKED", Locked = "LOCKED";
    public static readonly string[] All = [Active, Expired, Revoked, Locked];
}

/// <summary>
/// A read-only link to a patient's summary, opened without an account. Only the SHA-256 of its token is kept; the
/// optional 6-digit access code is kept as a salted PBKDF2 hash (the framework's password hasher), and five wrong codes
/// lock the link for good. Revoking keeps the row (who and when); nothing about a link is ever deleted.
/// </summary>
public sealed class ShareLink
{
    public const int MaxHours = 168;
    public const int MaxAttempts = 5;
    public const int MaxPurpose = 500;
    public const int MaxRecipient = 200;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public byte[] TokenHash { get; init; } = [];
    public string Purpose { get; init; } = "";
    public string? Recipient { get; init; }
    public string? AccessCodeHash { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; private set; }
    public Guid? RevokedBy { get; private set; }
    /// <summary>Attempts claimed with a wrong code (changed by the database only: see <see cref="SharedLinkView"/>).</summary>
    public int FailedAttempts { get; private set; }
    public DateTimeOffset? LockedAt { get; private set; }
    public int OpenCount { get; private set; }
    public DateTimeOffset? LastOpenedAt { get; private set; }
    public int Version { get; private set; } = 1;

    public bool HasAccessCode => AccessCodeHash is not null;

    public string StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? ShareLinkStatuses.Revoked : LockedAt is not null ? ShareLinkStatuses.Locked
        : now >= ExpiresAt ? ShareLinkStatuses.Expired : ShareLinkStatuses.Active;

    static readonly PasswordHasher<ShareLink> Hasher = new();

    public void SetAccessCode(string code) => AccessCodeHash = Hasher.HashPassword(this, code);

    public bool AccessCodeMatches(string code) =>
        AccessCodeHash is not null && Hasher.VerifyHashedPassword(this, AccessCodeHash, code) != PasswordVerificationResult.Failed;

    public void Revoke(Guid by, DateTimeOffset now)
    {
        if (RevokedAt is not null) throw new ConflictException("already_revoked", "The link was already revoked.");
        (RevokedAt, RevokedBy) = (now, by);
        Version++;
    }
}

sealed class ShareLinkConfiguration : IEntityTypeConfiguration<ShareLink>
{
    public void Configure(EntityTypeBuilder<ShareLink> e)
    {
        e.ToTable("share_links");
        e.Property(l => l.Version).IsConcurrencyToken();
        e.Ignore(l => l.HasAccessCode);
    }
}

/// <summary>
/// Link tokens: <c>&lt;hospital slug&gt;.&lt;secret&gt;</c>, the secret 256 random bits in base64url. The slug tells an
/// anonymous request which hospital's schema to look in (there is no platform table of links, so nothing about a
/// hospital's patients leaves its schema); the hash of the whole token finds the link there.
/// </summary>
public static class ShareLinkTokens
{
    const int SecretBytes = 32;
    static readonly int SecretLength = Base64Url.GetEncodedLength(SecretBytes);

    public static string New(string slug) => slug + "." + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The hospital slug of a well-formed token; null for anything else (answered 404 like an unknown token).</summary>
    public static string? SlugOf(string token)
    {
        var dot = token.LastIndexOf('.');
        if (dot < 2 || dot > 40 || token.Length - dot - 1 != SecretLength) return null;
        var slug = token[..dot];
        return slug.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && Base64Url.IsValid(token.AsSpan(dot + 1)) ? slug : null;
    }

    /// <summary>A 6-digit access code, uniformly random.</summary>
    public static string NewAccessCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}
