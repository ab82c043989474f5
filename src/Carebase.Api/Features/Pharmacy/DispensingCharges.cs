using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// What the pharmacy brings to a visit's invoice: each dispensing line of the visit's prescriptions, less what came back,
/// at the sale price it was handed out at (one line per batch taken, so a line bills exactly one dispensing line).
/// </summary>
sealed class DispensingCharges(CarebaseDb db) : IVisitChargeSource
{
    public const string SourceType = "DISPENSING_LINE";

    public async Task<IReadOnlyList<NewInvoiceLine>> ChargesAsync(Visit visit, CancellationToken ct) =>
        await (from l in db.Set<DispensingLine>()
               join d in db.Set<Dispensing>() on l.DispensingId equals d.Id
               join p in db.Set<Prescription>() on d.PrescriptionId equals p.Id
               join s in db.Set<StockItem>() on l.StockItemId equals s.Id
               where p.VisitId == visit.Id && l.Quantity > l.QuantityReturned
               orderby d.DispensedAt, l.Id
               select new NewInvoiceLine(MedicineLine, s.Name, l.Quantity - l.QuantityReturned, l.UnitPrice, SourceType, l.Id, null, null))
            .ToListAsync(ct);

    const string MedicineLine = "MEDICINE";
}
