using System.Globalization;
using System.Text;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>What a pharmacist watches: the stock ledger (JSON or CSV), items below their reorder level, batches near expiry, and what the stock is worth.</summary>
static class StockReports
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/stock-movements", ListMovements).WithTags("Pharmacy").AddEndpointFilter<ValidationFilter>().RequirePermission(PharmacyRead)
            .Produces(200, contentType: "text/csv")
            .WithSummary("The stock ledger, newest first, by item, batch, kind, document and period: paged JSON or the whole filtered list as CSV");
        var inventory = api.MapGroup("/inventory").WithTags("Pharmacy").AddEndpointFilter<ValidationFilter>();
        inventory.MapGet("/low-stock", ListLowStock).RequirePermission(PharmacyRead)
            .WithSummary("Active items whose usable stock is below their reorder level, the lowest share of it first");
        inventory.MapGet("/expiring", ListExpiring).RequirePermission(PharmacyRead)
            .WithSummary("Active batches with stock that expire within the next days (90 by default, 1 to 730), the soonest first");
        inventory.MapGet("/valuation", GetValuation).RequirePermission(PharmacyRead)
            .WithSummary("What the usable stock cost, per item (the most valuable first) and in total");
    }

    sealed class MovementRow
    {
        public required StockMovement Movement { get; init; }
        public required string ItemName { get; init; }
        public required string BatchNumber { get; init; }
    }

    static async Task<Results<Ok<Paged<StockMovementResponse>>, EmptyHttpResult>> ListMovements([AsParameters] MovementListQuery query, CarebaseDb db,
        HttpContext http, CancellationToken ct)
    {
        var movements = db.Set<StockMovement>().AsNoTracking();
        if (query.StockItemId is { } itemId) movements = movements.Where(m => m.StockItemId == itemId);
        if (query.BatchId is { } batchId) movements = movements.Where(m => m.BatchId == batchId);
        if (query.Kind is { } kind) movements = movements.Where(m => m.Kind == kind);
        if (query.DocumentId is { } documentId) movements = movements.Where(m => m.DocumentId == documentId);
        if (query.From is { } from) movements = movements.Where(m => m.OccurredAt >= from.ToUniversalTime());
        if (query.To is { } to) movements = movements.Where(m => m.OccurredAt < to.ToUniversalTime());
        var rows = (from m in movements
                    join i in db.Set<StockItem>() on m.StockItemId equals i.Id
                    join b in db.Set<StockBatch>() on m.BatchId equals b.Id
                    select new MovementRow { Movement = m, ItemName = i.Name, BatchNumber = b.BatchNumber })
            .OrderByDescending(r => r.Movement.OccurredAt).ThenByDescending(r => r.Movement.Seq);
        if (query.Format != "csv") return TypedResults.Ok(await rows.ToPagedAsync(query, Response, ct));

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"stock-movements.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(true), 64 * 1024);
        await writer.WriteLineAsync("occurredAt,kind,quantity,itemName,stockItemId,batchNumber,batchId,reason,documentType,documentId,recordedBy,movementId");
        await foreach (var r in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            var m = r.Movement;
            // Text goes through the export's cell rule (quoted, formulas neutralised); numbers, times and ids are ours, written as they are.
            await writer.WriteLineAsync(string.Join(',',
                m.OccurredAt.ToString("O", CultureInfo.InvariantCulture), m.Kind, m.Quantity.ToString(CultureInfo.InvariantCulture),
                PatientExport.Cell(r.ItemName), m.StockItemId, PatientExport.Cell(r.BatchNumber), m.BatchId, PatientExport.Cell(m.Reason),
                PatientExport.Cell(m.DocumentType), m.DocumentId, m.RecordedBy, m.Id));
        }
        return TypedResults.Empty;
    }

    static StockMovementResponse Response(MovementRow r) => Response(r.Movement, r.ItemName, r.BatchNumber);

    internal static StockMovementResponse Response(StockMovement m, string itemName, string batchNumber) => new(
        m.Id, m.Seq, m.StockItemId, itemName, m.BatchId, batchNumber, m.Kind, m.Quantity, m.Reason, m.DocumentType, m.DocumentId, m.OccurredAt,
        m.RecordedBy);

    static async Task<Ok<Paged<StockItemResponse>>> ListLowStock([AsParameters] PageQuery query, CarebaseDb db, TenantClock clock, CancellationToken ct)
    {
        var low = PharmacyEndpoints.Levels(db, await clock.TodayAsync(ct))
            .Where(s => s.Item.IsActive && s.OnHand < s.Item.ReorderLevel)
            .OrderBy(s => (double)s.OnHand / s.Item.ReorderLevel).ThenBy(s => s.Item.Name).ThenBy(s => s.Item.Id);
        return TypedResults.Ok(await low.ToPagedAsync(query, StockItemResponse.From, ct));
    }

    static async Task<Ok<Paged<ExpiringBatch>>> ListExpiring([AsParameters] ExpiringQuery query, CarebaseDb db, TenantClock clock, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        var until = today.AddDays(query.Days ?? 90);
        var batches = from b in db.Set<StockBatch>().AsNoTracking()
                      join i in db.Set<StockItem>() on b.StockItemId equals i.Id
                      where b.Status == BatchStatuses.Active && b.OnHand > 0 && b.ExpiryDate != null && b.ExpiryDate <= until
                      select new BatchRow { Batch = b, ItemName = i.Name };
        var soonest = batches.OrderBy(r => r.Batch.ExpiryDate).ThenBy(r => r.ItemName).ThenBy(r => r.Batch.Id);
        return TypedResults.Ok(await soonest.ToPagedAsync(query, r => new ExpiringBatch(r.Batch.Id, r.Batch.StockItemId, r.ItemName, r.Batch.BatchNumber,
            r.Batch.ExpiryDate!.Value, r.Batch.ExpiryDate.Value.DayNumber - today.DayNumber, r.Batch.OnHand, Doctor.Money(r.Batch.OnHand * r.Batch.UnitCost)), ct));
    }

    sealed class BatchRow
    {
        public required StockBatch Batch { get; init; }
        public required string ItemName { get; init; }
    }

    static async Task<Ok<ValuationResponse>> GetValuation([AsParameters] PageQuery query, CarebaseDb db, TenantClock clock, CancellationToken ct)
    {
        var today = await clock.TodayAsync(ct);
        var valued = PharmacyEndpoints.Levels(db, today).Where(s => s.OnHand > 0)
            .OrderByDescending(s => s.Value).ThenBy(s => s.Item.Name).ThenBy(s => s.Item.Id);
        var page = await valued.ToPagedAsync(query, s => new StockItemValue(s.Item.Id, s.Item.Name, s.Item.Unit, s.OnHand, Doctor.Money(s.Value)), ct);
        var total = await PharmacyEndpoints.Usable(db, today).SumAsync(b => b.OnHand * b.UnitCost, ct);
        return TypedResults.Ok(new ValuationResponse(page.Items, page.Page, page.PageSize, page.Total, Doctor.Money(total)));
    }
}
