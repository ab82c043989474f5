using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// Places lab orders and moves them through their workflow: collect, enter results (ranges chosen, flags computed,
/// critical values notified), verify (a second person), correct (the original kept) and cancel. Every step locks the
/// order row first (<c>FOR UPDATE</c>), so two technicians entering, verifying or correcting at once act one after the
/// other; the database keeps one current result per item and a verifier other than the enterer whatever happens.
/// </summary>
public sealed class LabDesk(CarebaseDb db, Caller caller, PatientAccess access, LabNotifications notifications, AuditLog audit,
    TenantClock clock, TimeProvider time, Admissions.AdmissionLinks admissions)
{
    DateTimeOffset Now => time.GetUtcNow();

    public async Task<LabOrder> PlaceAsync(CreateLabOrderRequest request, CancellationToken ct)
    {
        Guid patientId;
        Visit? visit = null;
        Admissions.AdmissionLinks.ActiveAdmission? admission = null;
        // For an admission, the admission's row is locked to share until the order is saved (a discharge waits).
        await using var tx = request.AdmissionId is null ? null : await db.BeginOrJoinAsync(ct);
        if (request.AdmissionId is { } admissionId)
        {
            admission = await admissions.ActiveAsync(admissionId, ct);
            patientId = admission.PatientId;
        }
        else if (request.VisitId is { } visitId)
        {
            visit = await db.Set<Visit>().AsNoTracking().SingleOrDefaultAsync(v => v.Id == visitId, ct) ?? throw new NotFoundException("The visit");
            await access.FindAsync(visit.PatientId, ct);
            visit.EnsureOpen();
            patientId = visit.PatientId;
        }
        else
        {
            patientId = request.PatientId!.Value;
            await access.FindAsync(patientId, ct);
        }
        await access.EnsureActiveAsync(patientId, ct);

        var doctorId = request.DoctorId ?? await DoctorRef.OfUserAsync(db, caller.UserId, ct) ?? visit?.DoctorId ?? admission?.PrimaryDoctorId
            ?? throw new ValidationException("doctorId", "Name the ordering doctor (you have no doctor profile of your own).");
        if (request.DoctorId is { } named && !await db.Set<Doctor>().AnyAsync(d => d.Id == named, ct))
            throw new ValidationException("doctorId", "No such doctor.");

        var tests = await ExpandAsync(request.TestIds ?? [], request.PanelIds ?? [], ct);
        var order = LabOrder.Place(patientId, visit?.Id, doctorId, request.Priority!, Input.Clean(request.ClinicalNote), caller.UserId, Now,
            admission?.Id);
        db.Add(order);
        var position = 0;
        foreach (var (test, panelId) in tests)
            db.Add(new LabOrderItem
            {
                OrderId = order.Id, TestId = test.Id, PanelId = panelId, Position = position++, TestCode = test.Code, TestName = test.Name, Price = test.Price,
            });
        audit.Record("LAB_ORDER_CREATED", "LAB_ORDER", order.Id, new
        {
            order.PatientId, order.VisitId, order.AdmissionId, order.DoctorId, order.Priority, tests = tests.Select(t => t.Test.Code),
        });
        await db.SaveChangesAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return order;
    }

    /// <summary>The tests to order, in order: the panels' tests, then the tests named alone; each test once.</summary>
    async Task<List<(LabTest Test, Guid? PanelId)>> ExpandAsync(IReadOnlyList<Guid> testIds, IReadOnlyList<Guid> panelIds, CancellationToken ct)
    {
        var panels = await db.Set<LabPanel>().AsNoTracking().Include(p => p.Tests).Where(p => panelIds.Contains(p.Id)).ToListAsync(ct);
        var errors = new FieldErrors();
        for (var i = 0; i < panelIds.Count; i++)
            if (panels.FirstOrDefault(p => p.Id == panelIds[i]) is not { Active: true })
                errors.Add($"panelIds[{i}]", "No such active panel.");
        var wanted = panelIds.SelectMany(id => panels.Where(p => p.Id == id).SelectMany(p => p.Tests.OrderBy(t => t.Position)
                .Select(t => (t.TestId, PanelId: (Guid?)p.Id))))
            .Concat(testIds.Select(id => (TestId: id, PanelId: (Guid?)null)))
            .DistinctBy(t => t.TestId).ToList();
        var ids = wanted.Select(w => w.TestId).ToList();
        var tests = await db.Set<LabTest>().AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        for (var i = 0; i < testIds.Count; i++)
            if (!tests.TryGetValue(testIds[i], out var t) || !t.Active) errors.Add($"testIds[{i}]", "No such active test.");
        if (wanted.Any(w => w.PanelId is not null && tests.GetValueOrDefault(w.TestId) is not { Active: true }))
            errors.Add("panelIds", "A panel holds a retired test: update the panel first.");
        errors.ThrowIfAny();
        return wanted.Select(w => (tests[w.TestId], w.PanelId)).ToList();
    }

    /// <summary>The order (tracked, locked when it will change), after the patient gate; a portal patient sees only their verified orders.</summary>
    public async Task<LabOrder> FindAsync(Guid id, CancellationToken ct, bool forUpdate = false)
    {
        var orders = forUpdate ? db.Set<LabOrder>().FromSql($"SELECT * FROM lab_orders WHERE id = {id} FOR UPDATE") : db.Set<LabOrder>();
        var order = await orders.SingleOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("The lab order");
        if (access.OnlyPatientId is { } only && (only != order.PatientId || order.VerifiedAt is null)) throw new NotFoundException("The lab order");
        await access.FindAsync(order.PatientId, ct);
        return order;
    }

    public async Task<LabOrder> CollectAsync(Guid id, CollectSampleRequest request, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var order = await ChangingAsync(id, ifMatch, ct);
        var now = Now;
        var at = request.CollectedAt ?? now;
        if (at > now.AddMinutes(5)) throw new ValidationException("collectedAt", "Cannot be in the future.");
        if (at < order.CreatedAt.AddDays(-1)) throw new ValidationException("collectedAt", "Cannot be before the order.");
        var collector = request.CollectedBy ?? caller.UserId;
        if (request.CollectedBy is { } who && !await db.Users.AnyAsync(u => u.Id == who && u.TenantId == caller.TenantId && u.PatientId == null, ct))
            throw new ValidationException("collectedBy", "No such staff member.");
        order.Collect(request.SpecimenId!.Trim(), Microseconds.Truncate(at), collector, caller.UserId, now);
        audit.Record("LAB_SAMPLE_COLLECTED", "LAB_ORDER", id, new { order.SpecimenId, order.CollectedAt, order.CollectedBy });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return order;
    }

    /// <summary>
    /// Results for some or all items (each without a current result: a wrong value is corrected, not re-entered). The
    /// range is chosen for the patient's sex and age on the collection date; a critical value notifies the ordering doctor
    /// in the same transaction. The order is RESULTED once every item not cancelled has a result.
    /// </summary>
    public async Task<LabOrder> EnterResultsAsync(Guid id, EnterResultsRequest request, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var order = await ChangingAsync(id, ifMatch, ct);
        order.EnsureResultsOpen();
        var items = await db.Set<LabOrderItem>().Where(i => i.OrderId == id).ToListAsync(ct);
        var context = await ContextAsync(order, items, ct);
        var now = Now;
        var entered = new List<LabResult>();
        var errors = new FieldErrors();
        for (var n = 0; n < request.Items!.Count; n++)
        {
            var entry = request.Items[n];
            var field = $"items[{n}].";
            var item = items.FirstOrDefault(i => i.Id == entry.ItemId);
            if (item is null) { errors.Add(field + "itemId", "Not an item of this order."); continue; }
            if (item.Status != LabValues.Ordered) { errors.Add(field + "itemId", $"The item is {item.Status}: correct its result instead."); continue; }
            var result = context.Result(item, entry.Value, entry.ValueCode, entry.ValueText, entry.Comment, now, errors, field);
            if (result is null) continue;
            item.Status = LabValues.Resulted;
            entered.Add(result);
        }
        errors.ThrowIfAny();
        db.AddRange(entered);
        order.RecordResults(items.All(i => i.Status != LabValues.Ordered), caller.UserId, now);
        audit.Record("LAB_RESULTS_ENTERED", "LAB_ORDER", id, new
        {
            results = entered.Select(r => new { r.Id, r.ItemId, r.Flags }), order.Status,
        });
        await NotifyCriticalAsync(order, items, entered, ct);
        await SaveResultsAsync(ct);
        await tx.CommitAsync(ct);
        return order;
    }

    /// <summary>
    /// Verifies every current result not yet verified: the order becomes VERIFIED and the patient is told their results
    /// are ready. 409 same_person when the caller entered any of them (a second person verifies).
    /// </summary>
    public async Task<LabOrder> VerifyAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var order = await ChangingAsync(id, ifMatch, ct);
        if (order.Status != LabValues.Resulted)
            throw new ConflictException("invalid_status", $"The order is {order.Status}: only RESULTED orders are verified.");
        var now = Now;
        var pending = await db.Set<LabResult>().Where(r => r.OrderId == id && r.Status == LabValues.Final && r.VerifiedAt == null).ToListAsync(ct);
        foreach (var result in pending) result.Verify(caller.UserId, now);
        var verifiedItems = pending.Select(r => r.ItemId).ToHashSet();
        foreach (var item in await db.Set<LabOrderItem>().Where(i => i.OrderId == id).ToListAsync(ct))
            if (verifiedItems.Contains(item.Id)) item.Status = LabValues.Verified;
        order.Verify(caller.UserId, now);
        audit.Record("LAB_RESULTS_VERIFIED", "LAB_ORDER", id, new { results = pending.Select(r => r.Id) });
        await notifications.ResultsReadyAsync(order, ct);
        await db.SaveOrConflictAsync(ct, ("lab_results_verifier_check", LabResult.SamePerson));
        await tx.CommitAsync(ct);
        return order;
    }

    /// <summary>
    /// A new value for a result: the original stays, CORRECTED and pointing at its replacement, and the new FINAL result
    /// waits for verification (a verified order is RESULTED again). The reason is kept on the original.
    /// </summary>
    public async Task<LabResult> CorrectAsync(Guid resultId, CorrectResultRequest request, CancellationToken ct)
    {
        var orderId = await db.Set<LabResult>().Where(r => r.Id == resultId).Select(r => (Guid?)r.OrderId).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("The lab result");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var order = await FindAsync(orderId, ct, forUpdate: true);
        var original = await db.Set<LabResult>().SingleAsync(r => r.Id == resultId, ct);
        var items = await db.Set<LabOrderItem>().Where(i => i.OrderId == orderId).ToListAsync(ct);
        var item = items.Single(i => i.Id == original.ItemId);
        var now = Now;
        var errors = new FieldErrors();
        var context = await ContextAsync(order, items, ct);
        var next = context.Result(item, request.Value, request.ValueCode, request.ValueText, request.Comment, now, errors, "");
        errors.ThrowIfAny();
        original.ReplaceWith(next!, request.Reason!.Trim());
        order.Corrected(caller.UserId, now);
        item.Status = LabValues.Resulted;
        audit.Record("LAB_RESULT_CORRECTED", "LAB_RESULT", original.Id, new
        {
            orderId, replacedBy = next!.Id, reason = original.CorrectionReason, next.Flags,
        });
        // The original leaves FINAL first (its pointer to the replacement is checked at commit), then the replacement enters.
        await db.SaveChangesAsync(ct);
        db.Add(next);
        await NotifyCriticalAsync(order, items, [next], ct);
        await SaveResultsAsync(ct);
        await tx.CommitAsync(ct);
        return next;
    }

    public async Task<LabOrder> CancelAsync(Guid id, string reason, StringValues ifMatch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var order = await ChangingAsync(id, ifMatch, ct);
        order.Cancel(reason, caller.UserId, Now);
        foreach (var item in await db.Set<LabOrderItem>().Where(i => i.OrderId == id).ToListAsync(ct)) item.Status = LabValues.Cancelled;
        audit.Record("LAB_ORDER_CANCELLED", "LAB_ORDER", id, new { reason });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return order;
    }

    /// <summary>The order locked for a change, its If-Match checked (412 when stale).</summary>
    async Task<LabOrder> ChangingAsync(Guid id, StringValues ifMatch, CancellationToken ct)
    {
        var order = await FindAsync(id, ct, forUpdate: true);
        if (!ETags.Matches(ifMatch, order.Version)) throw new PreconditionFailedException();
        return order;
    }

    Task SaveResultsAsync(CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("lab_results_one_final", () => new ConflictException("already_resulted", "The item already has a current result: correct it instead.")));

    async Task NotifyCriticalAsync(LabOrder order, List<LabOrderItem> items, List<LabResult> results, CancellationToken ct)
    {
        var critical = results.Where(r => r.IsCritical).ToList();
        if (critical.Count == 0) return;
        await notifications.CriticalAsync(order, critical.Select(r => (items.Single(i => i.Id == r.ItemId), r)).ToList(), ct);
        audit.Record("LAB_CRITICAL_NOTIFIED", "LAB_ORDER", order.Id, new { order.DoctorId, results = critical.Select(r => r.Id) });
    }

    /// <summary>What judging a value needs: the tests of the items (with their ranges) and the patient's sex and age on the collection date.</summary>
    async Task<ResultContext> ContextAsync(LabOrder order, List<LabOrderItem> items, CancellationToken ct)
    {
        var testIds = items.Select(i => i.TestId).ToList();
        var tests = await db.Set<LabTest>().AsNoTracking().Include(t => t.Ranges).Where(t => testIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        var patient = await db.Set<Patient>().AsNoTracking().Where(p => p.Id == order.PatientId).Select(p => new { p.Gender, p.DateOfBirth }).SingleAsync(ct);
        var zone = await clock.ZoneAsync(ct);
        var collected = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(order.CollectedAt ?? Now, zone).DateTime);
        return new ResultContext(order, tests, patient.Gender, ReferenceRanges.AgeDays(patient.DateOfBirth, collected), caller.UserId);
    }
}

/// <summary>Judges values for an order's items: the range for the patient's sex and age, the flags, the snapshot kept on the result.</summary>
sealed record ResultContext(LabOrder Order, Dictionary<Guid, LabTest> Tests, string Sex, int AgeDays, Guid By)
{
    /// <summary>A result for the item from the value given, or null with the field's error added.</summary>
    public LabResult? Result(LabOrderItem item, decimal? value, string? code, string? text, string? comment, DateTimeOffset now,
        FieldErrors errors, string field)
    {
        var test = Tests[item.TestId];
        code = Input.Clean(code)?.ToUpperInvariant();
        text = Input.Clean(text);
        var range = ReferenceRanges.Choose(test.Ranges, Sex, AgeDays);
        string[] flags;
        switch (test.ResultKind)
        {
            case "NUMERIC" when value is { } v:
                flags = ReferenceRanges.Flags(v, range?.Low, range?.High, test.CriticalLow, test.CriticalHigh);
                break;
            case "CODED" when code is not null:
                if (!test.CodedValues.Contains(code))
                {
                    errors.Add(field + "valueCode", $"One of {string.Join(", ", test.CodedValues)}.");
                    return null;
                }
                flags = ReferenceRanges.Flags(code, test.NormalValues);
                break;
            case "TEXT" when text is not null:
                flags = [];
                break;
            default:
                var name = test.ResultKind switch { "NUMERIC" => "value", "CODED" => "valueCode", _ => "valueText" };
                errors.Add(field + name, $"{test.Code} is a {test.ResultKind} test: give {name}.");
                return null;
        }
        var numeric = test.ResultKind == "NUMERIC";
        return new LabResult
        {
            ItemId = item.Id, OrderId = Order.Id, PatientId = Order.PatientId, ValueNumeric = numeric ? value : null,
            ValueCode = test.ResultKind == "CODED" ? code : null, ValueText = test.ResultKind == "TEXT" ? text : null, Unit = numeric ? test.Unit : null,
            RangeLow = range?.Low, RangeHigh = range?.High,
            RangeText = range?.Text ?? (test.ResultKind == "CODED" && test.NormalValues.Length > 0 ? string.Join(", ", test.NormalValues) : null),
            CriticalLow = test.CriticalLow, CriticalHigh = test.CriticalHigh, Flags = flags, Comment = Input.Clean(comment),
            EnteredAt = now, EnteredBy = By,
        };
    }
}
