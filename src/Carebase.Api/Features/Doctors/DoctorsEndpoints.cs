using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Staff;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Doctors;

/// <summary>
/// Doctor profiles of the caller's hospital. Staff see the whole profile with the account's name and
/// contact details; patient accounts see only the public fields of active doctors they can book
/// (no department, or a patient-facing one). A profile is never deleted: deactivating the account
/// (POST /users/{id}/deactivate) takes the doctor off the patients' list.
/// </summary>
public static class DoctorsEndpoints
{
    public static RouteGroupBuilder MapDoctors(this RouteGroupBuilder api)
    {
        var doctors = api.MapGroup("/doctors").WithTags("Doctors").AddEndpointFilter<ValidationFilter>();

        doctors.MapGet("/", List).RequirePermission(Permissions.DoctorsRead)
            .WithSummary("List doctors by name; filter by q (name), specialization, departmentId, isActive. Patients get public fields of active doctors");
        doctors.MapGet("/{id:guid}", Get).RequirePermission(Permissions.DoctorsRead)
            .WithSummary("A doctor profile (ETag for If-Match); patients get the public fields");
        doctors.MapPost("/", Create).RequirePermission(Permissions.DoctorsWrite).ProducesProblem(409)
            .WithSummary("Create a profile for a DOCTOR account (userId), or create the account with it (user; also needs users:write)");
        doctors.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.DoctorsWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change specialization, license number, experience, fee, bio or department (If-Match supported)");
        return api;
    }

    static async Task<Ok<Paged<DoctorResponse>>> List([AsParameters] DoctorListQuery query, Caller caller, CarebaseDb db, CancellationToken ct)
    {
        var rows = Rows(db, caller.Tenant, publicOnly: caller.IsPatient);
        if (Input.Clean(query.Q) is { } q)
        {
            var pattern = Like.Contains(q);
            rows = rows.Where(r => EF.Functions.ILike(r.FirstName + " " + r.LastName, pattern, Like.Escape));
        }
        if (Input.Clean(query.Specialization)?.ToLowerInvariant() is { } specialization)
            rows = rows.Where(r => r.Doctor.Specialization.ToLower() == specialization);
        if (query.DepartmentId is { } department) rows = rows.Where(r => r.Doctor.DepartmentId == department);
        if (query.IsActive is { } active) rows = rows.Where(r => r.IsActive == active);

        return TypedResults.Ok(await rows.OrderBy(r => r.LastName).ThenBy(r => r.FirstName).ThenBy(r => r.Doctor.Id)
            .ToPagedAsync(query, DoctorResponse.From, ct));
    }

    static async Task<Ok<DoctorResponse>> Get(Guid id, Caller caller, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var row = await Rows(db, caller.Tenant, publicOnly: caller.IsPatient).SingleOrDefaultAsync(r => r.Doctor.Id == id, ct)
            ?? throw new NotFoundException("The doctor");
        if (!caller.IsPatient) ETags.Send(http, row.Doctor.Version);
        return TypedResults.Ok(DoctorResponse.From(row));
    }

    static async Task<Created<DoctorResponse>> Create(CreateDoctorRequest request, Caller caller, CarebaseDb db, UserAccounts accounts,
        AccountEmails emails, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var tenantId = caller.Tenant;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = request.User is { } account
            ? await NewAccountAsync(account, tenantId, caller, db, accounts, emails, audit, ct)
            : await ExistingAccountAsync(request.UserId!.Value, tenantId, db, ct);
        if (request.DepartmentId is { } departmentId) await StaffRules.EnsureDepartmentsAsync(db, [departmentId], "departmentId", ct);

        var doctor = Doctor.Create(user.Id, caller.UserId, time.GetUtcNow());
        doctor.Specialization = request.Specialization!.Trim();
        doctor.LicenseNumber = request.LicenseNumber!.Trim();
        doctor.YearsOfExperience = request.YearsOfExperience!.Value;
        doctor.ConsultationFee = Doctor.Money(request.ConsultationFee!.Value);
        doctor.Bio = Input.Clean(request.Bio);
        doctor.DepartmentId = request.DepartmentId;
        db.Add(doctor);
        audit.Record("doctor.created", "doctor", doctor.Id, new
        {
            userId = user.Id, doctor.Specialization, doctor.LicenseNumber, doctor.YearsOfExperience, doctor.ConsultationFee,
            doctor.Bio, doctor.DepartmentId, accountCreated = request.User is not null,
        });
        // The license number's uniqueness is the database's to enforce: a clash here rolls back everything
        // above, the new account included.
        await SaveAsync(db, doctor, ct);
        if (request.User is not null) await StaffRules.CheckBeforeCommitAsync(db, tenantId, seatTaken: true, adminMayLeave: false, ct);
        await tx.CommitAsync(ct);

        var row = await Rows(db, tenantId, publicOnly: false).AsNoTracking().SingleAsync(r => r.Doctor.Id == doctor.Id, ct);
        ETags.Send(http, doctor.Version);
        return TypedResults.Created($"/api/v1/doctors/{doctor.Id}", DoctorResponse.From(row));
    }

    static async Task<Ok<DoctorResponse>> Update(Guid id, UpdateDoctorRequest request, Caller caller, CarebaseDb db, AuditLog audit,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var tenantId = caller.Tenant;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var doctor = await db.Set<Doctor>().SingleOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundException("The doctor");
        ETags.Check(http, doctor.Version);

        if (request.Has(nameof(request.Specialization))) doctor.Specialization = request.Specialization!.Trim();
        if (request.Has(nameof(request.LicenseNumber))) doctor.LicenseNumber = request.LicenseNumber!.Trim();
        if (request.Has(nameof(request.YearsOfExperience))) doctor.YearsOfExperience = request.YearsOfExperience!.Value;
        if (request.Has(nameof(request.ConsultationFee))) doctor.ConsultationFee = Doctor.Money(request.ConsultationFee!.Value);
        if (request.Has(nameof(request.Bio))) doctor.Bio = Input.Clean(request.Bio);
        if (request.Has(nameof(request.DepartmentId)))
        {
            if (request.DepartmentId is { } departmentId) await StaffRules.EnsureDepartmentsAsync(db, [departmentId], "departmentId", ct);
            doctor.DepartmentId = request.DepartmentId;
        }

        var changes = AuditLog.ChangesOf(db.Entry(doctor));
        if (changes.Count > 0)
        {
            doctor.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("doctor.updated", "doctor", id, changes);
            await SaveAsync(db, doctor, ct);
        }
        await tx.CommitAsync(ct);

        var row = await Rows(db, tenantId, publicOnly: false).AsNoTracking().SingleAsync(r => r.Doctor.Id == id, ct);
        ETags.Send(http, row.Doctor.Version);
        return TypedResults.Ok(DoctorResponse.From(row));
    }

    /// <summary>
    /// A new staff account holding DOCTOR, made the way POST /users makes one: the user limit checked by
    /// Staff's own rule (by the caller, right before its commit), a forced password change, a welcome link when no
    /// temporary password is given, an audit entry. Runs in the caller's transaction.
    /// </summary>
    static async Task<User> NewAccountAsync(NewDoctorAccount account, Guid tenantId, Caller caller, CarebaseDb db,
        UserAccounts accounts, AccountEmails emails, AuditLog audit, CancellationToken ct)
    {
        if (!caller.Has(Permissions.UsersWrite))
            throw new ForbiddenException("forbidden",
                $"Creating the doctor's account needs the permission '{Permissions.UsersWrite}' too; or create a profile for an existing DOCTOR account with userId.");
        var tenant = await StaffRules.TenantAsync(db, tenantId, ct);
        var role = await db.Set<Role>().AsNoTracking().SingleAsync(r => r.Name == SystemRoles.Doctor, ct);
        StaffRules.EnsureNoEscalation(caller, role.Permissions);

        var emailed = account.TemporaryPassword is null;
        var user = await accounts.CreateAsync(tenantId, account.FirstName!, account.LastName!, account.Email!,
            account.TemporaryPassword ?? PasswordPolicy.RandomPassword(), mustChangePassword: true, emailConfirmed: true,
            passwordField: "user.temporaryPassword", ct);
        user.PhoneNumber = Input.Clean(account.Phone);
        db.Add(new UserRole { UserId = user.Id, RoleId = role.Id });
        if (emailed) await emails.WelcomeAsync(user, tenant.Name);
        audit.Record("user.created", "user", user.Id, new
        {
            email = user.Email, firstName = user.FirstName, lastName = user.LastName, phone = user.PhoneNumber,
            roles = new[] { role.Name }, departmentIds = Array.Empty<Guid>(), setPasswordEmailed = emailed,
        });
        return user;
    }

    /// <summary>An existing staff account of this hospital that holds DOCTOR and has no profile yet.</summary>
    static async Task<User> ExistingAccountAsync(Guid userId, Guid tenantId, CarebaseDb db, CancellationToken ct)
    {
        var user = await StaffRules.Staff(db, tenantId).AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct)
            ?? throw new ValidationException("userId", "No staff account of this hospital has this id.");
        var isDoctor = await db.Set<UserRole>().AnyAsync(ur => ur.UserId == userId
            && db.Set<Role>().Any(r => r.Id == ur.RoleId && r.Name == SystemRoles.Doctor), ct);
        if (!isDoctor)
            throw new ValidationException("userId", $"The account does not hold the {SystemRoles.Doctor} role; give it the role first (PATCH /users/{{id}}).");
        if (await db.Set<Doctor>().Where(d => d.UserId == userId).Select(d => (Guid?)d.Id).SingleOrDefaultAsync(ct) is { } existing)
            throw ProfileExists(existing);
        return user;
    }

    /// <summary>
    /// Profiles with their account and department. Patients get only active doctors they can book: no
    /// department, or a patient-facing one.
    /// </summary>
    static IQueryable<DoctorRow> Rows(CarebaseDb db, Guid tenantId, bool publicOnly)
    {
        var rows = from d in db.Set<Doctor>().AsNoTracking()
                   join u in db.Users.AsNoTracking() on d.UserId equals u.Id
                   where u.TenantId == tenantId
                   join dep in db.Set<Department>().AsNoTracking() on d.DepartmentId equals dep.Id into deps
                   from dep in deps.DefaultIfEmpty()
                   where !publicOnly || (u.IsActive && (dep == null || dep.IsPatientFacing))
                   select new DoctorRow
                   {
                       Doctor = d, FirstName = u.FirstName, LastName = u.LastName, Email = u.Email!, Phone = u.PhoneNumber,
                       IsActive = u.IsActive, DepartmentName = dep == null ? null : dep.Name,
                   };
        return rows;
    }

    /// <summary>Saves, answering unique violations (also from a racing request) with the specific 409.</summary>
    static Task SaveAsync(CarebaseDb db, Doctor doctor, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("doctors_license_number_key", () => new ConflictException("license_number_taken",
            $"Another doctor of this hospital has the license number '{doctor.LicenseNumber}'.")),
        ("doctors_user_id_key", () => ProfileExists(null)));

    static ConflictException ProfileExists(Guid? doctorId) =>
        new("doctor_profile_exists", "This account already has a doctor profile; change that one instead (PATCH /doctors/{id}).",
            new Dictionary<string, object?> { ["doctorId"] = doctorId });
}
