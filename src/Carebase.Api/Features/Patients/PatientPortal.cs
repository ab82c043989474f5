using System.ComponentModel.DataAnnotations;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Patients;

public sealed record PortalInviteRequest([property: Email] string? Email);

public sealed record PortalAccountResponse(Guid UserId, Guid PatientId, string Email);

/// <summary>The hospital (its slug) and the patient's record fields (checked as for a registration); the email signs in.</summary>
public sealed record SelfRegistrationRequest(
    [property: Required, MaxLength(40)] string? Hospital,
    [property: Required, MaxLength(100)] string? FirstName,
    [property: Required, MaxLength(100)] string? LastName,
    [property: Required] DateOnly? DateOfBirth,
    [property: Required, OneOf(typeof(PatientValues), nameof(PatientValues.Genders))] string? Gender,
    [property: Required, Email] string? Email,
    [property: MaxLength(25)] string? Phone,
    [property: Required, MaxLength(SecretLengths.Password)] string? Password);

/// <summary>
/// Portal accounts: a PATIENT user linked to one patient record, who sees that record and nothing
/// else. Staff invite a patient (the account gets a set-password link); hospitals that allow it let
/// patients register themselves (an unverified record until staff check it).
/// </summary>
public static class PatientPortal
{
    /// <summary>The body is optional: without an email, the patient record's is used.</summary>
    public static async Task<Created<PortalAccountResponse>> Invite(Guid id, PortalInviteRequest? request, Caller caller, CarebaseDb db,
        PatientAccess access, UserAccounts accounts, AccountEmails emails, AuditLog audit, CancellationToken ct)
    {
        var patient = await access.FindAsync(id, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted.");
        var email = request?.Email?.Trim() ?? patient.Email;
        if (string.IsNullOrWhiteSpace(email)) throw new ValidationException("email", "The patient has no email address; give one.");
        if (await db.Users.AnyAsync(u => u.TenantId == caller.TenantId && u.PatientId == id, ct))
            throw new ConflictException("portal_account_exists", "This patient already has a portal account.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await CreatePortalUserAsync(db, accounts, patient, email, PasswordPolicy.RandomPassword(), "email", ct);
        var tenant = await db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == caller.TenantId, ct);
        await emails.WelcomeAsync(user, tenant.Name);
        audit.Record("patient.portal_invited", "patient", id, new { userId = user.Id, email });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/patients/{id}", new PortalAccountResponse(user.Id, id, email));
    }

    public static async Task<Created<PortalAccountResponse>> SelfRegister(
        SelfRegistrationRequest request, CarebaseDb db, PatientRegistration registration, UserAccounts accounts,
        AccountEmails emails, AuditLog audit, CancellationToken ct)
    {
        var tenant = await db.Set<Tenant>().AsNoTracking().SingleOrDefaultAsync(t => t.Slug == request.Hospital!.Trim().ToLower(), ct);
        if (tenant is null || tenant.Status != TenantStatus.Active) throw new NotFoundException("The hospital");
        if (!tenant.AllowPatientSelfRegistration)
            throw new ForbiddenException("self_registration_disabled", "This hospital does not take self-registrations; ask its front desk for an invitation.");
        await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var patient = await registration.RegisterAsync(new RegisterPatientRequest
        {
            FirstName = request.FirstName, LastName = request.LastName, DateOfBirth = request.DateOfBirth, Gender = request.Gender,
            Email = request.Email, Phone = request.Phone, ConsentEmail = true,
        }, ct, selfRegistered: true);
        var user = await CreatePortalUserAsync(db, accounts, patient, request.Email!.Trim(), request.Password!, "password", ct);
        await emails.VerificationAsync(user, tenant.Name);
        audit.Record("patient.self_registered", "patient", patient.Id, new { userId = user.Id },
            actor: new AuditActor(user.Id, user.Email, [SystemRoles.Patient], tenant.Id));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/patients/{patient.Id}", new PortalAccountResponse(user.Id, patient.Id, user.Email!));
    }

    static async Task<User> CreatePortalUserAsync(CarebaseDb db, UserAccounts accounts, Patient patient, string email,
        string password, string passwordField, CancellationToken ct)
    {
        var user = await accounts.CreateAsync(db.Tenant.TenantId, patient.FirstName, patient.LastName, email, password,
            mustChangePassword: false, emailConfirmed: false, passwordField, ct);
        user.PatientId = patient.Id;
        var role = await db.Set<Role>().SingleAsync(r => r.Name == SystemRoles.Patient, ct);
        db.Add(new UserRole { UserId = user.Id, RoleId = role.Id });
        await db.SaveChangesAsync(ct);
        return user;
    }
}
