using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Pharmacy;

public static class StockItemKinds
{
    public const string Medicine = "MEDICINE", Equipment = "EQUIPMENT", Consumable = "CONSUMABLE";
    public static readonly string[] List = [Medicine, Equipment, Consumable];
}

/// <summary>
/// An item of the pharmacy's catalog: a medicine (generic name, brand, form, strength, route, active ingredients and drug
/// class, which the allergy and duplicate-therapy checks match), a piece of equipment or a consumable. Its stock is the
/// sum of its batches' on-hand.
/// </summary>
public sealed class StockItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public string Kind { get; set; } = StockItemKinds.Medicine;
    public string Name { get; set; } = "";
    public string? GenericName { get; set; }
    public string? BrandName { get; set; }
    public string? Form { get; set; }
    public string? Strength { get; set; }
    public string? Route { get; set; }
    public string[] ActiveIngredients { get; set; } = [];
    public string? DrugClass { get; set; }
    public string Unit { get; set; } = "";
    public int ReorderLevel { get; set; }
    public decimal SalePrice { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    /// <summary>The concurrency token behind the ETag; a writer that read an older version fails with 412.</summary>
    public int Version { get; private set; } = 1;

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }

    /// <summary>Who wrote the row first and when (no new version: a new row is version 1).</summary>
    public void Stamp(Guid? by, DateTimeOffset now) => (UpdatedAt, UpdatedBy) = (now, by);

    public bool IsMedicine => Kind == StockItemKinds.Medicine;

    /// <summary>
    /// Sets the medicine fields, trimmed; active ingredients and the drug class in lower case and ingredients once each,
    /// so the prescription checks compare them with allergies as they are stored.
    /// </summary>
    public void Describe(string? genericName, string? brandName, string? form, string? strength, string? route,
        IEnumerable<string>? activeIngredients, string? drugClass)
    {
        (GenericName, BrandName, Form, Strength, Route) = (Input.Clean(genericName), Input.Clean(brandName), Input.Clean(form),
            Input.Clean(strength), Input.Clean(route));
        // A list equal to the stored one is kept as it is: the audit compares old and new lists by reference.
        if (Ingredients(activeIngredients) is var ingredients && !ingredients.SequenceEqual(ActiveIngredients)) ActiveIngredients = ingredients;
        DrugClass = Input.Clean(drugClass)?.ToLowerInvariant();
    }

    static string[] Ingredients(IEnumerable<string>? items) =>
        (items ?? []).Select(i => i.Trim().ToLowerInvariant()).Where(i => i.Length > 0).Distinct().ToArray();

    /// <summary>422 unless the fields fit the kind: a medicine has a generic name and an active ingredient; other kinds have no medicine fields.</summary>
    public void EnsureShape()
    {
        var errors = new FieldErrors();
        if (IsMedicine)
        {
            if (GenericName is null) errors.Add("genericName", "A medicine needs its generic name.");
            if (ActiveIngredients.Length == 0) errors.Add("activeIngredients", "A medicine needs at least one active ingredient.");
        }
        else
        {
            foreach (var (field, value) in new[] { ("genericName", GenericName), ("brandName", BrandName), ("form", Form), ("strength", Strength),
                         ("route", Route), ("drugClass", DrugClass) })
                if (value is not null) errors.Add(field, $"Only medicines have this field, not {Kind}.");
            if (ActiveIngredients.Length > 0) errors.Add("activeIngredients", $"Only medicines have this field, not {Kind}.");
        }
        errors.ThrowIfAny();
    }
}

public static class BatchStatuses
{
    public const string Active = "ACTIVE", Expired = "EXPIRED";
    public static readonly string[] List = [Active, Expired];
}

/// <summary>
/// A batch of a stock item as received: number, expiry, cost and supplier. <see cref="OnHand"/> is never written by
/// code: the database keeps it as the sum of the batch's <see cref="StockMovement"/>s (a trigger) and refuses it below
/// zero (a CHECK), so append a movement to change it and read the row again to see the result.
/// </summary>
public sealed class StockBatch
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid StockItemId { get; init; }
    public string BatchNumber { get; set; } = "";
    public DateOnly? ExpiryDate { get; set; }
    public int QuantityReceived { get; init; }
    public int OnHand { get; private set; }
    public decimal UnitCost { get; set; }
    public string? Supplier { get; set; }
    public string Status { get; private set; } = BatchStatuses.Active;
    public DateTimeOffset ReceivedAt { get; init; }
    public Guid? ReceivedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? UpdatedBy { get; private set; }
    public int Version { get; private set; } = 1;

    public void Touch(Guid? by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Version++;
    }

    /// <summary>Who wrote the row first and when (no new version: a new row is version 1).</summary>
    public void Stamp(Guid? by, DateTimeOffset now) => (UpdatedAt, UpdatedBy) = (now, by);

    /// <summary>Expired batches are not dispensed from; the expiry job moves what is left out with an EXPIRED movement.</summary>
    public void MarkExpired(Guid? by, DateTimeOffset now)
    {
        if (Status == BatchStatuses.Expired) throw new ConflictException("batch_expired", "The batch is already expired.");
        Status = BatchStatuses.Expired;
        Touch(by, now);
    }
}

public static class MovementKinds
{
    public const string In = "IN", Out = "OUT", Adjustment = "ADJUSTMENT", Expired = "EXPIRED", Return = "RETURN";
    public static readonly string[] List = [In, Out, Adjustment, Expired, Return];
}

/// <summary>
/// One change of a batch's quantity (signed: IN and RETURN add, OUT and EXPIRED take away, ADJUSTMENT either way with a
/// reason), with who, when and the document it belongs to. Append-only: the database refuses updates and deletes.
/// </summary>
public sealed class StockMovement
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public long Seq { get; private set; }
    public Guid BatchId { get; init; }
    public Guid StockItemId { get; init; }
    public string Kind { get; init; } = "";
    public int Quantity { get; init; }
    public string? Reason { get; init; }
    public string? DocumentType { get; init; }
    public Guid? DocumentId { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public Guid? RecordedBy { get; init; }
}

sealed class StockConfiguration : IEntityTypeConfiguration<StockItem>, IEntityTypeConfiguration<StockBatch>,
    IEntityTypeConfiguration<StockMovement>
{
    public void Configure(EntityTypeBuilder<StockItem> e)
    {
        e.ToTable("stock_items");
        e.Property(x => x.Name).HasColumnType("citext");
        e.Property(x => x.SalePrice).HasPrecision(12, 2);
        e.Property(x => x.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<StockBatch> e)
    {
        e.ToTable("stock_batches");
        e.Property(x => x.UnitCost).HasPrecision(12, 4);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasOne<StockItem>().WithMany().HasForeignKey(x => x.StockItemId); // so a unit of work inserts the item first
        // Kept by the database from the movements: never sent, read back after every insert and update.
        var onHand = e.Property(x => x.OnHand).ValueGeneratedOnAddOrUpdate().Metadata;
        onHand.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
        onHand.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
    }

    public void Configure(EntityTypeBuilder<StockMovement> e)
    {
        e.ToTable("stock_movements");
        e.Property(x => x.Seq).ValueGeneratedOnAdd();
        e.HasOne<StockBatch>().WithMany().HasForeignKey(x => x.BatchId); // so a receipt inserts its batch before its IN movement
        e.HasOne<StockItem>().WithMany().HasForeignKey(x => x.StockItemId);
    }
}
