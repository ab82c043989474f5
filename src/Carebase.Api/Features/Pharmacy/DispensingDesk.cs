using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Pharmacy;

/// <summary>
/// The row locks of dispensing and returning, in the one order every writer of stock takes them: the prescription first,
/// then the batches, by id. Public so the benchmark sends exactly these statements.
/// </summary>
public static class DispensingLocks
{
    /// <summary>The prescription: two pharmacists dispensing (or returning) the same prescription queue up here.</summary>
    public const string Prescription = "SELECT * FROM prescriptions WHERE id = @id FOR UPDATE";

    /// <summary>
    /// Every batch the items may take from, locked in id order (not expiry order: two dispensings of different items must
    /// take their locks in the same order, or they could deadlock): ACTIVE, not empty, and not expiring before the end of
    /// the course (<c>@until</c>, per stock item). A batch emptied by the transaction we waited for is re-checked and left out.
    /// </summary>
    public const string Batches = """
        SELECT b.id AS "Id", b.stock_item_id AS "StockItemId", b.batch_number AS "BatchNumber", b.expiry_date AS "ExpiryDate",
               b.on_hand AS "OnHand", b.received_at AS "ReceivedAt", b.status AS "Status"
        FROM stock_batches b
        JOIN unnest(@items::uuid[], @until::date[]) AS n(stock_item_id, usable_until) ON n.stock_item_id = b.stock_item_id
        WHERE b.status = 'ACTIVE' AND b.on_hand > 0 AND (b.expiry_date IS NULL OR b.expiry_date >= n.usable_until)
        ORDER BY b.id
        FOR UPDATE OF b
        """;

    /// <summary>The batches a return puts stock back into, in id order.</summary>
    public const string ReturnBatches = """
        SELECT id AS "Id", stock_item_id AS "StockItemId", batch_number AS "BatchNumber", expiry_date AS "ExpiryDate",
               on_hand AS "OnHand", received_at AS "ReceivedAt", status AS "Status"
        FROM stock_batches WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
        """;

    /// <summary>The first day a batch must still be good on for an item: the end of its course (today when it has no duration).</summary>
    public static DateOnly UsableUntil(DateOnly today, int? durationDays) => today.AddDays(durationDays ?? 0);
}

/// <summary>A batch as locked for a dispensing or a return.</summary>
public sealed class LockedBatch
{
    public Guid Id { get; init; }
    public Guid StockItemId { get; init; }
    public string BatchNumber { get; init; } = "";
    public DateOnly? ExpiryDate { get; init; }
    public int OnHand { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public string Status { get; init; } = BatchStatuses.Active;
}

/// <summary>
/// Dispensing and returns. One transaction each (joined with the idempotency key's): the prescription is locked first,
/// everything that needs no stock lock is read and checked (the paid-invoice rule, <see cref="Prepayment"/>, reads the
/// invoice without locking it), and only then are the candidate batches locked, in id order,
/// and the movements, lines, items, prescription status, medication list and audit entries written in one round trip.
/// The database backs every rule the code checks: on_hand never below zero, quantity_dispensed never above the
/// prescribed quantity, never more returned than handed out.
/// </summary>
public sealed class DispensingDesk(CarebaseDb db, Caller caller, PatientAccess access, MedicalHistory history, AuditLog audit, TenantClock clock,
    TimeProvider time)
{
    /// <summary>One prescription item to hand out: how much, which stock item, and the prescribed one when substituted.</summary>
    sealed record Want(PrescriptionItem Item, int Quantity, Guid StockItemId, Guid? SubstitutedFrom);

    sealed record Take(Want Want, LockedBatch Batch, int Quantity);

    public async Task<(Dispensing dispensing, DispensingResponse answer)> DispenseAsync(DispenseRequest request, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var prescription = await LockPrescriptionAsync(request.PrescriptionId!.Value, ct);
        prescription.EnsureDispensable();
        var items = await ItemsAsync(prescription, ct);
        var wants = Wanted(request, items);
        // An inpatient's medicine is billed with the admission at discharge (AdmissionDispensingCharges), never in advance.
        if (prescription.AdmissionId is null && await Prepayment.RequiredAsync(db, ct))
            await Prepayment.EnsurePaidAsync(db, wants.Select(w => (w.Item, w.Quantity)).ToList(), ct);
        var stockIds = wants.Select(w => w.StockItemId).Concat(wants.Select(w => w.SubstitutedFrom ?? w.StockItemId)).Distinct().ToList();
        var stock = await db.Set<StockItem>().AsNoTracking().Where(s => stockIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        CheckSubstitutes(request, wants, stock);
        var today = await clock.TodayAsync(ct);
        var medications = await history.PrescribedAsync(wants.Select(w => w.Item.Id).ToList(), ct);

        // Late and brief: the batches are locked only now, and held for one more round trip (the writes) and the commit.
        var until = wants.GroupBy(w => w.StockItemId)
            .Select(g => (item: g.Key, until: g.Min(w => DispensingLocks.UsableUntil(today, w.Item.DurationDays)))).ToList();
        var batches = await db.Database.SqlQueryRaw<LockedBatch>(DispensingLocks.Batches,
            new NpgsqlParameter("items", until.Select(u => u.item).ToArray()), new NpgsqlParameter("until", until.Select(u => u.until).ToArray()))
            .ToListAsync(ct);
        var takes = Allocate(wants, batches, today, request.AllowPartial == true, stock);

        var now = time.GetUtcNow();
        var dispensing = new Dispensing
        {
            PrescriptionId = prescription.Id, PatientId = prescription.PatientId, DispensedAt = now, DispensedBy = caller.UserId,
            Notes = Input.Clean(request.Notes),
        };
        db.Add(dispensing);
        var lines = new List<(DispensingLine line, LockedBatch batch)>();
        foreach (var take in takes)
        {
            var line = new DispensingLine
            {
                DispensingId = dispensing.Id, PrescriptionItemId = take.Want.Item.Id, BatchId = take.Batch.Id, StockItemId = take.Want.StockItemId,
                SubstitutedFrom = take.Want.SubstitutedFrom, Quantity = take.Quantity, UnitPrice = stock[take.Want.StockItemId].SalePrice,
            };
            db.Add(line);
            db.Add(new StockMovement
            {
                BatchId = take.Batch.Id, StockItemId = take.Want.StockItemId, Kind = MovementKinds.Out, Quantity = -take.Quantity,
                DocumentType = DispensingDocuments.Dispensing, DocumentId = dispensing.Id, OccurredAt = now, RecordedBy = caller.UserId,
            });
            take.Want.Item.QuantityDispensed += take.Quantity;
            lines.Add((line, take.Batch));
        }
        prescription.FollowDispensing(caller.UserId, now);
        history.RecordDispensed(prescription.PatientId, medications, takes.Select(t => t.Want).Distinct().Select(w => new DispensedMedicine(
            w.Item.Id, stock[w.StockItemId].Name, w.Item.Dose ?? DoseOf(w.Item), w.Item.Route, w.Item.Frequency, w.Item.DurationDays,
            w.SubstitutedFrom is null ? w.Item.Instructions : $"Dispensed instead of {stock[w.SubstitutedFrom.Value].Name}. {w.Item.Instructions}")), today);
        audit.Record("DISPENSING_CREATED", "DISPENSING", dispensing.Id, new
        {
            dispensing.PatientId, dispensing.PrescriptionId, prescriptionStatus = prescription.Status,
            lines = lines.Select(l => new { l.line.PrescriptionItemId, l.line.StockItemId, l.line.BatchId, l.line.Quantity, l.line.UnitPrice, l.line.SubstitutedFrom }),
        });
        await SaveAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        // The answer is built from what is in hand: no read while the batches are still locked (the idempotency key's
        // transaction commits only after the answer is written).
        return (dispensing, Answer(dispensing, prescription, items,
            lines.Select(l => (l.line, l.batch.BatchNumber, l.batch.ExpiryDate, stock[l.line.StockItemId].Name)).ToList(), []));
    }

    public async Task ReturnAsync(Guid dispensingId, ReturnRequest request, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        var dispensing = await db.Set<Dispensing>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == dispensingId, ct)
            ?? throw new NotFoundException("The dispensing");
        var prescription = await LockPrescriptionAsync(dispensing.PrescriptionId, ct);
        var items = await ItemsAsync(prescription, ct);
        var lines = await db.Set<DispensingLine>().Where(l => l.DispensingId == dispensingId).ToListAsync(ct);
        var errors = new FieldErrors();
        var returns = new List<(DispensingLine line, ReturnItemRequest request)>();
        for (var i = 0; i < request.Items!.Count; i++)
        {
            var r = request.Items[i];
            if (lines.SingleOrDefault(l => l.Id == r.LineId) is not { } line) errors.Add($"items[{i}].lineId", "Not a line of this dispensing.");
            else returns.Add((line, r));
        }
        errors.ThrowIfAny();
        if (returns.FirstOrDefault(r => r.request.Quantity > r.line.Returnable) is { line: not null } over)
            throw new ConflictException("return_exceeds_dispensed",
                $"Line {over.line.Id}: {over.line.Returnable} of {over.line.Quantity} can still be returned; {over.request.Quantity} were sent back.");
        var medications = await history.PrescribedAsync(returns.Select(r => r.line.PrescriptionItemId).Distinct().ToList(), ct);
        var today = await clock.TodayAsync(ct);

        var batches = await db.Database.SqlQueryRaw<LockedBatch>(DispensingLocks.ReturnBatches,
            new NpgsqlParameter("ids", returns.Select(r => r.line.BatchId).Distinct().ToArray())).ToListAsync(ct);
        // The safe choice: medicine of a batch that has expired since is not taken back into stock (it could be dispensed
        // again before the expiry job removes it); it is disposed of outside the stock ledger.
        if (batches.FirstOrDefault(b => b.Status == BatchStatuses.Expired || b.ExpiryDate < today) is { } expired)
            throw new ConflictException("batch_expired",
                $"Batch {expired.BatchNumber} has expired{(expired.ExpiryDate is { } d ? $" ({d:yyyy-MM-dd})" : "")}: its medicine is not taken back into stock.",
                new Dictionary<string, object?> { ["batchId"] = expired.Id });

        var now = time.GetUtcNow();
        foreach (var (line, r) in returns)
        {
            var back = new DispensingReturn
            {
                DispensingId = dispensingId, LineId = line.Id, Quantity = r.Quantity!.Value, Reason = r.Reason!.Trim(), ReturnedAt = now, ReturnedBy = caller.UserId,
            };
            db.Add(back);
            db.Add(new StockMovement
            {
                BatchId = line.BatchId, StockItemId = line.StockItemId, Kind = MovementKinds.Return, Quantity = back.Quantity, Reason = back.Reason,
                DocumentType = DispensingDocuments.Return, DocumentId = back.Id, OccurredAt = now, RecordedBy = caller.UserId,
            });
            line.QuantityReturned += back.Quantity;
            items.Single(i => i.Id == line.PrescriptionItemId).QuantityDispensed -= back.Quantity;
        }
        prescription.FollowDispensing(caller.UserId, now);
        history.StopReturned(medications, items.Where(i => i.QuantityDispensed == 0).Select(i => i.Id).ToList());
        audit.Record("DISPENSING_RETURNED", "DISPENSING", dispensingId, new
        {
            dispensing.PatientId, dispensing.PrescriptionId, prescriptionStatus = prescription.Status,
            returned = returns.Select(r => new { lineId = r.line.Id, r.line.BatchId, r.request.Quantity, r.request.Reason }),
        });
        await SaveAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
    }

    /// <summary>The prescription, locked; 404 unless its patient is one the caller may see (403 break_glass_required for a confidential one).</summary>
    async Task<Prescription> LockPrescriptionAsync(Guid id, CancellationToken ct)
    {
        var prescription = await db.Set<Prescription>().FromSqlRaw(DispensingLocks.Prescription, new NpgsqlParameter("id", id)).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The prescription");
        await access.FindAsync(prescription.PatientId, ct);
        return prescription;
    }

    async Task<List<PrescriptionItem>> ItemsAsync(Prescription prescription, CancellationToken ct) =>
        await db.Set<PrescriptionItem>().Where(i => i.PrescriptionId == prescription.Id).OrderBy(i => i.Position).ToListAsync(ct);

    /// <summary>What the request asks for, checked against the prescription (422 for ids not of it, 409 for free text and over-dispensing).</summary>
    static List<Want> Wanted(DispenseRequest request, List<PrescriptionItem> items)
    {
        if (request.Items is null)
        {
            var all = items.Where(i => i.StockItemId is not null && i.QuantityDispensed < i.Quantity)
                .Select(i => new Want(i, i.Quantity - i.QuantityDispensed, i.StockItemId!.Value, null)).ToList();
            return all.Count > 0 ? all
                : throw new ConflictException("nothing_to_dispense", "Nothing of this prescription remains to dispense from stock.");
        }
        var errors = new FieldErrors();
        var wants = new List<Want>();
        for (var i = 0; i < request.Items.Count; i++)
        {
            var r = request.Items[i];
            if (items.SingleOrDefault(x => x.Id == r.PrescriptionItemId) is not { } item)
            {
                errors.Add($"items[{i}].prescriptionItemId", "Not an item of this prescription.");
                continue;
            }
            if (item.StockItemId is not { } prescribed)
                throw new ConflictException("not_in_stock_catalog",
                    $"'{item.Medicine}' is prescribed as free text, not as an item of the stock catalog: it cannot be dispensed from stock.",
                    new Dictionary<string, object?> { ["prescriptionItemId"] = item.Id });
            var remaining = item.Quantity - item.QuantityDispensed;
            if (r.Quantity > remaining)
                throw new ConflictException("over_dispensing",
                    $"'{item.Medicine}': {remaining} of the {item.Quantity} prescribed remain to dispense; {r.Quantity} were asked for.",
                    new Dictionary<string, object?> { ["prescriptionItemId"] = item.Id, ["remaining"] = remaining });
            var substitute = r.SubstituteStockItemId is { } s && s != prescribed ? s : (Guid?)null;
            wants.Add(new Want(item, r.Quantity!.Value, substitute ?? prescribed, substitute is null ? null : prescribed));
        }
        errors.ThrowIfAny();
        return wants;
    }

    /// <summary>A substitute is an active medicine with the prescribed one's generic name or the same active ingredients.</summary>
    static void CheckSubstitutes(DispenseRequest request, List<Want> wants, Dictionary<Guid, StockItem> stock)
    {
        foreach (var want in wants.Where(w => w.SubstitutedFrom is not null))
        {
            if (!stock.TryGetValue(want.StockItemId, out var substitute))
            {
                var index = request.Items!.ToList().FindIndex(r => r.PrescriptionItemId == want.Item.Id);
                throw new ValidationException($"items[{index}].substituteStockItemId", "No such stock item.");
            }
            var prescribed = stock[want.SubstitutedFrom!.Value];
            if (substitute.Kind != StockItemKinds.Medicine || !substitute.IsActive || !Equivalent(prescribed, substitute))
                throw new ConflictException("substitute_not_equivalent",
                    $"'{substitute.Name}' cannot replace '{prescribed.Name}': a substitute must be an active medicine with the same generic name or the same active ingredients.",
                    new Dictionary<string, object?> { ["prescriptionItemId"] = want.Item.Id });
        }
    }

    static bool Equivalent(StockItem a, StockItem b)
    {
        static string Norm(string s) => s.Trim().ToUpperInvariant();
        if (a.GenericName is { } ga && b.GenericName is { } gb && Norm(ga) == Norm(gb)) return true;
        var (ia, ib) = (a.ActiveIngredients.Select(Norm).ToHashSet(), b.ActiveIngredients.Select(Norm).ToHashSet());
        return ia.Count > 0 && ia.SetEquals(ib);
    }

    /// <summary>
    /// First-expiry-first-out over the locked batches, each item from the batches still good at the end of its course,
    /// splitting across batches as needed. Short of stock: 409 insufficient_stock naming each item and what is available,
    /// unless <paramref name="partial"/> (then what there is, and 409 only when nothing at all can be handed out).
    /// </summary>
    static List<Take> Allocate(List<Want> wants, List<LockedBatch> batches, DateOnly today, bool partial, Dictionary<Guid, StockItem> stock)
    {
        var left = batches.ToDictionary(b => b.Id, b => b.OnHand);
        var takes = new List<Take>();
        var short_ = new List<(Want want, int available)>();
        foreach (var want in wants)
        {
            var until = DispensingLocks.UsableUntil(today, want.Item.DurationDays);
            var need = want.Quantity;
            var got = 0;
            foreach (var batch in batches.Where(b => b.StockItemId == want.StockItemId && (b.ExpiryDate is null || b.ExpiryDate >= until))
                         .OrderBy(b => b.ExpiryDate ?? DateOnly.MaxValue).ThenBy(b => b.ReceivedAt).ThenBy(b => b.Id))
            {
                var n = Math.Min(need - got, left[batch.Id]);
                if (n <= 0) continue;
                left[batch.Id] -= n;
                got += n;
                takes.Add(new Take(want, batch, n));
                if (got == need) break;
            }
            if (got < need) short_.Add((want, got));
        }
        if (short_.Count > 0 && (!partial || takes.Count == 0))
            throw new ConflictException("insufficient_stock",
                "Not enough unexpired stock (good until the end of each course): " +
                string.Join("; ", short_.Select(s => $"'{stock[s.want.StockItemId].Name}' asked {s.want.Quantity}, available {s.available}")) +
                (partial ? "." : ". Nothing was dispensed; send allowPartial: true to hand out what there is."),
                new Dictionary<string, object?>
                {
                    ["items"] = short_.Select(s => new { prescriptionItemId = s.want.Item.Id, stockItemId = s.want.StockItemId,
                        medicine = stock[s.want.StockItemId].Name, requested = s.want.Quantity, available = s.available }).ToList(),
                });
        return takes;
    }

    static string? DoseOf(PrescriptionItem item) => item.DoseAmount is { } amount
        ? $"{amount.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} {item.DoseUnit}".Trim() : null;

    /// <summary>Saves; the database's stock and quantity checks (also against writers that skip the checks above) become 409s.</summary>
    Task SaveAsync(CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("stock_batches_on_hand_check", () => new ConflictException("insufficient_stock", "A batch does not hold that much any more; read the stock again and retry.")),
        ("prescription_items_dispensed_check", () => new ConflictException("over_dispensing", "That is more than the prescription leaves to dispense (or to return).")),
        ("dispensing_lines_returned_check", () => new ConflictException("return_exceeds_dispensed", "That is more than the line handed out.")));

    /// <summary>The answer for a dispensing, from its lines (with batch number, expiry and medicine) and returns.</summary>
    public static DispensingResponse Answer(Dispensing d, Prescription prescription, IReadOnlyList<PrescriptionItem> items,
        IReadOnlyList<(DispensingLine line, string batchNumber, DateOnly? expiry, string medicine)> lines, IReadOnlyList<DispensingReturn> returns) =>
        new(d.Id, d.PrescriptionId, prescription.Code, prescription.Status, d.PatientId, d.DispensedAt, d.DispensedBy, d.Notes,
            lines.Sum(l => l.line.Returnable * l.line.UnitPrice),
            lines.Select(l => new DispensingLineResponse(l.line.Id, l.line.PrescriptionItemId, l.line.StockItemId, l.medicine, l.line.SubstitutedFrom,
                l.line.BatchId, l.batchNumber, l.expiry, l.line.Quantity, l.line.QuantityReturned, l.line.UnitPrice, l.line.Quantity * l.line.UnitPrice)).ToList(),
            returns.OrderBy(r => r.ReturnedAt).Select(r => new DispensingReturnResponse(r.Id, r.LineId, r.Quantity, r.Reason, r.ReturnedAt, r.ReturnedBy)).ToList(),
            Remaining(items));

    public static List<RemainingItem> Remaining(IEnumerable<PrescriptionItem> items) =>
        items.Where(i => i.QuantityDispensed < i.Quantity).OrderBy(i => i.Position)
            .Select(i => new RemainingItem(i.Id, i.Medicine, i.StockItemId, i.Quantity - i.QuantityDispensed)).ToList();
}
