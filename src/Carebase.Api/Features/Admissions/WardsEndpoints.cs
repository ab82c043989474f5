using Carebase.Api.Features.Departments;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Admissions;

/// <summary>
/// Wards and beds (admins manage them; a bed in use is neither deleted nor put out of service), a cleaned bed back in
/// service (nurses), and the census.
/// </summary>
public static class WardsEndpoints
{
    public static RouteGroupBuilder MapWards(this RouteGroupBuilder api)
    {
        var wards = api.MapGroup("/wards").WithTags("Wards").AddEndpointFilter<ValidationFilter>();
        wards.MapGet("/", List).RequirePermission(CensusRead).WithSummary("Wards by name; filter by q (name), type and departmentId");
        wards.MapPost("/", Create).RequirePermission(WardsManage).ProducesProblem(409)
            .WithSummary("Create a ward (name unique in the hospital, type, department, bed-day charge)");
        wards.MapGet("/occupancy", Occupancy).RequirePermission(CensusRead)
            .WithSummary("The census: per ward beds by status, occupancy and who lies where for how many days; admissions and discharges per day and the average length of stay (the hospital's days)");
        wards.MapGet("/{id:guid}", Get).RequirePermission(CensusRead).WithSummary("A ward (ETag)");
        wards.MapPatch("/{id:guid}", Update).RequirePermission(WardsManage).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Rename a ward or change its type, department or bed-day charge (If-Match supported; patients in its beds keep the charge they came in at)");
        wards.MapDelete("/{id:guid}", Delete).RequirePermission(WardsManage).ProducesProblem(409)
            .WithSummary("Delete a ward without beds; otherwise 409 ward_in_use");
        wards.MapGet("/{id:guid}/beds", ListBeds).RequirePermission(CensusRead).WithSummary("The ward's beds by code; filter by status");
        wards.MapPost("/{id:guid}/beds", CreateBed).RequirePermission(WardsManage).ProducesProblem(409)
            .WithSummary("Add a bed (code unique in the ward; AVAILABLE unless another status is given, never OCCUPIED)");
        wards.MapPatch("/{id:guid}/beds/{bedId:guid}", UpdateBed).RequirePermission(WardsManage).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a bed's code, notes or status by hand (AVAILABLE, CLEANING, OUT_OF_SERVICE, RESERVED); an occupied bed → 409 bed_in_use");
        wards.MapDelete("/{id:guid}/beds/{bedId:guid}", DeleteBed).RequirePermission(WardsManage).ProducesProblem(409)
            .WithSummary("Delete a bed never used; an occupied bed → 409 bed_in_use, one with history → 409 bed_has_history (put it OUT_OF_SERVICE)");

        api.MapPost("/beds/{id:guid}/ready", Ready).WithTags("Wards").RequirePermission(BedsReady).ProducesProblem(409)
            .WithSummary("A cleaned bed back in service: CLEANING → AVAILABLE (409 bed_not_cleaning otherwise)");
        return api;
    }

    static async Task<Ok<Paged<WardResponse>>> List([AsParameters] WardListQuery query, CarebaseDb db, CancellationToken ct)
    {
        var wards = db.Set<Ward>().AsNoTracking();
        if (Input.Clean(query.Q) is { } q) wards = wards.Where(w => EF.Functions.ILike(w.Name, Like.Contains(q), Like.Escape));
        if (query.Type is { } type) wards = wards.Where(w => w.Type == type);
        if (query.DepartmentId is { } departmentId) wards = wards.Where(w => w.DepartmentId == departmentId);
        return TypedResults.Ok(await wards.Select(w => new { Ward = w, Beds = db.Set<Bed>().Count(b => b.WardId == w.Id) })
            .OrderBy(x => x.Ward.Name).ThenBy(x => x.Ward.Id)
            .ToPagedAsync(query, x => WardResponse.From(x.Ward, x.Beds), ct));
    }

    static async Task<Ok<WardResponse>> Get(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var ward = await db.Set<Ward>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == id, ct) ?? throw WardNotFound();
        ETags.Send(http, ward.Version);
        return TypedResults.Ok(WardResponse.From(ward, await db.Set<Bed>().CountAsync(b => b.WardId == id, ct)));
    }

    static async Task<Created<WardResponse>> Create(CreateWardRequest request, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        await EnsureDepartmentAsync(db, request.DepartmentId, ct);
        var now = time.GetUtcNow();
        var ward = new Ward
        {
            Name = request.Name!.Trim(), DepartmentId = request.DepartmentId, Type = request.Type!, DailyCharge = request.DailyCharge!.Value, CreatedAt = now, UpdatedAt = now,
        };
        db.Add(ward);
        audit.Record("WARD_CREATED", "WARD", ward.Id, new { ward.Name, ward.DepartmentId, ward.Type, ward.DailyCharge });
        await SaveWardAsync(db, ward, ct);
        ETags.Send(http, ward.Version);
        return TypedResults.Created($"/api/v1/wards/{ward.Id}", WardResponse.From(ward, 0));
    }

    static async Task<Ok<WardResponse>> Update(Guid id, UpdateWardRequest request, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var ward = await db.Set<Ward>().SingleOrDefaultAsync(w => w.Id == id, ct) ?? throw WardNotFound();
        ETags.Check(http, ward.Version);
        if (request.Has(nameof(request.Name))) ward.Name = request.Name!.Trim();
        if (request.Has(nameof(request.DepartmentId)))
        {
            await EnsureDepartmentAsync(db, request.DepartmentId, ct);
            ward.DepartmentId = request.DepartmentId;
        }
        if (request.Has(nameof(request.Type))) ward.Type = request.Type!;
        if (request.Has(nameof(request.DailyCharge))) ward.DailyCharge = request.DailyCharge!.Value;
        var changes = AuditLog.ChangesOf(db.Entry(ward));
        if (changes.Count > 0)
        {
            ward.Touch(time.GetUtcNow());
            audit.Record("WARD_UPDATED", "WARD", id, changes);
            await SaveWardAsync(db, ward, ct);
        }
        ETags.Send(http, ward.Version);
        return TypedResults.Ok(WardResponse.From(ward, await db.Set<Bed>().CountAsync(b => b.WardId == id, ct)));
    }

    static async Task<NoContent> Delete(Guid id, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // FOR UPDATE waits for anyone adding a bed (whose foreign-key check share-locks the ward), so the count is final.
        var ward = await db.Set<Ward>().FromSql($"SELECT * FROM wards WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct) ?? throw WardNotFound();
        var usage = await References.CountAsync(db, "wards", id, ct);
        if (usage.Count > 0)
            throw new ConflictException("ward_in_use", $"The ward '{ward.Name}' still has beds or bed history; delete its beds first.",
                new Dictionary<string, object?> { ["usedBy"] = usage });
        db.Remove(ward);
        audit.Record("WARD_DELETED", "WARD", id, new { ward.Name, ward.Type });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<Paged<BedResponse>>> ListBeds(Guid id, [AsParameters] BedListQuery query, CarebaseDb db, CancellationToken ct)
    {
        if (!await db.Set<Ward>().AnyAsync(w => w.Id == id, ct)) throw WardNotFound();
        var beds = db.Set<Bed>().AsNoTracking().Where(b => b.WardId == id);
        if (query.Status is { } status) beds = beds.Where(b => b.Status == status);
        return TypedResults.Ok(await beds.OrderBy(b => b.Code).ThenBy(b => b.Id).ToPagedAsync(query, BedResponse.From, ct));
    }

    static async Task<Created<BedResponse>> CreateBed(Guid id, CreateBedRequest request, CarebaseDb db, AuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        if (!await db.Set<Ward>().AnyAsync(w => w.Id == id, ct)) throw WardNotFound();
        var bed = Bed.Create(id, request.Code!.Trim(), request.Status ?? BedStatus.Available, Input.Clean(request.Notes), time.GetUtcNow());
        db.Add(bed);
        audit.Record("BED_CREATED", "BED", bed.Id, new { wardId = id, bed.Code, bed.Status });
        await SaveBedAsync(db, bed, ct);
        ETags.Send(http, bed.Version);
        return TypedResults.Created($"/api/v1/wards/{id}/beds/{bed.Id}", BedResponse.From(bed));
    }

    static async Task<Ok<BedResponse>> UpdateBed(Guid id, Guid bedId, UpdateBedRequest request, CarebaseDb db, AuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var bed = await LockBedAsync(db, id, bedId, ct);
        ETags.Check(http, bed.Version);
        var now = time.GetUtcNow();
        var before = new { bed.Code, bed.Status, bed.Notes };
        if (request.Has(nameof(request.Code))) bed.Code = request.Code!.Trim();
        if (request.Has(nameof(request.Notes))) bed.Notes = Input.Clean(request.Notes);
        if (request.Has(nameof(request.Status)) && request.Status != bed.Status) bed.SetStatus(request.Status!, now);
        else if (db.Entry(bed).State == EntityState.Modified) bed.Edited(now);
        if (db.Entry(bed).State == EntityState.Modified)
        {
            audit.Record("BED_UPDATED", "BED", bedId, new { from = before, to = new { bed.Code, bed.Status, bed.Notes } });
            await SaveBedAsync(db, bed, ct);
        }
        await tx.CommitAsync(ct);
        ETags.Send(http, bed.Version);
        return TypedResults.Ok(BedResponse.From(bed));
    }

    static async Task<NoContent> DeleteBed(Guid id, Guid bedId, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var bed = await LockBedAsync(db, id, bedId, ct);
        if (bed.Status == BedStatus.Occupied) throw new ConflictException("bed_in_use", "The bed is occupied: discharge or transfer its patient first.");
        if ((await References.CountAsync(db, "beds", bedId, ct)).Count > 0)
            throw new ConflictException("bed_has_history", "The bed keeps the history of its patients; put it OUT_OF_SERVICE instead of deleting it.");
        db.Remove(bed);
        audit.Record("BED_DELETED", "BED", bedId, new { wardId = id, bed.Code });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<BedResponse>> Ready(Guid id, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var bed = await db.Set<Bed>().FromSql($"SELECT * FROM beds WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The bed");
        bed.Ready(time.GetUtcNow());
        audit.Record("BED_READY", "BED", id, new { bed.Code, bed.Status });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        ETags.Send(http, bed.Version);
        return TypedResults.Ok(BedResponse.From(bed));
    }

    static async Task<Ok<CensusResponse>> Occupancy([AsParameters] CensusQuery query, Census census, AuditLog audit, CancellationToken ct)
    {
        var answer = await census.ReadAsync(query, ct);
        // The census names the inpatients: a read of patient data.
        await audit.WriteAsync("CENSUS_READ", "WARD", null, new
        {
            query.From, query.To, patients = answer.Wards.SelectMany(w => w.Patients).Concat(answer.WithoutBed).Select(p => p.PatientId),
        }, ct: ct);
        return TypedResults.Ok(answer);
    }

    static async Task<Bed> LockBedAsync(CarebaseDb db, Guid wardId, Guid bedId, CancellationToken ct) =>
        await db.Set<Bed>().FromSql($"SELECT * FROM beds WHERE id = {bedId} AND ward_id = {wardId} FOR UPDATE").SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException("The bed");

    static async Task EnsureDepartmentAsync(CarebaseDb db, Guid? id, CancellationToken ct)
    {
        if (id is { } d && !await db.Set<Department>().AnyAsync(x => x.Id == d, ct)) throw new NotFoundException("The department");
    }

    static Task SaveWardAsync(CarebaseDb db, Ward ward, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("wards_name_key", () => new ConflictException("ward_name_taken", $"A ward named '{ward.Name}' already exists.")));

    static Task SaveBedAsync(CarebaseDb db, Bed bed, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("beds_code_key", () => new ConflictException("bed_code_taken", $"The ward already has a bed '{bed.Code}'.")));

    static NotFoundException WardNotFound() => new("The ward");
}
