using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Staff;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Departments;

/// <summary>
/// Departments of the caller's hospital: create, list, read, update, and delete while nothing uses them.
/// Patient-facing departments are the ones patients book in; patients see them through the doctors list.
/// </summary>
public static class DepartmentsEndpoints
{
    public static RouteGroupBuilder MapDepartments(this RouteGroupBuilder api)
    {
        var departments = api.MapGroup("/departments").WithTags("Departments").AddEndpointFilter<ValidationFilter>();

        departments.MapGet("/", List).RequirePermission(Permissions.DepartmentsRead).ProducesValidationProblem(422)
            .WithSummary("List departments by name; filter by q (name or code) and isPatientFacing");
        departments.MapGet("/{id:guid}", Get).RequirePermission(Permissions.DepartmentsRead).ProducesProblem(404)
            .WithSummary("A department (ETag for If-Match)");
        departments.MapPost("/", Create).RequirePermission(Permissions.DepartmentsWrite).ProducesValidationProblem(422).ProducesProblem(409)
            .WithSummary("Create a department; names (and codes) are unique in the hospital, whatever their case");
        departments.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.DepartmentsWrite)
            .ProducesValidationProblem(422).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Rename, recode, describe or change who may book (If-Match supported)");
        departments.MapDelete("/{id:guid}", Delete).RequirePermission(Permissions.DepartmentsWrite)
            .ProducesProblem(404).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Delete a department nobody uses; otherwise 409 with how many staff, doctors and patients still use it");
        return api;
    }

    static async Task<Ok<Paged<DepartmentResponse>>> List([AsParameters] DepartmentListQuery query, CarebaseDb db, CancellationToken ct)
    {
        var (page, size, skip) = Paging.Of(query.Page, query.PageSize);
        var departments = db.Set<Department>().AsNoTracking();
        if (Input.Clean(query.Q) is { } q)
        {
            var pattern = Like.Contains(q);
            departments = departments.Where(d => EF.Functions.ILike(d.Name, pattern, Like.Escape) || EF.Functions.ILike(d.Code ?? "", pattern, Like.Escape));
        }
        if (query.IsPatientFacing is { } facing) departments = departments.Where(d => d.IsPatientFacing == facing);

        var total = await departments.CountAsync(ct);
        var rows = await departments.OrderBy(d => d.Name).ThenBy(d => d.Id).Skip(skip).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new Paged<DepartmentResponse>(rows.Select(DepartmentResponse.From).ToArray(), page, size, total));
    }

    static async Task<Results<Ok<DepartmentResponse>, ProblemHttpResult>> Get(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var department = await db.Set<Department>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (department is null) return Problems.NotFound("The department");
        http.Response.Headers.ETag = ETags.Of(department.Version);
        return TypedResults.Ok(DepartmentResponse.From(department));
    }

    static async Task<Results<Created<DepartmentResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateDepartmentRequest request, CarebaseDb db, AuditLog audit, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var now = StaffETags.Truncate(time.GetUtcNow());
        var department = new Department
        {
            Name = request.Name!.Trim(), Code = Input.Clean(request.Code), Description = Input.Clean(request.Description),
            IsPatientFacing = request.IsPatientFacing!.Value, CreatedAt = now, UpdatedAt = now,
        };
        await EnsureUniqueAsync(db, department, ct);
        db.Add(department);
        audit.Record("department.created", "department", department.Id, new
        {
            name = department.Name, code = department.Code, description = department.Description, isPatientFacing = department.IsPatientFacing,
        });
        await SaveAsync(db, department, ct);
        http.Response.Headers.ETag = ETags.Of(department.Version);
        return TypedResults.Created($"/api/v1/departments/{department.Id}", DepartmentResponse.From(department));
    }

    static async Task<Results<Ok<DepartmentResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateDepartmentRequest request, CarebaseDb db, AuditLog audit, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var department = await db.Set<Department>().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (department is null) return Problems.NotFound("The department");
        if (!ETags.Matches(http.Request.Headers.IfMatch, department.Version)) return Problems.PreconditionFailed();

        if (request.Has("name")) department.Name = request.Name!.Trim();
        if (request.Has("code")) department.Code = Input.Clean(request.Code);
        if (request.Has("description")) department.Description = Input.Clean(request.Description);
        if (request.Has("isPatientFacing")) department.IsPatientFacing = request.IsPatientFacing!.Value;

        var changes = AuditLog.ChangesOf(db.Entry(department));
        if (changes.Count > 0)
        {
            await EnsureUniqueAsync(db, department, ct);
            department.Touch(StaffETags.Truncate(time.GetUtcNow()));
            audit.Record("department.updated", "department", id, changes);
            await SaveAsync(db, department, ct);
        }
        http.Response.Headers.ETag = ETags.Of(department.Version);
        return TypedResults.Ok(DepartmentResponse.From(department));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, CarebaseDb db, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // FOR UPDATE waits for (and then blocks) anyone assigning the department, whose foreign-key check
        // share-locks this row, so the counts below are final until the delete commits.
        var department = (await db.Set<Department>().FromSql($"SELECT * FROM departments WHERE id = {id} FOR UPDATE").ToListAsync(ct))
            .SingleOrDefault();
        if (department is null) return Problems.NotFound("The department");
        if (!ETags.Matches(http.Request.Headers.IfMatch, department.Version)) return Problems.PreconditionFailed();

        var usage = await UsageAsync(db, id, ct);
        if (usage.Any) return InUse(department, usage);

        db.Remove(department);
        audit.Record("department.deleted", "department", id, new
        {
            name = department.Name, code = department.Code, isPatientFacing = department.IsPatientFacing,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
        {
            // A table this handler does not count yet refers to the department; the database still refuses.
            throw new ConflictException("department_in_use", $"The department '{department.Name}' is still in use; move what uses it first.");
        }
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>How many staff memberships, doctor profiles and patient records (deleted ones too) refer to the department.</summary>
    static async Task<DepartmentUsage> UsageAsync(CarebaseDb db, Guid id, CancellationToken ct) => new(
        await db.Set<UserDepartment>().CountAsync(ud => ud.DepartmentId == id, ct),
        await db.Set<Doctor>().CountAsync(d => d.DepartmentId == id, ct),
        await db.Set<Patient>().CountAsync(p => p.DepartmentId == id, ct));

    static ProblemHttpResult InUse(Department department, DepartmentUsage usage)
    {
        var parts = new[] { (usage.Staff, "staff member", "staff members"), (usage.Doctors, "doctor", "doctors"), (usage.Patients, "patient", "patients") }
            .Where(p => p.Item1 > 0).Select(p => $"{p.Item1} {(p.Item1 == 1 ? p.Item2 : p.Item3)}");
        return Problems.Conflict("department_in_use",
            $"The department '{department.Name}' is still used by {string.Join(", ", parts)}; move them to another department first.",
            new Dictionary<string, object?> { ["usedBy"] = new { staff = usage.Staff, doctors = usage.Doctors, patients = usage.Patients } });
    }

    /// <summary>409 when another department has the same name or code (compared case-insensitively).</summary>
    static async Task EnsureUniqueAsync(CarebaseDb db, Department department, CancellationToken ct)
    {
        var name = department.Name.ToUpperInvariant();
        if (await db.Set<Department>().AnyAsync(d => d.Id != department.Id && d.Name.ToUpper() == name, ct))
            throw NameTaken(department);
        if (department.Code?.ToUpperInvariant() is { } code
            && await db.Set<Department>().AnyAsync(d => d.Id != department.Id && d.Code!.ToUpper() == code, ct))
            throw CodeTaken(department);
    }

    /// <summary>Saves, answering a unique violation from a racing writer as the same 409 a later request would get.</summary>
    static async Task SaveAsync(CarebaseDb db, Department department, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg)
        {
            throw pg.ConstraintName == "departments_code_key" ? CodeTaken(department) : NameTaken(department);
        }
    }

    static ConflictException NameTaken(Department d) =>
        new("department_name_taken", $"A department named '{d.Name}' already exists.");

    static ConflictException CodeTaken(Department d) =>
        new("department_code_taken", $"A department with the code '{d.Code}' already exists.");
}
