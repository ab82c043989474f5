using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// Dispense an issued prescription. Without <c>items</c>, everything still to dispense of every item that names a stock
/// item; with them, those quantities. All or nothing unless <c>allowPartial</c>.
/// </summary>
public sealed record DispenseRequest(
    [property: Required] Guid? PrescriptionId,
    [property: MaxLength(100), Description("What to hand out; leave out to dispense everything remaining of every stock item of the prescription.")]
    IReadOnlyList<DispenseItemRequest>? Items,
    [property: Description("When stock does not cover everything: hand out what there is and leave the rest to dispense later (default false: refuse the whole request with 409 insufficient_stock).")]
    bool? AllowPartial,
    [property: FreeText, MaxLength(1000)] string? Notes) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Items is { Count: 0 }) errors.Add("items", "Leave items out to dispense everything remaining, or name at least one.");
        if (Items is null) return;
        var seen = new HashSet<Guid>();
        for (var i = 0; i < Items.Count; i++)
            if (Items[i]?.PrescriptionItemId is { } id && !seen.Add(id)) errors.Add($"items[{i}].prescriptionItemId", "Each prescription item may be named once.");
    }
}

public sealed record DispenseItemRequest(
    [property: Required] Guid? PrescriptionItemId,
    [property: Required, Range(1, 100000)] int? Quantity,
    [property: Description("Hand out this stock item instead of the prescribed one: a medicine with the same generic name or the same active ingredients.")]
    Guid? SubstituteStockItemId);

/// <summary>Bring medicine of a dispensing back to the pharmacy: each line back to its own batch.</summary>
public sealed record ReturnRequest([property: Required, MinLength(1), MaxLength(100)] IReadOnlyList<ReturnItemRequest>? Items) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Items is null) return;
        var seen = new HashSet<Guid>();
        for (var i = 0; i < Items.Count; i++)
            if (Items[i]?.LineId is { } id && !seen.Add(id)) errors.Add($"items[{i}].lineId", "Each line may be named once.");
    }
}

public sealed record ReturnItemRequest(
    [property: Required] Guid? LineId,
    [property: Required, Range(1, 100000)] int? Quantity,
    [property: Required, FreeText, MaxLength(500)] string? Reason);

public sealed record DispensingListQuery(
    [property: Description("Only the dispensings of this prescription.")] Guid? PrescriptionId,
    [property: Description("Only this patient's dispensings.")] Guid? PatientId,
    [property: Description(PeriodQuery.FromRule)] string? From, [property: Description(PeriodQuery.ToRule)] string? To,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>A dispensing: its lines (batch, expiry, price), its returns, and what of the prescription is still to dispense now.</summary>
public sealed record DispensingResponse(
    Guid Id, Guid PrescriptionId, string? PrescriptionCode,
    [property: OneOf(typeof(PrescriptionStatuses), nameof(PrescriptionStatuses.List)), Description("The prescription's status now.")] string PrescriptionStatus,
    Guid PatientId, DateTimeOffset DispensedAt, [property: StaffOnly] Guid? DispensedBy, string? Notes,
    [property: Description("What the lines handed out cost at their unit prices, returns deducted.")] decimal Total,
    IReadOnlyList<DispensingLineResponse> Lines, IReadOnlyList<DispensingReturnResponse> Returns,
    [property: Description("The prescription's items still to dispense now (after a partial dispensing, say).")] IReadOnlyList<RemainingItem> Remaining);

public sealed record DispensingLineResponse(
    Guid Id, Guid PrescriptionItemId, Guid StockItemId, string Medicine,
    [property: Description("The prescribed stock item, when another was handed out instead.")] Guid? SubstitutedFrom,
    Guid BatchId, string BatchNumber, DateOnly? ExpiryDate, int Quantity, int QuantityReturned, decimal UnitPrice,
    [property: Description("quantity × unitPrice.")] decimal Amount);

public sealed record DispensingReturnResponse(Guid Id, Guid LineId, int Quantity, string Reason, DateTimeOffset ReturnedAt, [property: StaffOnly] Guid? ReturnedBy);

/// <summary>An item of a prescription and how much of it is still to dispense (a free-text item has no stock item).</summary>
public sealed record RemainingItem(Guid PrescriptionItemId, string Medicine, Guid? StockItemId, int Quantity);

/// <summary>An item still to dispense, with the stock of its item that is good today (null for free text).</summary>
public sealed record WorklistLine(Guid PrescriptionItemId, string Medicine, Guid? StockItemId, int Quantity, int? InStock);

/// <summary>
/// A row of the dispensing list. A confidential patient the caller may not open is <c>restricted</c>: name and code only,
/// no medicines or amounts.
/// </summary>
public sealed record DispensingListItem(
    Guid Id, Guid PrescriptionId, string? PrescriptionCode, Guid PatientId, string PatientName, string PatientCode,
    DateTimeOffset DispensedAt, [property: StaffOnly] Guid? DispensedBy, IReadOnlyList<string>? Medicines, int? Units, decimal? Total, bool Restricted);

/// <summary>
/// An issued prescription waiting at the pharmacy, oldest first, with what remains to dispense. A confidential patient the
/// caller may not open is <c>restricted</c> (name and code only).
/// </summary>
public sealed record WorklistItem(
    Guid PrescriptionId, string? Code,
    [property: OneOf(typeof(PrescriptionStatuses), nameof(PrescriptionStatuses.Dispensable))] string Status,
    DateTimeOffset? IssuedAt, Guid PatientId, string PatientName, string PatientCode, Guid DoctorId, string DoctorName,
    IReadOnlyList<WorklistLine>? Remaining, bool Restricted);
