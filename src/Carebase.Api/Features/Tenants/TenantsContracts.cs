using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Tenants;

/// <summary>The settings every hospital has; checked the same way on registration and on update.</summary>
public static partial class TenantRules
{
    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$")]
    public static partial Regex Slug();

    /// <summary>Active ISO 4217 currency codes.</summary>
    public static readonly IReadOnlySet<string> Currencies = new HashSet<string>(StringComparer.Ordinal)
    {
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD",
        "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE",
        "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF",
        "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS",
        "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
        "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR",
        "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK",
        "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
        "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR",
        "ZMW", "ZWL",
    };

    public static void Timezone(string? value, string field, FieldErrors errors, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value)) { if (required) errors.Add(field, "This field is required."); return; }
        // IANA ids only ("Europe/Paris"); Windows ids would resolve on some machines and not on others.
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(value, out var zone) || !zone.HasIanaId)
            errors.Add(field, "Must be an IANA time zone id, such as 'Europe/London' or 'Asia/Kolkata'.");
    }

    public const string CurrencyRule = "Must be an ISO 4217 currency code in upper case, such as 'USD' or 'EUR'.";
    public const int MaxName = 200;
    public const int MaxTimezone = 64;
    public const int MaxPhone = 40;
    public const int MaxAddress = 500;

    public static readonly string[] Statuses =
        [TenantStatus.Pending, TenantStatus.Verified, TenantStatus.Active, TenantStatus.Suspended, TenantStatus.Inactive];
}

public sealed record RegisterAdmin(
    [property: Required, MaxLength(100)] string? FirstName,
    [property: Required, MaxLength(100)] string? LastName,
    [property: Required, Email] string? Email,
    [property: Required, MaxLength(SecretLengths.Password)] string? Password);

/// <summary>Self-service registration of a hospital and its first admin.</summary>
public sealed record RegisterTenantRequest(
    [property: Required, MaxLength(TenantRules.MaxName)] string? HospitalName,
    [property: Required, MaxLength(40)] string? Slug,
    [property: Required, MaxLength(TenantRules.MaxTimezone)] string? Timezone,
    [property: Required, OneOf(typeof(TenantRules), nameof(TenantRules.Currencies), ErrorMessage = TenantRules.CurrencyRule)] string? Currency,
    [property: MaxLength(TenantRules.MaxPhone)] string? ContactPhone,
    [property: MaxLength(TenantRules.MaxAddress)] string? Address,
    [property: Required] RegisterAdmin? Admin)
    : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (!string.IsNullOrWhiteSpace(Slug) && !TenantRules.Slug().IsMatch(Slug))
            errors.Add("slug", "Must be 2-40 characters: lower-case letters, digits and hyphens, starting with a letter.");
        TenantRules.Timezone(Timezone, "timezone", errors, required: false);
    }
}

public sealed record RegisterTenantResponse(Guid Id, string Slug, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string Status);

/// <summary>The hospital's own settings (GET /tenant); the ETag header carries <see cref="Version"/>.</summary>
public sealed record TenantSettingsResponse(
    Guid Id, string Slug, string Name, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string Status, string Timezone,
    [property: OneOf(typeof(TenantRules), nameof(TenantRules.Currencies))] string Currency, int SlotMinutes, int IdleTimeoutMinutes, int BreakGlassMinutes, string? ContactEmail, string? ContactPhone, string? Address, bool AllowPatientSelfRegistration, int? MaxUsers, int? MaxPatients,
    int DocumentMaxBytes, [property: OneOf(typeof(DocumentLimits), nameof(DocumentLimits.Types))] IReadOnlyList<string> DocumentTypes,
    int Version, DateTimeOffset UpdatedAt)
{
    public static TenantSettingsResponse From(Tenant t) => new(t.Id, t.Slug, t.Name, t.Status, t.Timezone, t.Currency, t.SlotMinutes,
        t.IdleTimeoutMinutes, t.BreakGlassMinutes, t.ContactEmail, t.ContactPhone, t.Address, t.AllowPatientSelfRegistration, t.MaxUsers, t.MaxPatients,
        t.DocumentMaxBytes, t.DocumentTypes, t.Version, t.UpdatedAt);
}

/// <summary>
/// A change of the hospital's settings: a field left out keeps its value; the optional contact fields sent as null
/// (or empty) are cleared; the others cannot be cleared.
/// </summary>
public sealed record UpdateTenantRequest : PatchRequest
{
    [Required, MaxLength(TenantRules.MaxName)] public string? Name { get; init => field = Sent(value); }
    [Required, MaxLength(TenantRules.MaxTimezone)] public string? Timezone { get; init => field = Sent(value); }
    [Required, OneOf(typeof(TenantRules), nameof(TenantRules.Currencies), ErrorMessage = TenantRules.CurrencyRule)] public string? Currency { get; init => field = Sent(value); }
    [Range(5, 240)] public int? SlotMinutes { get; init => field = Sent(value); }
    [Range(1, 1440)] public int? IdleTimeoutMinutes { get; init => field = Sent(value); }
    [Range(5, 1440)] public int? BreakGlassMinutes { get; init => field = Sent(value); }
    [Email] public string? ContactEmail { get; init => field = Sent(value); }
    [MaxLength(TenantRules.MaxPhone)] public string? ContactPhone { get; init => field = Sent(value); }
    [FreeText, MaxLength(TenantRules.MaxAddress)] public string? Address { get; init => field = Sent(value); }
    public bool? AllowPatientSelfRegistration { get; init => field = Sent(value); }
    /// <summary>The largest medical document accepted, in bytes (1 KiB to 100 MiB; 20 MiB by default).</summary>
    [Range(DocumentLimits.MinBytes, DocumentLimits.CeilingBytes)] public int? DocumentMaxBytes { get; init => field = Sent(value); }
    /// <summary>The document types accepted, as sniffed from the bytes (all of them by default).</summary>
    [Required, MinLength(1), MaxLength(16), OneOf(typeof(DocumentLimits), nameof(DocumentLimits.Types))] public IReadOnlyList<string>? DocumentTypes { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(SlotMinutes), SlotMinutes), (nameof(IdleTimeoutMinutes), IdleTimeoutMinutes),
            (nameof(BreakGlassMinutes), BreakGlassMinutes), (nameof(DocumentMaxBytes), DocumentMaxBytes),
            (nameof(AllowPatientSelfRegistration), AllowPatientSelfRegistration));
        TenantRules.Timezone(Timezone, "timezone", errors, required: false);
    }
}

/// <summary>Query of GET /platform/tenants.</summary>
public sealed record TenantListQuery([property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string? Status,
    [property: MaxLength(200)] string? Q, int? Page, int? PageSize) : IPageQuery;

public sealed record PlatformTenantSummary(
    Guid Id, string Slug, string Name, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string Status, bool IsDemo, int Users, int? MaxUsers, int? MaxPatients, DateTimeOffset CreatedAt);

public sealed record TenantCounts(int Users, int ActiveUsers, int OpenSessions, int? Patients);

public sealed record PlatformTenantDetail(
    Guid Id, string Slug, string Name, string SchemaName, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string Status,
    string? StatusReason, bool IsDemo, string Timezone, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Currencies))] string Currency, int SlotMinutes, int IdleTimeoutMinutes, string? ContactEmail, string? ContactPhone, string? Address,
    int? MaxUsers, int? MaxPatients, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? VerifiedAt,
    DateTimeOffset? ActivatedAt, DateTimeOffset? SuspendedAt, int Version, TenantCounts Counts)
{
    public static PlatformTenantDetail From(Tenant t, TenantCounts counts) => new(t.Id, t.Slug, t.Name, t.SchemaName, t.Status,
        t.StatusReason, t.IsDemo, t.Timezone, t.Currency, t.SlotMinutes, t.IdleTimeoutMinutes, t.ContactEmail, t.ContactPhone,
        t.Address, t.MaxUsers, t.MaxPatients, t.CreatedAt, t.UpdatedAt, t.VerifiedAt, t.ActivatedAt, t.SuspendedAt, t.Version, counts);
}

/// <summary>Body of activate, suspend and deactivate (optional; the reason is kept on the tenant and in the audit trail).</summary>
public sealed record TenantStatusChangeRequest([property: FreeText, MaxLength(500)] string? Reason);

public sealed record TenantStatusResponse(Guid Id, [property: OneOf(typeof(TenantRules), nameof(TenantRules.Statuses))] string Status, string? StatusReason, int Version);

/// <summary>A limit left out stays as it is; null means unlimited.</summary>
public sealed record TenantLimitsRequest : PatchRequest
{
    const string Positive = "Must be a positive whole number, or null for no limit.";

    [Range(1, int.MaxValue, ErrorMessage = Positive)] public int? MaxUsers { get; init => field = Sent(value); }
    [Range(1, int.MaxValue, ErrorMessage = Positive)] public int? MaxPatients { get; init => field = Sent(value); }
}

public sealed record TenantLimitsResponse(Guid Id, int? MaxUsers, int? MaxPatients, int Version);

public sealed record ResetAdminPasswordResponse(int AdminsNotified);

public sealed record TenantsByStatus(int Pending, int Verified, int Active, int Suspended, int Inactive, int Total);
public sealed record UserMetrics(int Total, int Active, int SuperAdmins);
public sealed record OutboxMetrics(int Pending, int Failed, int SentLast24Hours);
public sealed record SignInMetrics(int Succeeded, int Failed);

/// <summary>Platform-wide numbers for the super admin; sign-ins count the last 24 hours of every audit trail.</summary>
public sealed record PlatformMetricsResponse(
    DateTimeOffset At, TenantsByStatus Tenants, UserMetrics Users, int OpenSessions, OutboxMetrics Outbox, SignInMetrics SignInsLast24Hours);
