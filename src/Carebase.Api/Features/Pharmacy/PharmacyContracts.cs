using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// A stock item as the API shows it, with its stock: <c>onHand</c> is the sum over its ACTIVE batches that have not passed
/// their expiry date, and <c>stockValue</c> what those units cost (on-hand × unit cost, rounded to cents). The ETag carries
/// <c>version</c>.
/// </summary>
public sealed record StockItemResponse(
    Guid Id, [property: OneOf(typeof(StockItemKinds), nameof(StockItemKinds.List))] string Kind, string Name, string? GenericName,
    string? BrandName, string? Form, string? Strength, string? Route, IReadOnlyList<string> ActiveIngredients, string? DrugClass, string Unit,
    int ReorderLevel, decimal SalePrice, bool IsActive, long OnHand, decimal StockValue, bool LowStock, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, int Version)
{
    internal static StockItemResponse From(StockLevel s) => new(
        s.Item.Id, s.Item.Kind, s.Item.Name, s.Item.GenericName, s.Item.BrandName, s.Item.Form, s.Item.Strength, s.Item.Route,
        s.Item.ActiveIngredients, s.Item.DrugClass, s.Item.Unit, s.Item.ReorderLevel, Doctor.Money(s.Item.SalePrice), s.Item.IsActive,
        s.OnHand, Doctor.Money(s.Value), s.OnHand < s.Item.ReorderLevel, s.Item.CreatedAt, s.Item.UpdatedAt, s.Item.Version);
}

/// <summary>An item with the stock it can still be taken from (ACTIVE batches not past their expiry), read in one query.</summary>
sealed class StockLevel
{
    public required StockItem Item { get; init; }
    public long OnHand { get; init; }
    public decimal Value { get; init; }
}

/// <summary>
/// Query of GET /stock-items: <c>q</c> matches the name, generic name or brand (case-insensitive). Inactive items are
/// listed only when asked for (<c>isActive=false</c>).
/// </summary>
public sealed record StockItemListQuery(
    [property: MaxLength(200)] string? Q,
    [property: OneOf(typeof(StockItemKinds), nameof(StockItemKinds.List)), Description("Only items of this kind.")] string? Kind,
    [property: MaxLength(StockFields.MaxDrugClass), Description("Only medicines of this drug class (the whole class, case-insensitive).")] string? DrugClass,
    bool? IsActive,
    [property: Description("Only items whose usable stock is below their reorder level (true) or not (false).")] bool? LowStock,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>
/// A new stock item. Medicines need a generic name and at least one active ingredient, and may give brand, form, strength,
/// route and drug class (ingredients and class are kept in lower case: the prescription checks match them against allergies);
/// equipment and consumables have none of these. Names are unique in the hospital whatever their case. Money has at most
/// two decimals.
/// </summary>
public sealed record CreateStockItemRequest(
    [property: Required, OneOf(typeof(StockItemKinds), nameof(StockItemKinds.List))] string? Kind,
    [property: Required, MaxLength(StockFields.MaxName)] string? Name,
    [property: MaxLength(StockFields.MaxName)] string? GenericName,
    [property: MaxLength(StockFields.MaxName)] string? BrandName,
    [property: MaxLength(StockFields.MaxForm)] string? Form,
    [property: MaxLength(StockFields.MaxStrength)] string? Strength,
    [property: MaxLength(StockFields.MaxRoute)] string? Route,
    [property: MaxLength(StockFields.MaxIngredients), ItemLength(StockFields.MaxIngredient)] IReadOnlyList<string>? ActiveIngredients,
    [property: MaxLength(StockFields.MaxDrugClass)] string? DrugClass,
    [property: Required, MaxLength(StockFields.MaxUnit)] string? Unit,
    [property: Range(0, StockFields.MaxQuantity)] int? ReorderLevel,
    [property: Required] decimal? SalePrice) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (SalePrice is { } price) StockFields.Price(price, errors);
    }
}

/// <summary>
/// Changes to a stock item: a field left out stays as it is, an optional one sent as null is cleared. The kind is fixed at
/// creation; a medicine keeps its generic name and an active ingredient. Deactivating has its own route.
/// </summary>
public sealed record UpdateStockItemRequest : PatchRequest
{
    [Required, MaxLength(StockFields.MaxName)] public string? Name { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxName)] public string? GenericName { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxName)] public string? BrandName { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxForm)] public string? Form { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxStrength)] public string? Strength { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxRoute)] public string? Route { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxIngredients), ItemLength(StockFields.MaxIngredient)] public IReadOnlyList<string>? ActiveIngredients { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxDrugClass)] public string? DrugClass { get; init => field = Sent(value); }
    [Required, MaxLength(StockFields.MaxUnit)] public string? Unit { get; init => field = Sent(value); }
    [Range(0, StockFields.MaxQuantity)] public int? ReorderLevel { get; init => field = Sent(value); }
    public decimal? SalePrice { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(ReorderLevel), ReorderLevel), (nameof(SalePrice), SalePrice));
        if (SalePrice is { } price) StockFields.Price(price, errors);
    }
}

/// <summary>
/// A batch of a stock item: <c>onHand</c> is what is left (kept by the database from the movements), <c>status</c> turns
/// EXPIRED when the daily expiry job writes off what the batch still held.
/// </summary>
public sealed record StockBatchResponse(
    Guid Id, Guid StockItemId, string BatchNumber, DateOnly? ExpiryDate, int QuantityReceived, int OnHand, decimal UnitCost, string? Supplier,
    [property: OneOf(typeof(BatchStatuses), nameof(BatchStatuses.List))] string Status, DateTimeOffset ReceivedAt, Guid? ReceivedBy,
    DateTimeOffset UpdatedAt, int Version)
{
    public static StockBatchResponse From(StockBatch b) => new(
        b.Id, b.StockItemId, b.BatchNumber, b.ExpiryDate, b.QuantityReceived, b.OnHand, b.UnitCost, b.Supplier, b.Status, b.ReceivedAt,
        b.ReceivedBy, b.UpdatedAt, b.Version);
}

/// <summary>Query of GET /stock-items/{id}/batches: newest first; EXPIRED and empty batches only when asked for.</summary>
public sealed record BatchListQuery(
    [property: OneOf(typeof(BatchStatuses), nameof(BatchStatuses.List))] string? Status,
    [property: Description("Only batches with stock left (true, the default) or every batch (false).")] bool? InStock,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>
/// Stock received: a new batch of the item with its quantity (an IN movement). Medicines need an expiry date, and nothing
/// is received already past it. Batch numbers are unique per item. Unit cost has at most four decimals.
/// </summary>
public sealed record ReceiveBatchRequest(
    [property: Required, MaxLength(StockFields.MaxBatchNumber)] string? BatchNumber,
    DateOnly? ExpiryDate,
    [property: Required, Range(1, StockFields.MaxQuantity)] int? Quantity,
    [property: Required] decimal? UnitCost,
    [property: MaxLength(StockFields.MaxSupplier)] string? Supplier) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (UnitCost is { } cost) StockFields.Cost(cost, errors);
    }
}

/// <summary>
/// Corrections of a batch's details: number, expiry, unit cost, supplier. The quantity never changes here: receive,
/// adjust or dispense instead (each a movement).
/// </summary>
public sealed record UpdateBatchRequest : PatchRequest
{
    [Required, MaxLength(StockFields.MaxBatchNumber)] public string? BatchNumber { get; init => field = Sent(value); }
    public DateOnly? ExpiryDate { get; init => field = Sent(value); }
    public decimal? UnitCost { get; init => field = Sent(value); }
    [MaxLength(StockFields.MaxSupplier)] public string? Supplier { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors)
    {
        NotCleared(errors, (nameof(UnitCost), UnitCost));
        if (UnitCost is { } cost) StockFields.Cost(cost, errors);
    }
}

/// <summary>A counted correction of a batch: a signed, non-zero quantity (found, broken, lost) and why.</summary>
public sealed record AdjustmentRequest(
    [property: Required, Range(-StockFields.MaxQuantity, StockFields.MaxQuantity), Description("Units added (positive) or taken away (negative); never 0.")] int? Quantity,
    [property: Required, FreeText, MaxLength(StockFields.MaxReason)] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Quantity == 0) errors.Add("quantity", "Must not be 0.");
    }
}

/// <summary>What an adjustment did: the movement appended and the batch as it now stands.</summary>
public sealed record AdjustmentResponse(StockMovementResponse Movement, StockBatchResponse Batch);

/// <summary>One entry of the stock ledger, with the names of its item and batch.</summary>
public sealed record StockMovementResponse(
    Guid Id, long Seq, Guid StockItemId, string ItemName, Guid BatchId, string BatchNumber,
    [property: OneOf(typeof(MovementKinds), nameof(MovementKinds.List))] string Kind, int Quantity, string? Reason, string? DocumentType,
    Guid? DocumentId, DateTimeOffset OccurredAt, Guid? RecordedBy);

/// <summary>Filters of GET /stock-movements; <c>from</c> included, <c>to</c> excluded (instants, on occurredAt).</summary>
public sealed record MovementListQuery(
    [property: Description("Only movements of this stock item.")] Guid? StockItemId,
    [property: Description("Only movements of this batch.")] Guid? BatchId,
    [property: OneOf(typeof(MovementKinds), nameof(MovementKinds.List)), Description("Only movements of this kind.")] string? Kind,
    [property: Description("Occurred at or after this instant.")] DateTimeOffset? From,
    [property: Description("Occurred before this instant.")] DateTimeOffset? To,
    [property: Description("Only movements of this document (a dispensing, a receipt).")] Guid? DocumentId,
    [property: OneOf(typeof(MovementListQuery), nameof(MovementListQuery.Formats)), Description("json (default, paged) or csv (the whole filtered list).")] string? Format,
    int? Page, int? PageSize) : IValidatable, IPageQuery
{
    public static readonly string[] Formats = ["json", "csv"];

    public void Validate(FieldErrors errors)
    {
        if (From is { } f && To is { } t && f >= t) errors.Add("to", "Must be after from.");
    }
}

/// <summary>Query of GET /inventory/expiring: batches with stock that expire within <c>days</c> (90 by default).</summary>
public sealed record ExpiringQuery(
    [property: Range(1, 730), Description("How many days ahead to look, 1 to 730 (default 90).")] int? Days,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>A batch with stock left that expires soon (or already has, before the expiry job wrote it off).</summary>
public sealed record ExpiringBatch(
    Guid BatchId, Guid StockItemId, string ItemName, string BatchNumber, DateOnly ExpiryDate,
    [property: Description("Days from today to the expiry date (0: expires today; negative: already past it).")] int DaysLeft,
    int OnHand, decimal Value);

/// <summary>What the usable stock is worth: each item's on-hand and value, the most valuable first, and the sum of all.</summary>
public sealed record ValuationResponse(
    [property: MaxLength(Paging.MaxPageSize)] IReadOnlyList<StockItemValue> Items, int Page, int PageSize,
    long Total, [property: Description("The value of every item's usable stock (not only this page's).")] decimal TotalValue);

/// <summary>An item's usable stock and what it cost.</summary>
public sealed record StockItemValue(Guid StockItemId, string Name, string Unit, long OnHand, decimal Value);

/// <summary>Field rules shared by the pharmacy requests.</summary>
static class StockFields
{
    public const int MaxName = 200, MaxForm = 50, MaxStrength = 100, MaxRoute = 50, MaxDrugClass = 100, MaxUnit = 30;
    public const int MaxIngredients = 20, MaxIngredient = 100, MaxBatchNumber = 50, MaxSupplier = 200, MaxReason = 500;
    public const int MaxQuantity = 1_000_000;
    const decimal MaxMoney = 9_999_999_999.99m, MaxCost = 99_999_999.9999m;

    public static void Price(decimal value, FieldErrors errors)
    {
        if (value < 0 || value > MaxMoney) errors.Add("salePrice", $"Must be between 0 and {MaxMoney}.");
        else if (decimal.Round(value, 2) != value) errors.Add("salePrice", "Must have at most 2 decimals.");
    }

    public static void Cost(decimal value, FieldErrors errors)
    {
        if (value < 0 || value > MaxCost) errors.Add("unitCost", $"Must be between 0 and {MaxCost}.");
        else if (decimal.Round(value, 4) != value) errors.Add("unitCost", "Must have at most 4 decimals.");
    }
}
