namespace Carebase.Api.Platform.Auth;

/// <summary>
/// Who is calling, resolved once per request from the session behind the bearer token:
/// tenant, user, roles, permissions and the linked patient. Every query is scoped by it.
/// </summary>
public sealed class Caller
{
    static readonly HashSet<string> None = [];

    public bool IsAuthenticated { get; private set; }
    public Guid UserId { get; private set; }
    public Guid SessionId { get; private set; }
    public string Email { get; private set; } = "";
    public Guid? TenantId { get; private set; }
    public string? TenantSlug { get; private set; }
    public bool IsSuperAdmin { get; private set; }
    public Guid? PatientId { get; private set; }
    public IReadOnlySet<string> Roles { get; private set; } = None;
    public IReadOnlySet<string> Permissions { get; private set; } = None;
    /// <summary>The hospital's settings as of the session snapshot (see <see cref="Time.TenantClock"/>).</summary>
    public TimeZoneInfo? TenantZone { get; private set; }
    public int SlotMinutes { get; private set; }

    public bool Has(string permission) => Permissions.Contains(permission);

    /// <summary>The caller's hospital; a platform account has none (403 on a hospital route it could otherwise reach).</summary>
    public Guid Tenant => TenantId ?? throw new Errors.ForbiddenException("tenant_required", "Only a hospital's accounts can do this.");
    /// <summary>A portal patient: sees only the record in <see cref="PatientId"/> (nothing if none is linked).</summary>
    public bool IsPatient => Roles.Contains(SystemRoles.Patient);

    internal void SignedIn(SessionSnapshot s)
    {
        IsAuthenticated = true;
        UserId = s.UserId;
        SessionId = s.SessionId;
        Email = s.Email;
        TenantId = s.TenantId;
        TenantSlug = s.TenantSlug;
        IsSuperAdmin = s.IsSuperAdmin;
        PatientId = s.PatientId;
        Roles = s.Roles;
        Permissions = s.Permissions;
        TenantZone = s.TenantZone;
        SlotMinutes = s.SlotMinutes;
    }
}
