using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace Carebase.Api.Features.Billing;

/// <summary>
/// Invoices through their life: a draft (by hand or from a visit's charges), its lines and discount, issue under the
/// year's next number, void. Every change of a draft recomputes its amounts with <see cref="InvoiceMath"/>.
/// </summary>
public sealed class InvoiceDesk(CarebaseDb db, Caller caller, PatientAccess access, AuditLog audit, TimeProvider time, TenantClock clock,
    IEnumerable<IVisitChargeSource> chargeSources)
{
    DateTimeOffset Now => time.GetUtcNow();

    public async Task<Invoice> CreateAsync(CreateInvoiceRequest request, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        Visit? visit = null;
        if (request.VisitId is { } visitId)
        {
            visit = await db.Set<Visit>().AsNoTracking().SingleOrDefaultAsync(v => v.Id == visitId, ct) ?? throw new NotFoundException("The visit");
            if (request.PatientId is { } p && p != visit.PatientId) throw new ValidationException("visitId", "The visit is of another patient.");
        }
        var patient = await access.FindAsync(visit?.PatientId ?? request.PatientId!.Value, ct);
        if (patient.IsDeleted) throw new ConflictException("deleted", "The patient is deleted; restore the record first.");
        var currency = await db.Set<Tenant>().Where(t => t.Id == caller.Tenant).Select(t => t.Currency).SingleAsync(ct);

        var invoice = Invoice.Draft(patient.Id, visit?.Id, currency, caller.UserId, Now);
        invoice.SetDiscount(request.Discount?.ToDiscount());
        invoice.Notes = Input.Clean(request.Notes);
        db.Add(invoice);
        var lines = request.FromVisit ? await UnbilledChargesAsync(visit!, ct) : request.Lines?.Select(l => l.ToLine()).ToList() ?? [];
        await AddLinesAsync(invoice, lines, ct);
        audit.Record("INVOICE_CREATED", "INVOICE", invoice.Id, new { invoice.PatientId, invoice.VisitId, lines = lines.Count, invoice.Total });
        await SaveAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return invoice;
    }

    /// <summary>The charges of the visit from every source, less those already billed; 409 nothing_to_bill when none is left.</summary>
    async Task<List<NewInvoiceLine>> UnbilledChargesAsync(Visit visit, CancellationToken ct)
    {
        var charges = new List<NewInvoiceLine>();
        foreach (var source in chargeSources) charges.AddRange(await source.ChargesAsync(visit, ct));
        var ids = charges.Where(c => c.SourceId is not null).Select(c => c.SourceId).ToList();
        var billed = (await db.Set<InvoiceLine>().Where(l => ids.Contains(l.SourceId) && !l.InvoiceVoided)
            .Select(l => new { l.SourceType, l.SourceId }).ToListAsync(ct)).ToHashSet();
        charges.RemoveAll(c => billed.Contains(new { c.SourceType, c.SourceId }));
        return charges.Count > 0 ? charges
            : throw new ConflictException("nothing_to_bill", "Everything the visit brings is billed already (or the doctor has no consultation fee).");
    }

    /// <summary>
    /// Adds lines to a draft in the caller's unit of work (never saves) and recomputes it: how other areas bill what they
    /// record (a source billed twice fails the save with 409 already_billed, see <see cref="SaveAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<InvoiceLine>> AddLinesAsync(Invoice invoice, IReadOnlyList<NewInvoiceLine> lines, CancellationToken ct)
    {
        invoice.EnsureDraft();
        var existing = db.Entry(invoice).State == EntityState.Added ? [] : await LinesOfAsync(invoice.Id, ct);
        var settings = lines.Any(l => l.TaxRate is null) ? await db.Set<BillingSettings>().AsNoTracking().SingleAsync(ct) : null;
        var now = Now;
        var added = lines.Select((l, i) => new InvoiceLine
        {
            InvoiceId = invoice.Id, Position = (existing.Count == 0 ? 0 : existing.Max(e => e.Position)) + i + 1, Kind = l.Kind,
            Description = l.Description, SourceType = l.SourceType, SourceId = l.SourceId, Quantity = l.Quantity, UnitPrice = l.UnitPrice,
            DiscountKind = l.Discount?.Kind, DiscountValue = l.Discount?.Value, TaxRate = l.TaxRate ?? settings!.TaxRateOf(l.Kind),
            CreatedAt = now, CreatedBy = caller.UserId,
        }).ToList();
        db.AddRange(added);
        invoice.Recompute([.. existing, .. added]);
        return added;
    }

    Task<List<InvoiceLine>> LinesOfAsync(Guid invoiceId, CancellationToken ct) =>
        db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoiceId).OrderBy(l => l.Position).ToListAsync(ct);

    /// <summary>The invoice (tracked), after the patient gate: 404 when the caller may not see it (a portal patient sees issued ones only), 403 for a confidential patient.</summary>
    public async Task<Invoice> FindAsync(Guid id, CancellationToken ct, bool forUpdate = false)
    {
        var invoices = forUpdate ? db.Set<Invoice>().FromSql($"SELECT * FROM invoices WHERE id = {id} FOR UPDATE") : db.Set<Invoice>();
        var invoice = await invoices.SingleOrDefaultAsync(i => i.Id == id, ct) ?? throw new NotFoundException("The invoice");
        if (access.OnlyPatientId is { } only && (only != invoice.PatientId || invoice.Status == InvoiceValues.Draft)) throw new NotFoundException("The invoice");
        await access.FindAsync(invoice.PatientId, ct);
        return invoice;
    }

    public async Task<Invoice> UpdateAsync(Guid id, UpdateInvoiceRequest request, StringValues ifMatch, CancellationToken ct)
    {
        var invoice = await FindAsync(id, ct);
        if (!ETags.Matches(ifMatch, invoice.Version)) throw new PreconditionFailedException();
        invoice.EnsureDraft();
        if (request.Has(nameof(request.Notes))) invoice.Notes = Input.Clean(request.Notes);
        if (request.Has(nameof(request.Discount)))
        {
            invoice.SetDiscount(request.Discount?.ToDiscount());
            invoice.Recompute(await LinesOfAsync(id, ct));
        }
        var changes = AuditLog.ChangesOf(db.Entry(invoice));
        if (changes.Count == 0) return invoice;
        invoice.Touch(caller.UserId, Now);
        audit.Record("INVOICE_UPDATED", "INVOICE", id, changes);
        await db.SaveChangesAsync(ct);
        return invoice;
    }

    public async Task<(InvoiceLine, Invoice)> AddLineAsync(Guid id, InvoiceLineRequest request, StringValues ifMatch, CancellationToken ct)
    {
        var invoice = await FindAsync(id, ct);
        if (!ETags.Matches(ifMatch, invoice.Version)) throw new PreconditionFailedException();
        var line = (await AddLinesAsync(invoice, [request.ToLine()], ct))[0];
        invoice.Touch(caller.UserId, Now);
        audit.Record("INVOICE_LINE_ADDED", "INVOICE", id, new { lineId = line.Id, line.Kind, line.Quantity, line.UnitPrice, invoice.Total });
        await SaveAsync(ct);
        return (line, invoice);
    }

    public async Task<Invoice> RemoveLineAsync(Guid id, Guid lineId, StringValues ifMatch, CancellationToken ct)
    {
        var invoice = await FindAsync(id, ct);
        if (!ETags.Matches(ifMatch, invoice.Version)) throw new PreconditionFailedException();
        invoice.EnsureDraft();
        var lines = await LinesOfAsync(id, ct);
        var line = lines.SingleOrDefault(l => l.Id == lineId) ?? throw new NotFoundException("The invoice line");
        db.Remove(line);
        lines.Remove(line);
        invoice.Recompute(lines);
        invoice.Touch(caller.UserId, Now);
        audit.Record("INVOICE_LINE_REMOVED", "INVOICE", id, new { lineId, line.Kind, line.SourceType, line.SourceId, invoice.Total });
        await db.SaveChangesAsync(ct);
        return invoice;
    }

    /// <summary>
    /// DRAFT → ISSUED under the next number of the hospital's current year. The number is taken by the transaction's last
    /// statement (an upsert of the year's counter that also writes the invoice), so the counter row stays locked only until
    /// the commit right after it, and an issue that fails takes no number: numbers have no gaps.
    /// </summary>
    public async Task<Invoice> IssueAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var invoice = await FindAsync(id, ct, forUpdate: true);
        if (!ETags.Matches(ifMatch, invoice.Version)) throw new PreconditionFailedException();
        invoice.EnsureDraft();
        if (!await db.Set<InvoiceLine>().AnyAsync(l => l.InvoiceId == id, ct))
            throw new ConflictException("invoice_empty", "The invoice has no lines: add what is billed before issuing it.");
        var year = (await clock.TodayAsync(ct)).Year;
        var (now, by) = (Now, caller.UserId);
        // The audit entry goes first: nothing may run between taking the number and the commit.
        audit.Record("INVOICE_ISSUED", "INVOICE", id, new { invoice.PatientId, invoice.Currency, invoice.Total, year });
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            WITH n AS (
                INSERT INTO invoice_number_counters AS c (year, last_number) VALUES ({year}, 1)
                ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number)
            UPDATE invoices SET number = 'INV-' || {year}::text || '-' || lpad(n.last_number::text, greatest(6, length(n.last_number::text)), '0'),
                year = {year}, status = 'ISSUED', issued_at = {now}, issued_by = {by}, updated_at = {now}, updated_by = {by}, version = version + 1
            FROM n WHERE invoices.id = {id}
            """, ct);
        if (tx is not null) await tx.CommitAsync(ct);
        await db.Entry(invoice).ReloadAsync(ct);
        return invoice;
    }

    /// <summary>VOID with a reason, only while nothing is paid; its number stays used, and what it billed may be billed again.</summary>
    public async Task<Invoice> VoidAsync(Guid id, string reason, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var invoice = await FindAsync(id, ct, forUpdate: true);
        if (!ETags.Matches(ifMatch, invoice.Version)) throw new PreconditionFailedException();
        invoice.MakeVoid(reason, caller.UserId, Now);
        audit.Record("INVOICE_VOIDED", "INVOICE", id, new { invoice.Number, reason });
        await db.SaveChangesAsync(ct);
        await db.Set<InvoiceLine>().Where(l => l.InvoiceId == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.InvoiceVoided, true), ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return invoice;
    }

    /// <summary>Saves; a source billed on another invoice (also by a racing request) is 409 already_billed.</summary>
    public Task SaveAsync(CancellationToken ct) => db.SaveOrConflictAsync(ct, ("invoice_lines_source_key",
        () => new ConflictException("already_billed", "A line bills something that is already on another invoice (void that invoice to bill it again).")));
}
