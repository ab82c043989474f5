using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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

        departments.MapGet("/", List).RequirePermission(Permissions.DepartmentsRead)
            .WithSummary("List departments by name; filter by q (name or code) and isPatientFacing");
        departments.MapGet("/{id:guid}", Get).RequirePermission(Permissions.DepartmentsRead)
            .WithSummary("A department (ETag for If-Match)");
        departments.MapPost("/", Create).RequirePermission(Permissions.DepartmentsWrite).ProducesProblem(409)
            .WithSummary("Create a department; names (and codes) are unique in the hospital, whatever their case");
        departments.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.DepartmentsWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Rename, recode, describe or change who may book (If-Match supported)");
        departments.MapDelete("/{id:guid}", Delete).RequirePermission(Permissions.DepartmentsWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Delete a department nothing refers to; otherwise 409 naming how many staff, doctors, patients (and other records) still use it");
        return api;
    }

    static async Task<Ok<Paged<DepartmentResponse>>> List([AsParameters] DepartmentListQuery query, CarebaseDb db, CancellationToken ct)
    {
        var departments = db.Set<Department>().AsNoTracking();
        if (Input.Clean(query.Q) is { } q)
        {
            var pattern = Like.Contains(q);
            departments = departments.Where(d => EF.Functions.ILike(d.Name, pattern, Like.Escape) || EF.Functions.ILike(d.Code ?? "", pattern, Like.Escape));
        }
        if (query.IsPatientFacing is { } facing) departments = departments.Where(d => d.IsPatientFacing == facing);
        return TypedResults.Ok(await departments.OrderBy(d => d.Name).ThenBy(d => d.Id).ToPagedAsync(query, DepartmentResponse.From, ct));
    }

    static async Task<Ok<DepartmentResponse>> Get(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var department = await db.Set<Department>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct) ?? throw NotFound();
        ETags.Send(http, department.Version);
        return TypedResults.Ok(DepartmentResponse.From(department));
    }

    static async Task<Created<DepartmentResponse>> Create(CreateDepartmentRequest request, CarebaseDb db, AuditLog audit, HttpContext http,
        TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
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
        ETags.Send(http, department.Version);
        return TypedResults.Created($"/api/v1/departments/{department.Id}", DepartmentResponse.From(department));
    }

    static async Task<Ok<DepartmentResponse>> Update(Guid id, UpdateDepartmentRequest request, CarebaseDb db, AuditLog audit, HttpContext http,
        TimeProvider time, CancellationToken ct)
    {
        var department = await db.Set<Department>().SingleOrDefaultAsync(d => d.Id == id, ct) ?? throw NotFound();
        ETags.Check(http, department.Version);

        if (request.Has(nameof(request.Name))) department.Name = request.Name!.Trim();
        if (request.Has(nameof(request.Code))) department.Code = Input.Clean(request.Code);
        if (request.Has(nameof(request.Description))) department.Description = Input.Clean(request.Description);
        if (request.Has(nameof(request.IsPatientFacing))) department.IsPatientFacing = request.IsPatientFacing!.Value;

        var changes = AuditLog.ChangesOf(db.Entry(department));
        if (changes.Count > 0)
        {
            await EnsureUniqueAsync(db, department, ct);
            department.Touch(time.GetUtcNow());
            audit.Record("department.updated", "department", id, changes);
            await SaveAsync(db, department, ct);
        }
        ETags.Send(http, department.Version);
        return TypedResults.Ok(DepartmentResponse.From(department));
    }

    static async Task<NoContent> Delete(Guid id, CarebaseDb db, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // FOR UPDATE waits for (and then blocks) anyone assigning the department, whose foreign-key check
        // share-locks this row, so the counts below are final until the delete commits.
        var department = (await db.Set<Department>().FromSql($"SELECT * FROM departments WHERE id = {id} FOR UPDATE").ToListAsync(ct))
            .SingleOrDefault() ?? throw NotFound();
        ETags.Check(http, department.Version);

        var usage = await References.CountAsync(db, "departments", id, ct);
        if (usage.Count > 0) throw InUse(department, usage);

        db.Remove(department);
        audit.Record("department.deleted", "department", id, new
        {
            name = department.Name, code = department.Code, isPatientFacing = department.IsPatientFacing,
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>How the usage answer names the tables that refer to a department (others by their table name).</summary>
    static readonly Dictionary<string, (string key, string one, string many)> UsageNames = new()
    {
        ["user_departments"] = ("staff", "staff member", "staff members"),
        ["doctors"] = ("doctors", "doctor", "doctors"),
        ["patients"] = ("patients", "patient", "patients"),
    };

    static ConflictException InUse(Department department, IReadOnlyDictionary<string, long> usage)
    {
        var order = UsageNames.Keys.ToList();
        var named = usage.OrderBy(u => order.IndexOf(u.Key) is var i && i >= 0 ? i : int.MaxValue)
            .Select(u => (name: UsageNames.TryGetValue(u.Key, out var n) ? n : (key: u.Key, one: u.Key.Replace('_', ' '), many: u.Key.Replace('_', ' ')), count: u.Value))
            .ToList();
        var parts = named.Select(u => $"{u.count} {(u.count == 1 ? u.name.one : u.name.many)}");
        return new ConflictException("department_in_use",
            $"The department '{department.Name}' is still used by {string.Join(", ", parts)}; move them to another department first.",
            new Dictionary<string, object?> { ["usedBy"] = named.ToDictionary(u => u.name.key, u => u.count) });
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
    static Task SaveAsync(CarebaseDb db, Department department, CancellationToken ct) =>
        db.SaveOrConflictAsync(ct, ("departments_code_key", () => CodeTaken(department)), ("departments_name_key", () => NameTaken(department)));

    static NotFoundException NotFound() => new("The department");

    static ConflictException NameTaken(Department d) =>
        new("department_name_taken", $"A department named '{d.Name}' already exists.");

    static ConflictException CodeTaken(Department d) =>
        new("department_code_taken", $"A department with the code '{d.Code}' already exists.");
}
