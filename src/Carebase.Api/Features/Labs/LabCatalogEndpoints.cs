using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// The lab catalog: tests (with reference ranges and critical limits) and panels. Tests and panels are retired
/// (<c>active: false</c>), never deleted: orders and results name them.
/// </summary>
public static class LabCatalogEndpoints
{
    public static RouteGroupBuilder MapLabCatalog(this RouteGroupBuilder api)
    {
        var tests = api.MapGroup("/lab-tests").WithTags("Lab catalog").AddEndpointFilter<ValidationFilter>();
        tests.MapGet("/", ListTests).RequirePermission(LabsRead).WithSummary("The lab tests by name; filter by q (name, code, LOINC), specimen and active");
        tests.MapGet("/{id:guid}", GetTest).RequirePermission(LabsRead).WithSummary("A lab test with its reference ranges (ETag)");
        tests.MapPost("/", CreateTest).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Add a test: code, LOINC, specimen, result kind, unit, price, turnaround, ranges by sex and age band, critical limits");
        tests.MapPatch("/{id:guid}", UpdateTest).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a test (ranges sent replace all of them; results keep the range they were given); active=false retires it");

        var panels = api.MapGroup("/lab-panels").WithTags("Lab catalog").AddEndpointFilter<ValidationFilter>();
        panels.MapGet("/", ListPanels).RequirePermission(LabsRead).WithSummary("The lab panels by name with their tests; filter by q and active");
        panels.MapGet("/{id:guid}", GetPanel).RequirePermission(LabsRead).WithSummary("A lab panel with its tests (ETag)");
        panels.MapPost("/", CreatePanel).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Add a panel: a set of tests ordered together (CBC, lipid panel)");
        panels.MapPatch("/{id:guid}", UpdatePanel).RequirePermission(LabsWrite).ForStaffOnly().ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change a panel (testIds sent replace its tests); active=false retires it");
        return api;
    }

    static async Task<Ok<Paged<LabTestResponse>>> ListTests([AsParameters] LabTestQuery query, CarebaseDb db, CancellationToken ct)
    {
        var tests = db.Set<LabTest>().AsNoTracking().Include(t => t.Ranges).AsQueryable();
        if (Input.Clean(query.Q) is { } q)
        {
            var contains = Like.Contains(q);
            var prefix = Like.Literal(q.ToUpperInvariant()) + "%";
            tests = tests.Where(t => EF.Functions.ILike(t.Name, contains, Like.Escape) || EF.Functions.Like(t.Code, prefix, Like.Escape)
                || EF.Functions.Like(t.Loinc ?? "", prefix, Like.Escape));
        }
        if (query.Specimen is { } specimen) tests = tests.Where(t => t.Specimen == specimen);
        if (query.Active is { } active) tests = tests.Where(t => t.Active == active);
        return TypedResults.Ok(await tests.OrderBy(t => t.Name).ThenBy(t => t.Id).ToPagedAsync(query, LabTestResponse.From, ct));
    }

    static async Task<Ok<LabTestResponse>> GetTest(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var test = await FindTestAsync(db, id, track: false, ct);
        ETags.Send(http, test.Version);
        return TypedResults.Ok(LabTestResponse.From(test));
    }

    static async Task<Created<LabTestResponse>> CreateTest(CreateLabTestRequest r, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var test = LabTest.Create(time.GetUtcNow());
        test.Code = r.Code!.Trim();
        test.Loinc = Input.Clean(r.Loinc);
        test.Name = r.Name!.Trim();
        test.Specimen = r.Specimen!;
        test.ResultKind = r.ResultKind!;
        test.Unit = Input.Clean(r.Unit);
        test.CodedValues = r.CodedValues?.ToArray() ?? [];
        test.NormalValues = r.NormalValues?.ToArray() ?? [];
        test.Price = r.Price!.Value;
        test.TurnaroundHours = r.TurnaroundHours!.Value;
        test.CriticalLow = r.CriticalLow;
        test.CriticalHigh = r.CriticalHigh;
        test.Ranges.AddRange((r.Ranges ?? []).Select(x => x.ToRange(test.Id)));
        db.Add(test);
        audit.Record("LAB_TEST_CREATED", "LAB_TEST", test.Id, new { test.Code, test.Name, test.Price, ranges = test.Ranges.Count });
        await SaveTestAsync(db, test, ct);
        ETags.Send(http, test.Version);
        return TypedResults.Created($"/api/v1/lab-tests/{test.Id}", LabTestResponse.From(test));
    }

    static async Task<Ok<LabTestResponse>> UpdateTest(Guid id, UpdateLabTestRequest r, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var test = await FindTestAsync(db, id, track: true, ct);
        ETags.Check(http, test.Version);
        if (r.Has(nameof(r.Code))) test.Code = r.Code!.Trim();
        if (r.Has(nameof(r.Loinc))) test.Loinc = Input.Clean(r.Loinc);
        if (r.Has(nameof(r.Name))) test.Name = r.Name!.Trim();
        if (r.Has(nameof(r.Specimen))) test.Specimen = r.Specimen!;
        if (r.Has(nameof(r.Unit))) test.Unit = Input.Clean(r.Unit);
        if (r.Has(nameof(r.CodedValues))) test.CodedValues = r.CodedValues?.ToArray() ?? [];
        if (r.Has(nameof(r.NormalValues))) test.NormalValues = r.NormalValues?.ToArray() ?? [];
        if (r.Has(nameof(r.Price))) test.Price = r.Price!.Value;
        if (r.Has(nameof(r.TurnaroundHours))) test.TurnaroundHours = r.TurnaroundHours!.Value;
        if (r.Has(nameof(r.CriticalLow))) test.CriticalLow = r.CriticalLow;
        if (r.Has(nameof(r.CriticalHigh))) test.CriticalHigh = r.CriticalHigh;
        if (r.Has(nameof(r.Active))) test.Active = r.Active!.Value;
        // The kind never changes (results were judged by it); its rules are checked against the test as it now is.
        var errors = new FieldErrors();
        LabTestFields.Check(errors, null, null, test.ResultKind, test.CodedValues, test.NormalValues, null, test.CriticalLow, test.CriticalHigh);
        errors.ThrowIfAny();
        var changes = AuditLog.ChangesOf(db.Entry(test));
        if (r.Has(nameof(r.Ranges)))
        {
            db.RemoveRange(test.Ranges);
            test.Ranges.Clear();
            var ranges = (r.Ranges ?? []).Select(x => x.ToRange(test.Id)).ToList();
            db.AddRange(ranges); // new rows (their ids are set, so the collection alone would read as updates)
            test.Ranges.AddRange(ranges);
            changes["ranges"] = new { to = test.Ranges.Count };
        }
        if (changes.Count > 0)
        {
            test.Touch(time.GetUtcNow());
            audit.Record("LAB_TEST_UPDATED", "LAB_TEST", id, changes);
            await SaveTestAsync(db, test, ct);
        }
        ETags.Send(http, test.Version);
        return TypedResults.Ok(LabTestResponse.From(test));
    }

    static async Task<LabTest> FindTestAsync(CarebaseDb db, Guid id, bool track, CancellationToken ct)
    {
        var tests = track ? db.Set<LabTest>() : db.Set<LabTest>().AsNoTracking();
        return await tests.Include(t => t.Ranges).SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("The lab test");
    }

    static Task SaveTestAsync(CarebaseDb db, LabTest test, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("lab_tests_code_key", () => new ConflictException("lab_test_code_taken", $"A test with the code '{test.Code}' already exists.")));

    static async Task<Ok<Paged<LabPanelResponse>>> ListPanels([AsParameters] LabPanelQuery query, CarebaseDb db, CancellationToken ct)
    {
        var panels = db.Set<LabPanel>().AsNoTracking();
        if (Input.Clean(query.Q) is { } q)
        {
            var contains = Like.Contains(q);
            var prefix = Like.Literal(q.ToUpperInvariant()) + "%";
            panels = panels.Where(p => EF.Functions.ILike(p.Name, contains, Like.Escape) || EF.Functions.Like(p.Code, prefix, Like.Escape));
        }
        if (query.Active is { } active) panels = panels.Where(p => p.Active == active);
        return TypedResults.Ok(await panels.OrderBy(p => p.Name).ThenBy(p => p.Id)
            .ToPagedAsync<LabPanel, LabPanelResponse>(query, (page, c) => PanelResponsesAsync(db, page, c), ct));
    }

    static async Task<Ok<LabPanelResponse>> GetPanel(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var panel = await db.Set<LabPanel>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct) ?? throw PanelNotFound();
        ETags.Send(http, panel.Version);
        return TypedResults.Ok((await PanelResponsesAsync(db, [panel], ct))[0]);
    }

    static async Task<Created<LabPanelResponse>> CreatePanel(CreateLabPanelRequest r, CarebaseDb db, AuditLog audit, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var panel = LabPanel.Create(time.GetUtcNow());
        panel.Code = r.Code!.Trim();
        panel.Loinc = Input.Clean(r.Loinc);
        panel.Name = r.Name!.Trim();
        panel.Tests.AddRange(await NewTestsAsync(db, panel, r.TestIds!, ct));
        db.Add(panel);
        audit.Record("LAB_PANEL_CREATED", "LAB_PANEL", panel.Id, new { panel.Code, panel.Name, tests = r.TestIds });
        await SavePanelAsync(db, panel, ct);
        ETags.Send(http, panel.Version);
        return TypedResults.Created($"/api/v1/lab-panels/{panel.Id}", (await PanelResponsesAsync(db, [panel], ct))[0]);
    }

    static async Task<Ok<LabPanelResponse>> UpdatePanel(Guid id, UpdateLabPanelRequest r, CarebaseDb db, AuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var panel = await db.Set<LabPanel>().Include(p => p.Tests).SingleOrDefaultAsync(p => p.Id == id, ct) ?? throw PanelNotFound();
        ETags.Check(http, panel.Version);
        if (r.Has(nameof(r.Code))) panel.Code = r.Code!.Trim();
        if (r.Has(nameof(r.Loinc))) panel.Loinc = Input.Clean(r.Loinc);
        if (r.Has(nameof(r.Name))) panel.Name = r.Name!.Trim();
        if (r.Has(nameof(r.Active))) panel.Active = r.Active!.Value;
        var changes = AuditLog.ChangesOf(db.Entry(panel));
        if (r.Has(nameof(r.TestIds)) && !panel.Tests.OrderBy(t => t.Position).Select(t => t.TestId).SequenceEqual(r.TestIds!))
        {
            // Kept tests move to their new place, dropped ones go, new ones come (a row is never removed and re-added).
            var kept = panel.Tests.ToDictionary(t => t.TestId);
            db.RemoveRange(panel.Tests.Where(t => !r.TestIds!.Contains(t.TestId)));
            panel.Tests.RemoveAll(t => !r.TestIds!.Contains(t.TestId));
            foreach (var (testId, i) in r.TestIds!.Select((t, i) => (t, i)))
                if (kept.TryGetValue(testId, out var existing)) existing.Position = i;
            var added = await NewTestsAsync(db, panel, r.TestIds!, ct);
            db.AddRange(added.Where(t => !kept.ContainsKey(t.TestId)));
            changes["testIds"] = new { to = r.TestIds };
        }
        if (changes.Count > 0)
        {
            panel.Touch(time.GetUtcNow());
            audit.Record("LAB_PANEL_UPDATED", "LAB_PANEL", id, changes);
            await SavePanelAsync(db, panel, ct);
        }
        ETags.Send(http, panel.Version);
        return TypedResults.Ok((await PanelResponsesAsync(db, [panel], ct))[0]);
    }

    /// <summary>The panel's tests, in the order given (each once, each an existing test).</summary>
    static async Task<List<LabPanelTest>> NewTestsAsync(CarebaseDb db, LabPanel panel, IReadOnlyList<Guid> testIds, CancellationToken ct)
    {
        if (testIds.Distinct().Count() != testIds.Count) throw new Platform.Errors.ValidationException("testIds", "Each test once.");
        var known = await db.Set<LabTest>().Where(t => testIds.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        var errors = new FieldErrors();
        for (var i = 0; i < testIds.Count; i++)
            if (!known.Contains(testIds[i])) errors.Add($"testIds[{i}]", "No such test.");
        errors.ThrowIfAny();
        return testIds.Select((t, i) => new LabPanelTest { PanelId = panel.Id, TestId = t, Position = i }).ToList();
    }

    static async Task<IReadOnlyList<LabPanelResponse>> PanelResponsesAsync(CarebaseDb db, IReadOnlyList<LabPanel> panels, CancellationToken ct)
    {
        var ids = panels.Select(p => p.Id).ToList();
        var tests = (await (from pt in db.Set<LabPanelTest>() where ids.Contains(pt.PanelId)
                            join t in db.Set<LabTest>() on pt.TestId equals t.Id
                            orderby pt.Position
                            select new { pt.PanelId, Test = new LabPanelTestResponse(t.Id, t.Code, t.Name, t.Price) }).ToListAsync(ct))
            .ToLookup(x => x.PanelId, x => x.Test);
        return panels.Select(p => new LabPanelResponse(p.Id, p.Code, p.Loinc, p.Name, p.Active, tests[p.Id].ToList(), tests[p.Id].Sum(t => t.Price),
            p.CreatedAt, p.UpdatedAt, p.Version)).ToList();
    }

    static Task SavePanelAsync(CarebaseDb db, LabPanel panel, CancellationToken ct) => db.SaveOrConflictAsync(ct,
        ("lab_panels_code_key", () => new ConflictException("lab_panel_code_taken", $"A panel with the code '{panel.Code}' already exists.")));

    static NotFoundException PanelNotFound() => new("The lab panel");
}
