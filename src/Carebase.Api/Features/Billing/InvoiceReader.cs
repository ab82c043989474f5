using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Billing;

/// <summary>Reads invoices for answers: one with its lines, and the list (a portal patient's own issued invoices; restricted rows where they must be).</summary>
public sealed class InvoiceReader(CarebaseDb db, PatientAccess access)
{
    public async Task<InvoiceResponse> ResponseAsync(Invoice i, CancellationToken ct)
    {
        var patient = await db.Set<Patient>().Where(p => p.Id == i.PatientId).Select(p => new { Name = p.FirstName + " " + p.LastName, p.PatientCode })
            .SingleAsync(ct);
        var lines = await db.Set<InvoiceLine>().AsNoTracking().Where(l => l.InvoiceId == i.Id).OrderBy(l => l.Position).ToListAsync(ct);
        string c = i.Currency;
        return new InvoiceResponse(i.Id, i.Number, i.Status, i.PatientId, patient.Name, patient.PatientCode, i.VisitId, i.AdmissionId, c,
            DiscountResponse.Of(i.DiscountKind, i.DiscountValue), InvoiceMath.Scaled(i.Subtotal, c),
            InvoiceMath.Scaled(i.DiscountTotal, c), InvoiceMath.Scaled(i.TaxTotal, c), InvoiceMath.Scaled(i.Total, c), InvoiceMath.Scaled(i.Paid, c),
            InvoiceMath.Scaled(i.Balance, c), i.Notes, i.VoidReason, i.IssuedAt, i.IssuedBy, i.VoidedAt, i.VoidedBy, i.CreatedAt, i.CreatedBy, i.UpdatedAt,
            i.Version, lines.Select(l => InvoiceLineResponse.From(l, c)).ToList());
    }

    public async Task<Paged<InvoiceListItem>> ListAsync(InvoiceListQuery q, CancellationToken ct)
    {
        var invoices = db.Set<Invoice>().AsNoTracking();
        if (access.OnlyPatientId is { } self) invoices = invoices.Where(i => i.PatientId == self && i.Status != InvoiceValues.Draft);
        if (q.PatientId is { } patientId) invoices = invoices.Where(i => i.PatientId == patientId);
        if (q.Status is { } status) invoices = invoices.Where(i => i.Status == status);
        if (q.From is { } from) invoices = invoices.Where(i => i.CreatedAt >= from.ToUniversalTime());
        if (q.To is { } to) invoices = invoices.Where(i => i.CreatedAt < to.ToUniversalTime());
        if (Platform.Errors.Input.Clean(q.Number)?.ToUpperInvariant() is { } number) invoices = invoices.Where(i => i.Number!.StartsWith(number));
        var rows = from i in invoices
                   join p in db.Set<Patient>() on i.PatientId equals p.Id
                   select new Row { Invoice = i, Name = p.FirstName + " " + p.LastName, PatientCode = p.PatientCode, Confidential = p.Confidential };
        // Every filter is on the invoice and the join cannot drop one (a NOT NULL foreign key): count the invoices alone.
        var ordered = rows.OrderByDescending(r => r.Invoice.CreatedAt).ThenBy(r => r.Invoice.Id);
        return await ordered.ToPagedAsync<Row, Invoice, InvoiceListItem>(invoices, q, async (page, c) =>
        {
            var hidden = await access.HiddenAmongAsync(page.Where(r => r.Confidential).Select(r => r.Invoice.PatientId).Distinct().ToList(), c);
            return page.Select(r =>
            {
                var (i, cur) = (r.Invoice, r.Invoice.Currency);
                return new InvoiceListItem(i.Id, i.Number, i.Status, i.PatientId, r.Name, r.PatientCode, i.VisitId, cur, InvoiceMath.Scaled(i.Total, cur),
                    InvoiceMath.Scaled(i.Paid, cur), InvoiceMath.Scaled(i.Balance, cur), i.IssuedAt, i.CreatedAt, hidden.Contains(i.PatientId));
            }).ToList();
        }, ct);
    }

    sealed class Row
    {
        public Invoice Invoice { get; init; } = null!;
        public string Name { get; init; } = "";
        public string PatientCode { get; init; } = "";
        public bool Confidential { get; init; }
    }
}
