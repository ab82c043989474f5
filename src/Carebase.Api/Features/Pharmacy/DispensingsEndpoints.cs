using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Idempotency;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// Dispensing issued prescriptions from stock (first-expiry-first-out), returns, the list and the pharmacist's worklist.
/// Every route goes through the patient gate: another hospital's ids are 404, a confidential patient outside the
/// caller's care team is 403 <c>break_glass_required</c>, a portal patient sees their own dispensings only.
/// </summary>
public static class DispensingsEndpoints
{
    public static IServiceCollection AddDispensings(this IServiceCollection services) =>
        Billing.VisitCharges.Add<PrescriptionCharges>(Billing.VisitCharges.Add<DispensingCharges>(services.AddScoped<DispensingDesk>()));

    public static RouteGroupBuilder MapDispensings(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/dispensings").WithTags("Dispensings").AddEndpointFilter<ValidationFilter>();
        g.MapGet("/", List).RequirePermission(Permissions.PrescriptionsRead)
            .WithSummary("List dispensings, newest first: prescriptionId, patientId, from/to (when dispensed), paging; a patient sees their own");
        g.MapPost("/", Dispense).RequirePermission(Permissions.PharmacyDispense).WithIdempotency().ProducesProblem(409)
            .WithSummary("Dispense an issued prescription from stock, first-expiry-first-out across batches still good at the end of each course; all or nothing unless allowPartial (409 insufficient_stock names each item and what is available); when the hospital requires a paid invoice, 409 invoice_unpaid unless a PAID invoice bills every item asked for. Send Idempotency-Key to make retries safe");
        g.MapGet("/{id:guid}", Get).RequirePermission(Permissions.PrescriptionsRead)
            .WithSummary("A dispensing: its lines with batch numbers, expiry and prices, its returns and what remains to dispense");
        g.MapPost("/{id:guid}/returns", Return).RequirePermission(Permissions.PharmacyDispense).WithIdempotency().ProducesProblem(409)
            .WithSummary("Take medicine back: each line's quantity goes back to its batch (409 batch_expired when that batch has expired) and the prescription is dispensable again");
        api.MapGroup("/pharmacy").WithTags("Dispensings").AddEndpointFilter<ValidationFilter>()
            .MapGet("/worklist", Worklist).RequirePermission(Permissions.PharmacyRead)
            .WithSummary("Issued and partly dispensed prescriptions waiting at the pharmacy, oldest first, with the patient, the doctor and what remains (with the stock good today)");
        return api;
    }

    static async Task<Created<DispensingResponse>> Dispense(DispenseRequest request, DispensingDesk desk, CancellationToken ct)
    {
        var (dispensing, answer) = await desk.DispenseAsync(request, ct);
        return TypedResults.Created($"/api/v1/dispensings/{dispensing.Id}", answer);
    }

    static async Task<Ok<DispensingResponse>> Return(Guid id, ReturnRequest request, DispensingDesk desk, CarebaseDb db, PatientAccess access,
        CancellationToken ct)
    {
        await desk.ReturnAsync(id, request, ct);
        return TypedResults.Ok(await ReadAsync(db, access, id, ct));
    }

    static async Task<Ok<DispensingResponse>> Get(Guid id, CarebaseDb db, PatientAccess access, AuditLog audit, CancellationToken ct)
    {
        var answer = await ReadAsync(db, access, id, ct);
        await audit.WriteAsync("DISPENSING_READ", "DISPENSING", id, new { answer.PatientId }, ct: ct);
        return TypedResults.Ok(answer);
    }

    /// <summary>A dispensing the caller may see (else 404; 403 break_glass_required for a confidential patient); the record export reads them here too.</summary>
    public static async Task<DispensingResponse> ReadAsync(CarebaseDb db, PatientAccess access, Guid id, CancellationToken ct)
    {
        var d = await db.Set<Dispensing>().AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("The dispensing");
        await access.FindAsync(d.PatientId, ct);
        var prescription = await db.Set<Prescription>().AsNoTracking().SingleAsync(p => p.Id == d.PrescriptionId, ct);
        var items = await db.Set<PrescriptionItem>().AsNoTracking().Where(i => i.PrescriptionId == d.PrescriptionId).ToListAsync(ct);
        var lines = await (from l in db.Set<DispensingLine>().AsNoTracking()
                           where l.DispensingId == id
                           join b in db.Set<StockBatch>().AsNoTracking() on l.BatchId equals b.Id
                           join s in db.Set<StockItem>().AsNoTracking() on l.StockItemId equals s.Id
                           orderby s.Name, b.ExpiryDate, l.Id
                           select new { l, b.BatchNumber, b.ExpiryDate, s.Name }).ToListAsync(ct);
        var returns = await db.Set<DispensingReturn>().AsNoTracking().Where(r => r.DispensingId == id).ToListAsync(ct);
        return DispensingDesk.Answer(d, prescription, items, lines.Select(x => (x.l, x.BatchNumber, x.ExpiryDate, (string)x.Name)).ToList(), returns);
    }

    static async Task<Ok<Paged<DispensingListItem>>> List([AsParameters] DispensingListQuery query, CarebaseDb db, PatientAccess access,
        TenantClock clock, AuditLog audit, CancellationToken ct)
    {
        var zone = await clock.ZoneAsync(ct);
        var errors = new FieldErrors();
        var from = DoctorCalendars.Bound(query.From, "from", zone, errors, endOfDay: false);
        var to = DoctorCalendars.Bound(query.To, "to", zone, errors, endOfDay: true);
        if (from >= to) errors.Add("to", "Must be after from.");
        errors.ThrowIfAny();
        if (query.PatientId is { } patientId) await access.FindAsync(patientId, ct);
        var only = access.OnlyPatientId;
        var rows = from d in db.Set<Dispensing>().AsNoTracking()
                   where only == null || d.PatientId == only
                   join p in db.Set<Prescription>().AsNoTracking() on d.PrescriptionId equals p.Id
                   join pat in db.Set<Patient>().AsNoTracking() on d.PatientId equals pat.Id
                   select new ListRow { D = d, Code = p.Code, FirstName = pat.FirstName, LastName = pat.LastName, PatientCode = pat.PatientCode,
                       Confidential = pat.Confidential };
        if (query.PatientId is { } pid) rows = rows.Where(r => r.D.PatientId == pid);
        if (query.PrescriptionId is { } rx) rows = rows.Where(r => r.D.PrescriptionId == rx);
        if (from is { } f) rows = rows.Where(r => r.D.DispensedAt >= f.ToUniversalTime());
        if (to is { } t) rows = rows.Where(r => r.D.DispensedAt < t.ToUniversalTime());
        var page = await rows.OrderByDescending(r => r.D.DispensedAt).ThenByDescending(r => r.D.Id).ToPagedAsync<ListRow, DispensingListItem>(query, async (page, c) =>
        {
            var ids = page.Select(r => r.D.Id).ToList();
            var lines = await (from l in db.Set<DispensingLine>().AsNoTracking()
                               where ids.Contains(l.DispensingId)
                               join s in db.Set<StockItem>().AsNoTracking() on l.StockItemId equals s.Id
                               select new { l.DispensingId, s.Name, l.Quantity, l.QuantityReturned, l.UnitPrice }).ToListAsync(c);
            var hidden = await access.HiddenAmongAsync(page.Where(r => r.Confidential).Select(r => r.D.PatientId).Distinct().ToList(), c);
            return page.Select(r =>
            {
                var restricted = hidden.Contains(r.D.PatientId);
                var mine = lines.Where(l => l.DispensingId == r.D.Id).ToList();
                return new DispensingListItem(r.D.Id, r.D.PrescriptionId, r.Code, r.D.PatientId, $"{r.FirstName} {r.LastName}", r.PatientCode,
                    r.D.DispensedAt, r.D.DispensedBy,
                    restricted ? null : mine.Select(l => (string)l.Name).Distinct().Order().ToList(),
                    restricted ? null : mine.Sum(l => l.Quantity - l.QuantityReturned),
                    restricted ? null : mine.Sum(l => (l.Quantity - l.QuantityReturned) * l.UnitPrice), restricted);
            }).ToList();
        }, ct);
        await audit.WriteAsync("DISPENSING_LISTED", "DISPENSING", null, new { filter = query, returned = page.Items.Select(i => i.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Ok<Paged<WorklistItem>>> Worklist([AsParameters] PageQuery query, CarebaseDb db, PatientAccess access, TenantClock clock,
        AuditLog audit, CancellationToken ct)
    {
        var rows = from p in db.Set<Prescription>().AsNoTracking()
                   where p.Status == PrescriptionStatuses.Issued || p.Status == PrescriptionStatuses.PartiallyDispensed
                   join pat in db.Set<Patient>().AsNoTracking() on p.PatientId equals pat.Id
                   join doc in db.Set<Doctor>().AsNoTracking() on p.DoctorId equals doc.Id
                   join u in db.Users.AsNoTracking() on doc.UserId equals u.Id
                   select new WorklistRow
                   {
                       Id = p.Id, Code = p.Code, Status = p.Status, IssuedAt = p.IssuedAt, PatientId = p.PatientId, FirstName = pat.FirstName,
                       LastName = pat.LastName, PatientCode = pat.PatientCode, Confidential = pat.Confidential, DoctorId = p.DoctorId,
                       DoctorFirst = u.FirstName, DoctorLast = u.LastName,
                   };
        var today = await clock.TodayAsync(ct);
        var page = await rows.OrderBy(r => r.IssuedAt).ThenBy(r => r.Id).ToPagedAsync<WorklistRow, WorklistItem>(query, async (page, c) =>
        {
            var ids = page.Select(r => r.Id).ToList();
            var items = await db.Set<PrescriptionItem>().AsNoTracking()
                .Where(i => ids.Contains(i.PrescriptionId) && i.QuantityDispensed < i.Quantity).OrderBy(i => i.Position).ToListAsync(c);
            var stockIds = items.Where(i => i.StockItemId != null).Select(i => i.StockItemId!.Value).Distinct().ToList();
            var inStock = await db.Set<StockBatch>().AsNoTracking()
                .Where(b => stockIds.Contains(b.StockItemId) && b.Status == BatchStatuses.Active && b.OnHand > 0 && (b.ExpiryDate == null || b.ExpiryDate >= today))
                .GroupBy(b => b.StockItemId).Select(g => new { g.Key, OnHand = g.Sum(b => b.OnHand) }).ToDictionaryAsync(x => x.Key, x => x.OnHand, c);
            var hidden = await access.HiddenAmongAsync(page.Where(r => r.Confidential).Select(r => r.PatientId).Distinct().ToList(), c);
            return page.Select(r => new WorklistItem(r.Id, r.Code, r.Status, r.IssuedAt, r.PatientId, $"{r.FirstName} {r.LastName}", r.PatientCode,
                r.DoctorId, $"{r.DoctorFirst} {r.DoctorLast}".Trim(),
                hidden.Contains(r.PatientId) ? null : items.Where(i => i.PrescriptionId == r.Id).Select(i => new WorklistLine(i.Id, i.Medicine, i.StockItemId,
                    i.Quantity - i.QuantityDispensed, i.StockItemId is { } s ? inStock.GetValueOrDefault(s) : null)).ToList(),
                hidden.Contains(r.PatientId))).ToList();
        }, ct);
        await audit.WriteAsync("DISPENSING_WORKLIST_READ", "DISPENSING", null, new { page = page.Page, returned = page.Items.Select(i => i.PrescriptionId) }, ct: ct);
        return TypedResults.Ok(page);
    }

    sealed class ListRow
    {
        public required Dispensing D { get; init; }
        public string? Code { get; init; }
        public required string FirstName { get; init; }
        public required string LastName { get; init; }
        public required string PatientCode { get; init; }
        public bool Confidential { get; init; }
    }

    sealed class WorklistRow
    {
        public Guid Id { get; init; }
        public string? Code { get; init; }
        public required string Status { get; init; }
        public DateTimeOffset? IssuedAt { get; init; }
        public Guid PatientId { get; init; }
        public required string FirstName { get; init; }
        public required string LastName { get; init; }
        public required string PatientCode { get; init; }
        public bool Confidential { get; init; }
        public Guid DoctorId { get; init; }
        public string? DoctorFirst { get; init; }
        public string? DoctorLast { get; init; }
    }
}
