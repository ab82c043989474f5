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
/// Batches: receiving stock (a batch and its IN movement in one transaction), correcting a batch's details, and counted
/// adjustments. The database refuses any movement that would take a batch below zero (<c>stock_batches_on_hand_check</c>),
/// whoever appends it; that refusal is answered 409 <c>insufficient_stock</c>.
/// </summary>
static class StockBatches
{
    public static void Map(RouteGroupBuilder items, RouteGroupBuilder batches)
    {
        items.MapGet("/{id:guid}/batches", ListBatches).RequirePermission(PharmacyRead)
            .WithSummary("An item's batches in first-expiry-first-out order (active first); filter by status and inStock");
        items.MapPost("/{id:guid}/batches", ReceiveBatch).RequirePermission(PharmacyWrite).WithIdempotency().ProducesProblem(409)
            .WithSummary("Receive stock: a new batch (number unique per item; medicines need an expiry date, never past) and its IN movement");
        batches.MapGet("/{id:guid}", GetBatch).RequirePermission(PharmacyRead).WithSummary("A batch with its on-hand (ETag for If-Match)");
        batches.MapPatch("/{id:guid}", UpdateBatch).RequirePermission(PharmacyWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Correct a batch's number, expiry date, unit cost or supplier (never its quantity; If-Match supported)");
        batches.MapPost("/{id:guid}/adjustments", AdjustBatch).RequirePermission(PharmacyWrite).WithIdempotency().ProducesProblem(409)
            .WithSummary("Adjust a batch by a counted, signed quantity with a reason (an ADJUSTMENT movement); 409 insufficient_stock below zero");
    }

    static async Task<Ok<Paged<StockBatchResponse>>> ListBatches(Guid id, [AsParameters] BatchListQuery query, CarebaseDb db, CancellationToken ct)
    {
        if (!await db.Set<StockItem>().AnyAsync(i => i.Id == id, ct)) throw PharmacyEndpoints.NotFound();
        var batches = db.Set<StockBatch>().AsNoTracking().Where(b => b.StockItemId == id);
        if (query.Status is { } status) batches = batches.Where(b => b.Status == status);
        if (query.InStock is { } inStock) batches = batches.Where(b => (b.OnHand > 0) == inStock);
        var ordered = batches.OrderBy(b => b.Status != BatchStatuses.Active).ThenBy(b => b.ExpiryDate == null).ThenBy(b => b.ExpiryDate)
            .ThenBy(b => b.ReceivedAt).ThenBy(b => b.Id);
        return TypedResults.Ok(await ordered.ToPagedAsync(query, StockBatchResponse.From, ct));
    }

    static async Task<Created<StockBatchResponse>> ReceiveBatch(Guid id, ReceiveBatchRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TenantClock clock, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        await using var tx = await db.BeginOrJoinAsync(ct);
        // A share lock: a deactivation (FOR UPDATE) waits for this receipt, and this receipt for a deactivation under way.
        var item = (await db.Set<StockItem>().FromSql($"SELECT * FROM stock_items WHERE id = {id} FOR SHARE").AsNoTracking().ToListAsync(ct))
            .SingleOrDefault() ?? throw PharmacyEndpoints.NotFound();
        if (!item.IsActive) throw new ConflictException("stock_item_inactive", $"'{item.Name}' is deactivated; activate it before receiving stock.");
        if (request.ExpiryDate is null && item.IsMedicine) throw new ValidationException("expiryDate", "A medicine's batch needs its expiry date.");
        if (request.ExpiryDate < today)
            throw new ValidationException("expiryDate", $"The batch expired on {request.ExpiryDate:yyyy-MM-dd}; stock past its expiry date is not received.");

        var now = time.GetUtcNow();
        var batch = new StockBatch
        {
            StockItemId = id, BatchNumber = request.BatchNumber!.Trim(), ExpiryDate = request.ExpiryDate, QuantityReceived = request.Quantity!.Value,
            UnitCost = request.UnitCost!.Value, Supplier = Input.Clean(request.Supplier), ReceivedAt = now, ReceivedBy = caller.UserId,
        };
        batch.Stamp(caller.UserId, now);
        db.Add(batch);
        db.Add(new StockMovement
        {
            BatchId = batch.Id, StockItemId = id, Kind = MovementKinds.In, Quantity = batch.QuantityReceived, DocumentType = "RECEIPT",
            DocumentId = batch.Id, OccurredAt = now, RecordedBy = caller.UserId,
        });
        audit.Record("STOCK_BATCH_RECEIVED", "STOCK_BATCH", batch.Id, new
        {
            stockItemId = id, batchNumber = batch.BatchNumber, expiryDate = batch.ExpiryDate, quantity = batch.QuantityReceived,
            unitCost = batch.UnitCost, supplier = batch.Supplier,
        });
        await SaveAsync(db, batch, ct);
        await db.Entry(batch).ReloadAsync(ct); // on_hand, as the movement's trigger left it
        if (tx is not null) await tx.CommitAsync(ct);
        ETags.Send(http, batch.Version);
        return TypedResults.Created($"/api/v1/batches/{batch.Id}", StockBatchResponse.From(batch));
    }

    static async Task<Ok<StockBatchResponse>> GetBatch(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var batch = await db.Set<StockBatch>().AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, ct) ?? throw NotFound();
        ETags.Send(http, batch.Version);
        return TypedResults.Ok(StockBatchResponse.From(batch));
    }

    static async Task<Ok<StockBatchResponse>> UpdateBatch(Guid id, UpdateBatchRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var batch = await db.Set<StockBatch>().SingleOrDefaultAsync(b => b.Id == id, ct) ?? throw NotFound();
        ETags.Check(http, batch.Version);
        if (request.Has(nameof(request.ExpiryDate)) && request.ExpiryDate != batch.ExpiryDate)
        {
            if (batch.Status == BatchStatuses.Expired)
                throw new ConflictException("batch_expired", "The batch has expired and its stock was written off; its expiry date stays as it was.");
            if (request.ExpiryDate is null && await db.Set<StockItem>().AnyAsync(i => i.Id == batch.StockItemId && i.Kind == StockItemKinds.Medicine, ct))
                throw new ValidationException("expiryDate", "A medicine's batch needs its expiry date.");
            batch.ExpiryDate = request.ExpiryDate;
        }
        if (request.Has(nameof(request.BatchNumber))) batch.BatchNumber = request.BatchNumber!.Trim();
        if (request.Has(nameof(request.UnitCost))) batch.UnitCost = request.UnitCost!.Value;
        if (request.Has(nameof(request.Supplier))) batch.Supplier = Input.Clean(request.Supplier);

        var changes = AuditLog.ChangesOf(db.Entry(batch));
        if (changes.Count > 0)
        {
            batch.Touch(caller.UserId, time.GetUtcNow());
            audit.Record("STOCK_BATCH_UPDATED", "STOCK_BATCH", id, changes);
            await SaveAsync(db, batch, ct);
        }
        ETags.Send(http, batch.Version);
        return TypedResults.Ok(StockBatchResponse.From(batch));
    }

    /// <summary>
    /// Locks the batch (its movements serialise on it anyway: each one's trigger updates the row), so an expiry under way
    /// is seen and an adjustment never lands on a batch already written off.
    /// </summary>
    static async Task<Created<AdjustmentResponse>> AdjustBatch(Guid id, AdjustmentRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var batch = (await db.Set<StockBatch>().FromSql($"SELECT * FROM stock_batches WHERE id = {id} FOR UPDATE").ToListAsync(ct)).SingleOrDefault()
            ?? throw NotFound();
        if (batch.Status == BatchStatuses.Expired)
            throw new ConflictException("batch_expired", "The batch has expired and its stock was written off; it cannot be adjusted.");
        var item = await db.Set<StockItem>().AsNoTracking().SingleAsync(i => i.Id == batch.StockItemId, ct);
        var movement = new StockMovement
        {
            BatchId = id, StockItemId = batch.StockItemId, Kind = MovementKinds.Adjustment, Quantity = request.Quantity!.Value,
            Reason = request.Reason!.Trim(), OccurredAt = time.GetUtcNow(), RecordedBy = caller.UserId,
        };
        db.Add(movement);
        audit.Record("STOCK_ADJUSTED", "STOCK_BATCH", id, new { movementId = movement.Id, quantity = movement.Quantity, reason = movement.Reason, onHandBefore = batch.OnHand });
        var before = batch.OnHand;
        await db.SaveOrConflictAsync(ct, ("stock_batches_on_hand_check", () => Insufficient(item, before, movement.Quantity)));
        await db.Entry(batch).ReloadAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/stock-movements?batchId={id}",
            new AdjustmentResponse(StockReports.Response(movement, item.Name, batch.BatchNumber), StockBatchResponse.From(batch)));
    }

    internal static ConflictException Insufficient(StockItem item, int onHand, int quantity) =>
        new("insufficient_stock", $"The batch has {onHand} {item.Unit} of '{item.Name}' on hand; taking {-quantity} would leave it below zero.",
            new Dictionary<string, object?> { ["onHand"] = onHand, ["requested"] = -quantity });

    static Task SaveAsync(CarebaseDb db, StockBatch batch, CancellationToken ct) =>
        db.SaveOrConflictAsync(ct, ("stock_batches_number_key", () => new ConflictException("batch_number_taken",
            $"The item already has a batch numbered '{batch.BatchNumber}'.")));

    static NotFoundException NotFound() => new("The batch");
}
