using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Operations;
using Carebase.Api.Platform.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Tenants;

public static class TenantsEndpoints
{
    public static IServiceCollection AddTenants(this IServiceCollection services) => services.AddScoped<TenantProvisioning>();

    public static RouteGroupBuilder MapTenants(this RouteGroupBuilder api)
    {
        var register = api.MapGroup("/tenants").WithTags("Tenants").AddEndpointFilter<ValidationFilter>();
        register.MapPost("/register", Register).Public().RequireRateLimiting(RateLimits.AuthPolicy).ProducesProblem(409)
            .WithSummary("Register a hospital and its first admin; the admin confirms their email to activate it");

        var own = api.MapGroup("/tenant").WithTags("Tenants").AddEndpointFilter<ValidationFilter>();
        own.MapGet("/", GetOwn).RequirePermission(Permissions.TenantRead)
            .WithSummary("The caller's hospital settings (ETag carries the version)");
        own.MapPatch("/", UpdateOwn).RequirePermission(Permissions.TenantManage).ProducesProblem(412)
            .WithSummary("Change the hospital's settings (send If-Match with the ETag you read)");

        api.MapPlatformTenants();
        return api;
    }

    /// <summary>
    /// Creates the hospital (PENDING), its schema, roles and first admin (email not yet confirmed),
    /// queues the verification email and audits, all in one transaction. The work runs in a unit of work of its own:
    /// a caller who is signed in to another hospital registers the new one like anyone else.
    /// </summary>
    static async Task<Created<RegisterTenantResponse>> Register(RegisterTenantRequest request, IServiceScopeFactory scopes, TimeProvider time,
        CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (db, provisioning, emails, audit) = (scope.ServiceProvider.GetRequiredService<CarebaseDb>(),
            scope.ServiceProvider.GetRequiredService<TenantProvisioning>(), scope.ServiceProvider.GetRequiredService<AccountEmails>(),
            scope.ServiceProvider.GetRequiredService<AuditLog>());
        var now = time.GetUtcNow();
        var admin = request.Admin!;
        var tenant = new Tenant
        {
            Slug = request.Slug!, Name = request.HospitalName!.Trim(), SchemaName = TenantScope.SchemaFor(request.Slug!),
            Timezone = request.Timezone!, Currency = request.Currency!, ContactEmail = admin.Email!.Trim(),
            ContactPhone = Input.Clean(request.ContactPhone), Address = Input.Clean(request.Address), CreatedAt = now, UpdatedAt = now,
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Two registrations racing for the same slug: the loser gets the same answer as if it had come second.
        var user = await Constraints.OrConflictAsync(() => provisioning.CreateAsync(tenant,
                new NewAdmin(admin.FirstName!, admin.LastName!, admin.Email!, admin.Password!, EmailConfirmed: false), ct),
            ("tenants_slug_key", () => new ConflictException("slug_taken", $"The slug '{tenant.Slug}' is already taken.")));
        await emails.VerificationAsync(user, tenant.Name);
        var actor = new AuditActor(user.Id, user.Email, [SystemRoles.HospitalAdmin], tenant.Id);
        var details = new { tenant.Slug, tenant.Name, tenant.Timezone, tenant.Currency, adminEmail = user.Email, tenant.Status };
        // The hospital's own trail starts with its registration; the platform trail lists every registration.
        audit.Record("tenant.registered", "tenant", tenant.Id, details, actor: actor);
        audit.Record("tenant.registered", "tenant", tenant.Id, details, actor: actor, platform: true);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/platform/tenants/{tenant.Id}", new RegisterTenantResponse(tenant.Id, tenant.Slug, tenant.Status));
    }

    static async Task<Ok<TenantSettingsResponse>> GetOwn(Caller caller, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var tenant = await OwnAsync(caller, db, tracked: false, ct);
        ETags.Send(http, tenant.Version);
        return TypedResults.Ok(TenantSettingsResponse.From(tenant));
    }

    static async Task<Ok<TenantSettingsResponse>> UpdateOwn(UpdateTenantRequest request, Caller caller, CarebaseDb db, AuditLog audit,
        SessionStore sessions, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var tenant = await OwnAsync(caller, db, tracked: true, ct);
        ETags.Check(http, tenant.Version);

        if (request.Has(nameof(request.Name))) tenant.Name = request.Name!.Trim();
        if (request.Has(nameof(request.Timezone))) tenant.Timezone = request.Timezone!;
        if (request.Has(nameof(request.Currency))) tenant.Currency = request.Currency!;
        if (request.Has(nameof(request.SlotMinutes))) tenant.SlotMinutes = request.SlotMinutes!.Value;
        if (request.Has(nameof(request.IdleTimeoutMinutes))) tenant.IdleTimeoutMinutes = request.IdleTimeoutMinutes!.Value;
        if (request.Has(nameof(request.BreakGlassMinutes))) tenant.BreakGlassMinutes = request.BreakGlassMinutes!.Value;
        if (request.Has(nameof(request.DocumentMaxBytes))) tenant.DocumentMaxBytes = request.DocumentMaxBytes!.Value;
        if (request.Has(nameof(request.DocumentTypes))) tenant.DocumentTypes = [.. request.DocumentTypes!.Distinct().Order(StringComparer.Ordinal)];
        if (request.Has(nameof(request.ContactEmail))) tenant.ContactEmail = Input.Clean(request.ContactEmail);
        if (request.Has(nameof(request.ContactPhone))) tenant.ContactPhone = Input.Clean(request.ContactPhone);
        if (request.Has(nameof(request.Address))) tenant.Address = Input.Clean(request.Address);
        if (request.Has(nameof(request.AllowPatientSelfRegistration))) tenant.AllowPatientSelfRegistration = request.AllowPatientSelfRegistration!.Value;

        var entry = db.Entry(tenant);
        var changes = AuditLog.ChangesOf(entry);
        if (changes.Count > 0)
        {
            tenant.UpdatedAt = time.GetUtcNow();
            tenant.Version++; // the concurrency token: a writer that read the old version fails with 412
            audit.Record("tenant.updated", "tenant", tenant.Id, changes);
            // Sessions carry the idle timeout, the zone and the slot length: the new ones apply at once, on every instance.
            await TenantChanges.SaveAsync(db, sessions, tenant.Id, ct);
        }
        ETags.Send(http, tenant.Version);
        return TypedResults.Ok(TenantSettingsResponse.From(tenant));
    }

    static async Task<Tenant> OwnAsync(Caller caller, CarebaseDb db, bool tracked, CancellationToken ct)
    {
        if (caller.TenantId is not { } id) throw new NotFoundException("The hospital");
        var query = tracked ? db.Set<Tenant>() : db.Set<Tenant>().AsNoTracking();
        return await query.SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("The hospital");
    }

}
