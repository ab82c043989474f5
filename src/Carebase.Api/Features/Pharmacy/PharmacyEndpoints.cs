using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// The pharmacy's stock: the catalog of items (medicines, equipment, consumables), their batches as received, adjustments,
/// the ledger of every movement, and the lists a pharmacist watches (low stock, near expiry, valuation). Quantities change
/// only by appending movements; the database keeps each batch's on-hand from them and never lets it fall below zero.
/// </summary>
public static class PharmacyEndpoints
{
    /// <summary>The expiry job: always available (tests run a pass), run daily unless <c>Carebase:Pharmacy:ExpiryJobEnabled</c> is false.</summary>
    public static IServiceCollection AddPharmacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StockExpiry>();
        if (configuration["Carebase:Pharmacy:ExpiryJobEnabled"] != "false")
            services.AddHostedService(sp => sp.GetRequiredService<StockExpiry>());
        return services;
    }

    public static RouteGroupBuilder MapPharmacy(this RouteGroupBuilder api)
    {
        var items = api.MapGroup("/stock-items").WithTags("Pharmacy").AddEndpointFilter<ValidationFilter>();
        items.MapGet("/", ListItems).RequirePermission(PharmacyRead)
            .WithSummary("The stock catalog by name with each item's usable on-hand and value; filter by q (name, generic or brand), kind, drugClass, isActive, lowStock");
        items.MapGet("/{id:guid}", GetItem).RequirePermission(PharmacyRead).WithSummary("A stock item with its on-hand and value (ETag for If-Match)");
        items.MapPost("/", CreateItem).RequirePermission(PharmacyWrite).ProducesProblem(409)
            .WithSummary("Add an item to the catalog; names are unique whatever their case; medicines need a generic name and active ingredients");
        items.MapPatch("/{id:guid}", UpdateItem).RequirePermission(PharmacyWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change an item's name, medicine details, unit, reorder level or sale price (If-Match supported)");
        items.MapPost("/{id:guid}/deactivate", DeactivateItem).RequirePermission(PharmacyWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Take an item out of use; 409 while it has stock on hand or open prescriptions (If-Match supported)");
        items.MapPost("/{id:guid}/activate", ActivateItem).RequirePermission(PharmacyWrite).ProducesProblem(412)
            .WithSummary("Put a deactivated item back in use (If-Match supported)");
        StockBatches.Map(items, api.MapGroup("/batches").WithTags("Pharmacy").AddEndpointFilter<ValidationFilter>());
        StockReports.Map(api);
        return api;
    }

    static async Task<Ok<Paged<StockItemResponse>>> ListItems([AsParameters] StockItemListQuery query, CarebaseDb db, TenantClock clock, CancellationToken ct)
    {
        var levels = Levels(db, await clock.TodayAsync(ct));
        if (Input.Clean(query.Q) is { } q)
        {
            var pattern = Like.Contains(q);
            levels = levels.Where(s => EF.Functions.ILike(s.Item.Name, pattern, Like.Escape)
                || EF.Functions.ILike(s.Item.GenericName ?? "", pattern, Like.Escape) || EF.Functions.ILike(s.Item.BrandName ?? "", pattern, Like.Escape));
        }
        if (query.Kind is { } kind) levels = levels.Where(s => s.Item.Kind == kind);
        if (Input.Clean(query.DrugClass)?.ToLowerInvariant() is { } drugClass) levels = levels.Where(s => s.Item.DrugClass == drugClass);
        levels = levels.Where(s => s.Item.IsActive == (query.IsActive ?? true));
        if (query.LowStock is { } low) levels = levels.Where(s => (s.OnHand < s.Item.ReorderLevel) == low);
        return TypedResults.Ok(await levels.OrderBy(s => s.Item.Name).ThenBy(s => s.Item.Id).ToPagedAsync(query, StockItemResponse.From, ct));
    }

    static async Task<Ok<StockItemResponse>> GetItem(Guid id, CarebaseDb db, TenantClock clock, HttpContext http, CancellationToken ct)
    {
        var level = await Levels(db, await clock.TodayAsync(ct)).SingleOrDefaultAsync(s => s.Item.Id == id, ct) ?? throw NotFound();
        ETags.Send(http, level.Item.Version);
        return TypedResults.Ok(StockItemResponse.From(level));
    }

    static async Task<Created<StockItemResponse>> CreateItem(CreateStockItemRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var item = new StockItem
        {
            Kind = request.Kind!, Name = request.Name!.Trim(), Unit = request.Unit!.Trim(), ReorderLevel = request.ReorderLevel ?? 0,
            SalePrice = request.SalePrice!.Value, CreatedAt = now, CreatedBy = caller.UserId,
        };
        item.Describe(request.GenericName, request.BrandName, request.Form, request.Strength, request.Route, request.ActiveIngredients, request.DrugClass);
        item.EnsureShape();
        item.Stamp(caller.UserId, now);
        db.Add(item);
        audit.Record("STOCK_ITEM_CREATED", "STOCK_ITEM", item.Id, new
        {
            kind = item.Kind, name = item.Name, genericName = item.GenericName, activeIngredients = item.ActiveIngredients, drugClass = item.DrugClass,
            unit = item.Unit, reorderLevel = item.ReorderLevel, salePrice = item.SalePrice,
        });
        await SaveAsync(db, item, ct);
        ETags.Send(http, item.Version);
        return TypedResults.Created($"/api/v1/stock-items/{item.Id}", StockItemResponse.From(new StockLevel { Item = item }));
    }

    static async Task<Ok<StockItemResponse>> UpdateItem(Guid id, UpdateStockItemRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TenantClock clock, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var item = await db.Set<StockItem>().SingleOrDefaultAsync(i => i.Id == id, ct) ?? throw NotFound();
        ETags.Check(http, item.Version);

        if (request.Has(nameof(request.Name))) item.Name = request.Name!.Trim();
        if (request.Has(nameof(request.Unit))) item.Unit = request.Unit!.Trim();
        if (request.Has(nameof(request.ReorderLevel))) item.ReorderLevel = request.ReorderLevel!.Value;
        if (request.Has(nameof(request.SalePrice))) item.SalePrice = request.SalePrice!.Value;
        item.Describe(
            request.Has(nameof(request.GenericName)) ? request.GenericName : item.GenericName,
            request.Has(nameof(request.BrandName)) ? request.BrandName : item.BrandName,
            request.Has(nameof(request.Form)) ? request.Form : item.Form,
            request.Has(nameof(request.Strength)) ? request.Strength : item.Strength,
            request.Has(nameof(request.Route)) ? request.Route : item.Route,
            request.Has(nameof(request.ActiveIngredients)) ? request.ActiveIngredients : item.ActiveIngredients,
            request.Has(nameof(request.DrugClass)) ? request.DrugClass : item.DrugClass);
        item.EnsureShape();

        var changes = AuditLog.ChangesOf(db.Entry(item));
        if (changes.Count > 0)
        {
            item.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("STOCK_ITEM_UPDATED", "STOCK_ITEM", id, changes);
            await SaveAsync(db, item, ct);
        }
        return await AnswerAsync(db, item, clock, http, ct);
    }

    /// <summary>
    /// Locks the item first: receiving a batch or prescribing it takes a key-share lock on the item row (their foreign key),
    /// so nothing can be added while the checks below run, and they see what was added before.
    /// </summary>
    static async Task<Ok<StockItemResponse>> DeactivateItem(Guid id, CarebaseDb db, Caller caller, AuditLog audit, TenantClock clock,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var item = await LockAsync(db, id, http, ct);
        if (item.IsActive)
        {
            var onHand = await db.Set<StockBatch>().Where(b => b.StockItemId == id).SumAsync(b => (long)b.OnHand, ct);
            if (onHand > 0)
                throw new ConflictException("stock_on_hand",
                    $"'{item.Name}' still has {onHand} {item.Unit} on hand; dispense, adjust or let them expire before deactivating it.",
                    new Dictionary<string, object?> { ["onHand"] = onHand });
            var open = await db.Database.SqlQuery<int>($"""
                SELECT count(*)::int AS "Value" FROM prescription_items pi JOIN prescriptions p ON p.id = pi.prescription_id
                WHERE pi.stock_item_id = {id} AND p.status IN ('DRAFT', 'ISSUED', 'PARTIALLY_DISPENSED')
                """).SingleAsync(ct);
            if (open > 0)
                throw new ConflictException("open_prescriptions",
                    $"'{item.Name}' is on {open} open prescription item(s) (draft, issued or partly dispensed); finish or cancel them first.",
                    new Dictionary<string, object?> { ["openPrescriptionItems"] = open });
            item.IsActive = false;
            item.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("STOCK_ITEM_DEACTIVATED", "STOCK_ITEM", id, new { name = item.Name });
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return await AnswerAsync(db, item, clock, http, ct);
    }

    static async Task<Ok<StockItemResponse>> ActivateItem(Guid id, CarebaseDb db, Caller caller, AuditLog audit, TenantClock clock,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var item = await db.Set<StockItem>().SingleOrDefaultAsync(i => i.Id == id, ct) ?? throw NotFound();
        ETags.Check(http, item.Version);
        if (!item.IsActive)
        {
            item.IsActive = true;
            item.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("STOCK_ITEM_ACTIVATED", "STOCK_ITEM", id, new { name = item.Name });
            await db.SaveChangesAsync(ct);
        }
        return await AnswerAsync(db, item, clock, http, ct);
    }

    /// <summary>
    /// Every item with the stock it can be taken from today: the on-hand of its ACTIVE batches not past their expiry date,
    /// and what those units cost. Two correlated sums on the item's batches (by the item's foreign key index).
    /// </summary>
    internal static IQueryable<StockLevel> Levels(CarebaseDb db, DateOnly today)
    {
        var usable = Usable(db, today);
        return db.Set<StockItem>().AsNoTracking().Select(i => new StockLevel
        {
            Item = i,
            OnHand = usable.Where(b => b.StockItemId == i.Id).Sum(b => (long)b.OnHand),
            Value = usable.Where(b => b.StockItemId == i.Id).Sum(b => b.OnHand * b.UnitCost),
        });
    }

    /// <summary>The batches stock can be taken from today: ACTIVE and not past their expiry date.</summary>
    internal static IQueryable<StockBatch> Usable(CarebaseDb db, DateOnly today) =>
        db.Set<StockBatch>().AsNoTracking().Where(b => b.Status == BatchStatuses.Active && (b.ExpiryDate == null || b.ExpiryDate >= today));

    /// <summary>The item row locked for the rest of the transaction (404 when absent), its If-Match checked.</summary>
    internal static async Task<StockItem> LockAsync(CarebaseDb db, Guid id, HttpContext? http, CancellationToken ct)
    {
        var item = (await db.Set<StockItem>().FromSql($"SELECT * FROM stock_items WHERE id = {id} FOR UPDATE").ToListAsync(ct)).SingleOrDefault()
            ?? throw NotFound();
        if (http is not null) ETags.Check(http, item.Version);
        return item;
    }

    static async Task<Ok<StockItemResponse>> AnswerAsync(CarebaseDb db, StockItem item, TenantClock clock, HttpContext http, CancellationToken ct)
    {
        var level = await Levels(db, await clock.TodayAsync(ct)).SingleAsync(s => s.Item.Id == item.Id, ct);
        ETags.Send(http, item.Version);
        return TypedResults.Ok(StockItemResponse.From(level));
    }

    static Task SaveAsync(CarebaseDb db, StockItem item, CancellationToken ct) =>
        db.SaveOrConflictAsync(ct, ("stock_items_name_key", () => new ConflictException("stock_item_name_taken",
            $"A stock item named '{item.Name}' already exists.")));

    internal static NotFoundException NotFound() => new("The stock item");
}
