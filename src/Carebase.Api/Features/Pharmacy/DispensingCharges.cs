using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// What the pharmacy brings to a visit's invoice: each dispensing line of the visit's prescriptions, less what came back,
/// at the sale price it was handed out at (one line per batch taken, so a line bills exactly one dispensing line).
/// A dispensing of an item billed in advance (<see cref="PrescriptionCharges"/>) after that bill was made is covered by
/// it and brings nothing.
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
                     && !Prepayment.Lines(db).Any(b => b.SourceId == l.PrescriptionItemId && b.CreatedAt <= d.DispensedAt)
               orderby d.DispensedAt, l.Id
               select new NewInvoiceLine(PrescriptionCharges.MedicineLine, s.Name, l.Quantity - l.QuantityReturned, l.UnitPrice, SourceType, l.Id, null, null))
            .ToListAsync(ct);
}

/// <summary>
/// What the pharmacy brings to an admission's invoice: the dispensing lines of the prescriptions written for the
/// admission, as <see cref="DispensingCharges"/> bills a visit's, less those billed already (on an invoice not void).
/// The admission's discharge adds them to its draft invoice with the bed-days.
/// </summary>
public static class AdmissionDispensingCharges
{
    public static async Task<List<NewInvoiceLine>> UnbilledAsync(CarebaseDb db, Guid admissionId, CancellationToken ct)
    {
        var lines = await (from l in db.Set<DispensingLine>()
                           join d in db.Set<Dispensing>() on l.DispensingId equals d.Id
                           join p in db.Set<Prescription>() on d.PrescriptionId equals p.Id
                           join s in db.Set<StockItem>() on l.StockItemId equals s.Id
                           where p.AdmissionId == admissionId && l.Quantity > l.QuantityReturned
                                 && !Prepayment.Lines(db).Any(b => b.SourceId == l.PrescriptionItemId && b.CreatedAt <= d.DispensedAt)
                                 && !db.Set<InvoiceLine>().Any(b => b.SourceType == DispensingCharges.SourceType && b.SourceId == l.Id && !b.InvoiceVoided)
                           orderby d.DispensedAt, l.Id
                           select new NewInvoiceLine(PrescriptionCharges.MedicineLine, s.Name, l.Quantity - l.QuantityReturned, l.UnitPrice,
                               DispensingCharges.SourceType, l.Id, null, null))
            .ToListAsync(ct);
        return lines;
    }
}

/// <summary>
/// With the billing setting <c>dispensingRequiresPaidInvoice</c> on, the clinic bills medicine before the pharmacy hands
/// it out: each stock item of the visit's issued prescriptions, for what remains to dispense (the prescribed quantity when
/// nothing was), at the item's current sale price; the line names the prescription item it bills. With the setting off
/// it brings nothing and medicine is billed as dispensed (<see cref="DispensingCharges"/>).
/// </summary>
sealed class PrescriptionCharges(CarebaseDb db) : IVisitChargeSource
{
    public const string MedicineLine = "MEDICINE";

    public async Task<IReadOnlyList<NewInvoiceLine>> ChargesAsync(Visit visit, CancellationToken ct)
    {
        if (!await Prepayment.RequiredAsync(db, ct)) return [];
        var items = await (from i in db.Set<PrescriptionItem>()
                           join p in db.Set<Prescription>() on i.PrescriptionId equals p.Id
                           join s in db.Set<StockItem>() on i.StockItemId equals s.Id
                           where p.VisitId == visit.Id && (p.Status == PrescriptionStatuses.Issued || p.Status == PrescriptionStatuses.PartiallyDispensed)
                                 && i.Quantity > i.QuantityDispensed
                           orderby p.IssuedAt, p.Id, i.Position
                           select new { i.Id, s.Name, p.Code, Quantity = i.Quantity - i.QuantityDispensed, s.SalePrice }).ToListAsync(ct);
        return items.Select(i => new NewInvoiceLine(MedicineLine, $"{i.Name} (prescription {i.Code})", i.Quantity, i.SalePrice,
            Prepayment.SourceType, i.Id)).ToList();
    }
}

/// <summary>
/// The rule that the pharmacy dispenses only what a paid invoice covers. A prescription item is covered by its
/// PRESCRIPTION_ITEM line on an invoice that is PAID (not void), for the quantity billed, less what was dispensed of it
/// (net of returns) since that line was billed. Checked inside the dispensing transaction, after the prescription's
/// lock and before the batches' (<see cref="DispensingLocks"/>): the invoice is read, never locked.
/// </summary>
static class Prepayment
{
    public const string SourceType = "PRESCRIPTION_ITEM";

    /// <summary>The standing lines that bill prescription items in advance (drafts and unpaid invoices included; void ones not).</summary>
    public static IQueryable<InvoiceLine> Lines(CarebaseDb db) =>
        db.Set<InvoiceLine>().Where(b => b.SourceType == SourceType && !b.InvoiceVoided);

    public static Task<bool> RequiredAsync(CarebaseDb db, CancellationToken ct) =>
        db.Set<BillingSettings>().Select(s => s.DispensingRequiresPaidInvoice).SingleAsync(ct);

    /// <summary>409 invoice_unpaid naming every item asked for that no paid invoice covers.</summary>
    public static async Task EnsurePaidAsync(CarebaseDb db, IReadOnlyList<(PrescriptionItem item, int quantity)> wanted, CancellationToken ct)
    {
        var ids = wanted.Select(w => w.item.Id).Distinct().ToList();
        var bills = await (from b in Lines(db)
                           where ids.Contains(b.SourceId!.Value)
                           join i in db.Set<Invoice>() on b.InvoiceId equals i.Id
                           select new { ItemId = b.SourceId!.Value, b.Quantity, b.CreatedAt, i.Id, i.Number, i.Status }).ToListAsync(ct);
        var paidIds = bills.Where(b => b.Status == InvoiceValues.Paid).Select(b => b.ItemId).ToList();
        var handedOut = await (from l in db.Set<DispensingLine>()
                               join d in db.Set<Dispensing>() on l.DispensingId equals d.Id
                               where paidIds.Contains(l.PrescriptionItemId)
                               select new { l.PrescriptionItemId, d.DispensedAt, Net = l.Quantity - l.QuantityReturned }).ToListAsync(ct);
        var unpaid = new List<object>();
        foreach (var want in wanted.GroupBy(w => w.item).Select(g => (item: g.Key, quantity: g.Sum(w => w.quantity))))
        {
            var bill = bills.SingleOrDefault(b => b.ItemId == want.item.Id);
            var left = bill is { Status: InvoiceValues.Paid }
                ? bill.Quantity - handedOut.Where(h => h.PrescriptionItemId == want.item.Id && h.DispensedAt >= bill.CreatedAt).Sum(h => h.Net) : 0;
            if (want.quantity > left)
                unpaid.Add(new { prescriptionItemId = want.item.Id, medicine = want.item.Medicine, invoiceId = bill?.Id, invoiceNumber = bill?.Number, invoiceStatus = bill?.Status });
        }
        if (unpaid.Count > 0)
            throw new ConflictException("invoice_unpaid",
                "This hospital dispenses only what a paid invoice covers: bill the visit (POST /invoices {visitId}), issue the invoice and take its full payment first.",
                new Dictionary<string, object?> { ["items"] = unpaid });
    }
}
