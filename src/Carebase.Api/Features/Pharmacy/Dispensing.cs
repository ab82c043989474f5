using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// One handing-out of an issued prescription's medicines (FHIR MedicationDispense): a line per batch taken. Never
/// changed after it is made; returns are rows of their own (<see cref="DispensingReturn"/>).
/// </summary>
public sealed class Dispensing
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PrescriptionId { get; init; }
    public Guid PatientId { get; init; }
    public DateTimeOffset DispensedAt { get; init; }
    public Guid? DispensedBy { get; init; }
    public string? Notes { get; init; }
}

/// <summary>
/// What one batch gave to one prescription item: the quantity, the price at that moment, what came back since, and the
/// prescribed item when another was handed out instead (<see cref="SubstitutedFrom"/>).
/// </summary>
public sealed class DispensingLine
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DispensingId { get; init; }
    public Guid PrescriptionItemId { get; init; }
    public Guid BatchId { get; init; }
    public Guid StockItemId { get; init; }
    public Guid? SubstitutedFrom { get; init; }
    public int Quantity { get; init; }
    public decimal UnitPrice { get; init; }
    /// <summary>Never more than <see cref="Quantity"/> (a CHECK in the database).</summary>
    public int QuantityReturned { get; set; }

    public int Returnable => Quantity - QuantityReturned;
}

/// <summary>Medicine brought back to the pharmacy from a line, with the reason; its RETURN movement puts it back in the line's batch.</summary>
public sealed class DispensingReturn
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid DispensingId { get; init; }
    public Guid LineId { get; init; }
    public int Quantity { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset ReturnedAt { get; init; }
    public Guid? ReturnedBy { get; init; }
}

/// <summary>The document type of the stock movements a dispensing and its returns write.</summary>
public static class DispensingDocuments
{
    public const string Dispensing = "DISPENSING", Return = "DISPENSING_RETURN";
}

sealed class DispensingConfiguration : IEntityTypeConfiguration<Dispensing>, IEntityTypeConfiguration<DispensingLine>,
    IEntityTypeConfiguration<DispensingReturn>
{
    public void Configure(EntityTypeBuilder<Dispensing> e) => e.ToTable("dispensings");

    public void Configure(EntityTypeBuilder<DispensingLine> e)
    {
        e.ToTable("dispensing_lines");
        e.Property(x => x.UnitPrice).HasPrecision(12, 2);
        // Known to EF so that one SaveChanges inserts the dispensing before its lines.
        e.HasOne<Dispensing>().WithMany().HasForeignKey(x => x.DispensingId);
        e.Ignore(x => x.Returnable);
    }

    public void Configure(EntityTypeBuilder<DispensingReturn> e)
    {
        e.ToTable("dispensing_returns");
        e.HasOne<DispensingLine>().WithMany().HasForeignKey(x => x.LineId);
    }
}
