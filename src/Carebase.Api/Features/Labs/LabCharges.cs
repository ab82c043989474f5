using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Labs;

/// <summary>What the laboratory brings to a visit's invoice: each test ordered in the visit (not cancelled), at the price it was ordered at.</summary>
sealed class LabCharges(CarebaseDb db) : IVisitChargeSource
{
    public const string SourceType = "LAB_ORDER_ITEM";

    public async Task<IReadOnlyList<NewInvoiceLine>> ChargesAsync(Visit visit, CancellationToken ct) =>
        await (from i in db.Set<LabOrderItem>()
               join o in db.Set<LabOrder>() on i.OrderId equals o.Id
               where o.VisitId == visit.Id && o.Status != LabValues.Cancelled && i.Price > 0
               orderby o.CreatedAt, i.Position
               select new NewInvoiceLine("LAB", "Lab test: " + i.TestName, 1, i.Price, SourceType, i.Id, null, null))
            .ToListAsync(ct);
}
