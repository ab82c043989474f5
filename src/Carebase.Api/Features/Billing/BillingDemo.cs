using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Billing;

/// <summary>
/// Demo billing: the consultation of the most recent completed visits (and the portal patient's last ones) is invoiced
/// and issued under gapless numbers; most are paid in cash or by card, some partly, one paid invoice is partly refunded,
/// one is voided, and the latest stays a draft.
/// </summary>
public static class BillingDemo
{
    /// <summary>Date shifts for freshening ($1 is the interval); the payment ledger moves under its one exception to append-only.</summary>
    public static readonly string[] FreshenStatements =
    [
        "UPDATE invoices SET created_at = created_at + $1, updated_at = updated_at + $1, issued_at = issued_at + $1, voided_at = voided_at + $1",
        "UPDATE payments SET received_at = received_at + $1 WHERE set_config('carebase.shift_dates', 'on', true) = 'on'",
    ];

    /// <summary>Runs in the seeding transaction, after the visits.</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, Guid portalPatient, string currency, TimeZoneInfo zone, CancellationToken ct)
    {
        var desk = await db.Users.Where(u => u.NormalizedEmail == $"RECEPTION@{slug.ToUpperInvariant()}.DEMO").Select(u => (Guid?)u.Id).SingleOrDefaultAsync(ct);
        var completed = db.Set<Visit>().AsNoTracking().Where(v => v.Status == VisitValues.Completed);
        var visits = (await completed.Where(v => v.AppointmentId != null).OrderByDescending(v => v.CompletedAt).Take(60).ToListAsync(ct))
            .Concat(await completed.Where(v => v.PatientId == portalPatient).OrderByDescending(v => v.CompletedAt).Take(6).ToListAsync(ct))
            .DistinctBy(v => v.Id);
        var fees = await (from d in db.Set<Doctor>() join u in db.Users on d.UserId equals u.Id
                          select new { d.Id, d.ConsultationFee, Name = u.FirstName + " " + u.LastName, d.Specialization }).ToDictionaryAsync(d => d.Id, ct);
        var counters = new Dictionary<int, int>();
        var refunds = new List<Payment>();
        var ordered = visits.Where(v => fees[v.DoctorId].ConsultationFee > 0).OrderBy(v => v.CompletedAt).ThenBy(v => v.Id).ToList();
        // Drafts and their lines first (the database takes lines on drafts only), then their lives.
        var drafts = ordered.Select(visit =>
        {
            var fee = fees[visit.DoctorId];
            var at = visit.CompletedAt!.Value.AddMinutes(15);
            var invoice = Invoice.Draft(visit.PatientId, visit.Id, currency, desk, at);
            var line = new InvoiceLine
            {
                InvoiceId = invoice.Id, Position = 1, Kind = "CONSULTATION", Description = $"Consultation, Dr {fee.Name} ({fee.Specialization})",
                SourceType = ConsultationCharges.SourceType, SourceId = visit.Id, Quantity = 1, UnitPrice = fee.ConsultationFee, CreatedAt = at, CreatedBy = desk,
            };
            db.AddRange(invoice, line);
            invoice.Recompute([line]);
            return (invoice, line, at);
        }).ToList();
        await db.SaveChangesAsync(ct);
        for (var i = 0; i < drafts.Count - 1; i++) // the latest stays a draft
        {
            var (invoice, line, at) = drafts[i];
            var year = TimeZoneInfo.ConvertTime(at, zone).Year;
            counters[year] = counters.GetValueOrDefault(year) + 1;
            invoice.Issued($"INV-{year}-{counters[year]:D6}", year, desk, at);
            var method = i % 2 == 0 ? "CASH" : "CARD";
            switch (i % 10)
            {
                case 3: // partly paid
                    Pay(db, invoice, method, InvoiceMath.Round(invoice.Total / 2, InvoiceMath.Decimals(currency)), desk, at);
                    break;
                case 6: // a duplicate, voided: its number stays used and the visit may be billed again
                    invoice.MakeVoid("Duplicate of another invoice", desk, at.AddMinutes(5));
                    line.InvoiceVoided = true;
                    break;
                case 8: // paid, then partly refunded
                    var paid = Pay(db, invoice, method, invoice.Total, desk, at);
                    var back = InvoiceMath.Round(invoice.Total / 4, InvoiceMath.Decimals(currency));
                    refunds.Add(new Payment
                    {
                        InvoiceId = invoice.Id, Kind = PaymentValues.Refund, Method = method, Amount = -back, RefundsPaymentId = paid.Id,
                        Reason = "Follow-up visit not needed", ReceivedAt = at.AddDays(1), ReceivedBy = desk,
                    });
                    invoice.Record(-back, desk, at.AddDays(1));
                    break;
                default:
                    Pay(db, invoice, method, invoice.Total, desk, at);
                    break;
            }
        }
        await db.SaveChangesAsync(ct);
        db.AddRange(refunds); // after the payments they reverse
        foreach (var (year, last) in counters)
            await db.Database.ExecuteSqlAsync($"INSERT INTO invoice_number_counters (year, last_number) VALUES ({year}, {last})", ct);
        await db.SaveChangesAsync(ct);
    }

    static Payment Pay(CarebaseDb db, Invoice invoice, string method, decimal amount, Guid? by, DateTimeOffset at)
    {
        var payment = new Payment { InvoiceId = invoice.Id, Kind = PaymentValues.Payment, Method = method, Amount = amount, ReceivedAt = at, ReceivedBy = by };
        db.Add(payment);
        invoice.Record(amount, by, at);
        return payment;
    }
}
