using System.Text.RegularExpressions;

namespace Carebase.Api.Platform.Tenancy;

/// <summary>
/// The tenant the current unit of work belongs to. Set once per request from the authenticated
/// caller (never from a client-supplied header), or explicitly by platform code that acts on a
/// named tenant (registration, super admin routes, seeding, workers).
/// </summary>
public sealed partial class TenantScope
{
    public Guid? TenantId { get; private set; }
    public string? Schema { get; private set; }

    public void Set(Guid tenantId, string schema)
    {
        if (TenantId is { } current && current != tenantId)
            throw new InvalidOperationException("A unit of work cannot switch tenants.");
        if (!SchemaName().IsMatch(schema)) throw new ArgumentException($"Not a tenant schema: {schema}", nameof(schema));
        TenantId = tenantId;
        Schema = schema;
    }

    public static string SchemaFor(string slug) => "tenant_" + slug.Replace('-', '_');

    [GeneratedRegex("^tenant_[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex SchemaName();
}
