using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Pharmacy;

/// <summary>Dispensing through the real pipeline: FEFO, partial and refused dispensing, substitution, idempotency, returns, the gate.</summary>
public sealed class DispensingTests
{
    [Fact]
    public async Task Stock_is_taken_first_expiry_first_out_across_batches_skipping_expired_and_short_dated_ones()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Amoxicillin 500 mg", price: 0.35m);
        var expired = await kit.BatchAsync(med, 50, 100, expired: true);  // marked EXPIRED by the expiry job
        var shortDated = await kit.BatchAsync(med, 50, 5);                // good today, not until the end of a 10-day course
        var later = await kit.BatchAsync(med, 10, 60, number: "LATER");
        var first = await kit.BatchAsync(med, 6, 30, number: "FIRST");
        var last = await kit.BatchAsync(med, 10, 90);
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(med, 10, DurationDays: 10));

        var response = await kit.DispenseAsync(rx);
        var dispensing = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/dispensings/{dispensing.Guid("id")}", response.Headers.Location?.OriginalString);
        Assert.Equal("DISPENSED", dispensing["prescriptionStatus"]!.GetValue<string>());
        var lines = dispensing.Array("lines").Select(n => n!).Select(l => (batch: l.Guid("batchId"), number: l["batchNumber"]!.GetValue<string>(), qty: l.Int("quantity"),
            expiry: l["expiryDate"]!.GetValue<string>(), price: l["unitPrice"]!.GetValue<decimal>())).OrderBy(l => l.expiry).ToList();
        Assert.Equal(new[] { (first, "FIRST", 6), (later, "LATER", 4) }, lines.Select(l => (l.batch, l.number, l.qty)));
        Assert.All(lines, l => Assert.Equal(0.35m, l.price));
        Assert.Equal(3.50m, dispensing["total"]!.GetValue<decimal>());
        Assert.Empty(dispensing.Array("remaining"));
        Assert.Equal(new[] { 0, 6, 50, 50, 10 }, await Task.WhenAll(new[] { first, later, expired, shortDated, last }.Select(kit.OnHandAsync)));
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>($"""
            SELECT count(*) FROM {kit.Tenant.Schema}.stock_movements WHERE kind = 'OUT' AND document_type = 'DISPENSING' AND document_id = $1
            """, dispensing.Guid("id")));
        Assert.Equal(10, await TestDatabase.ScalarAsync<int>($"SELECT quantity_dispensed FROM {kit.Tenant.Schema}.prescription_items WHERE id = $1", items[0]));

        // The read gives the same lines; the medication list has the medicine, ACTIVE and PRESCRIBED, from its prescription item.
        var read = await (await kit.Pharmacist.GetAsync($"/api/v1/dispensings/{dispensing.Guid("id")}")).JsonAsync();
        Assert.Equal(dispensing.Array("lines").Select(l => l!.Guid("id")).Order(), read.Array("lines").Select(l => l!.Guid("id")).Order());
        var medications = await (await kit.Admin.GetAsync($"/api/v1/patients/{kit.PatientId}/medications")).ItemsAsync();
        var medication = Assert.Single(medications);
        Assert.Equal(("ACTIVE", "PRESCRIBED", items[0]), (medication!["status"]!.GetValue<string>(), medication["source"]!.GetValue<string>(),
            medication.Guid("prescriptionItemId")));
        Assert.Equal(DispensingKit.Today.AddDays(9).ToString("yyyy-MM-dd"), medication["endDate"]!.GetValue<string>());
    }

    [Fact]
    public async Task Short_stock_refuses_the_whole_request_unless_partial_is_asked_and_the_rest_follows_later()
    {
        var kit = await DispensingKit.CreateAsync();
        var (scarce, plenty) = (await kit.MedicineAsync("Metformin"), await kit.MedicineAsync("Lisinopril"));
        var scarceBatch = await kit.BatchAsync(scarce, 4, 200);
        var plentyBatch = await kit.BatchAsync(plenty, 10, 200);
        await kit.BatchAsync(scarce, 50, 3); // expires before the end of the course: not available
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(scarce, 10), new Prescribed(plenty, 5));

        var refused = await (await kit.DispenseAsync(rx)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "insufficient_stock");
        var shortItem = Assert.Single(refused["items"]!.AsArray())!;
        Assert.Equal((items[0], 10, 4), (shortItem.Guid("prescriptionItemId"), shortItem.Int("requested"), shortItem.Int("available")));
        Assert.Contains("Metformin", refused["detail"]!.GetValue<string>());
        Assert.Equal((4, 10, 0L), (await kit.OnHandAsync(scarceBatch), await kit.OnHandAsync(plentyBatch), await kit.CountAsync("dispensings")));

        var partial = await kit.DispensedAsync(rx, allowPartial: true);
        Assert.Equal("PARTIALLY_DISPENSED", partial["prescriptionStatus"]!.GetValue<string>());
        var remaining = Assert.Single(partial.Array("remaining"))!;
        Assert.Equal((items[0], 6), (remaining.Guid("prescriptionItemId"), remaining.Int("quantity")));

        // The pharmacist's worklist shows what is left, with what is in stock.
        var waiting = (await (await kit.Pharmacist.GetAsync("/api/v1/pharmacy/worklist")).ItemsAsync()).Single(w => w!.Guid("prescriptionId") == rx)!;
        var line = Assert.Single(waiting.Array("remaining"))!;
        Assert.Equal((6, 50), (line.Int("quantity"), line.Int("inStock")));

        await kit.BatchAsync(scarce, 20, 300);
        var rest = await kit.DispensedAsync(rx);
        Assert.Equal(6, Assert.Single(rest.Array("lines"))!.Int("quantity"));
        Assert.Equal("DISPENSED", rest["prescriptionStatus"]!.GetValue<string>());
        await (await kit.DispenseAsync(rx)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_dispensable");
        // Dispensed twice, one medication row for the item.
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.medications WHERE patient_id = $1", kit.PatientId));
    }

    [Fact]
    public async Task Over_dispensing_free_text_and_foreign_items_are_refused()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Atorvastatin");
        await kit.BatchAsync(med, 100, 400);
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(med, 5), new Prescribed(null, 3, Medicine: "Herbal tea"));
        var (other, otherItems) = await kit.PrescriptionAsync(new Prescribed(med, 5));

        var over = await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 6)])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "over_dispensing");
        Assert.Equal(5, over.Int("remaining"));
        var freeText = await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[1], 1)])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_in_stock_catalog");
        Assert.Contains("Herbal tea", freeText["detail"]!.GetValue<string>());
        var foreign = await (await kit.DispenseAsync(rx, [DispensingKit.Line(otherItems[0], 1)])).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(foreign["errors"]!["items[0].prescriptionItemId"]);
        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 1), DispensingKit.Line(items[0], 1)])).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 0)])).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.DispenseAsync(Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // Everything that can come from stock: the free-text item stays to be handed out some other way.
        var done = await kit.DispensedAsync(rx);
        Assert.Equal("PARTIALLY_DISPENSED", done["prescriptionStatus"]!.GetValue<string>());
        Assert.Equal(items[1], Assert.Single(done.Array("remaining"))!.Guid("prescriptionItemId"));
        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 1)])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "over_dispensing");
        await (await kit.DispenseAsync(rx)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "nothing_to_dispense");
        Assert.Equal("ISSUED", await kit.StatusAsync(other));
    }

    [Fact]
    public async Task A_substitute_must_be_the_same_medicine_and_is_recorded_on_the_line()
    {
        var kit = await DispensingKit.CreateAsync();
        var brand = await kit.MedicineAsync("Amoxil 500", price: 1.00m, generic: "Amoxicillin");
        var generic = await kit.MedicineAsync("Amoxicillin generic", price: 0.40m, generic: "amoxicillin ");
        var sameIngredients = await kit.MedicineAsync("Moxatag", generic: "Amoxicillin trihydrate", ingredients: ["amoxicillin"]);
        var other = await kit.MedicineAsync("Ibuprofen 400", generic: "Ibuprofen");
        foreach (var item in new[] { generic, sameIngredients, other }) await kit.BatchAsync(item, 20, 365);
        await TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.stock_items SET active_ingredients = '{{Amoxicillin}}' WHERE id = $1", brand);
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(brand, 10));

        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 5, other)])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "substitute_not_equivalent");
        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 5, Guid.NewGuid())])).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        // The prescribed brand has no stock: the generic is handed out instead, at its own price.
        var line = Assert.Single((await kit.DispensedAsync(rx, [DispensingKit.Line(items[0], 5, generic)])).Array("lines"))!;
        Assert.Equal((generic, brand, 0.40m), (line.Guid("stockItemId"), line.Guid("substitutedFrom"), line["unitPrice"]!.GetValue<decimal>()));
        var byIngredients = Assert.Single((await kit.DispensedAsync(rx, [DispensingKit.Line(items[0], 5, sameIngredients)])).Array("lines"))!;
        Assert.Equal(brand, byIngredients.Guid("substitutedFrom"));
        var medication = Assert.Single(await (await kit.Admin.GetAsync($"/api/v1/patients/{kit.PatientId}/medications")).ItemsAsync())!;
        Assert.StartsWith("Moxatag", medication["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_retry_with_the_same_key_answers_the_first_dispensing_and_takes_stock_once()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Omeprazole");
        var batch = await kit.BatchAsync(med, 30, 200);
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(med, 10));
        var body = new object[] { DispensingKit.Line(items[0], 4) };

        var first = await kit.DispenseAsync(rx, body, key: "disp-1");
        var again = await kit.DispenseAsync(rx, body, key: "disp-1");
        await first.EnsureStatusAsync(HttpStatusCode.Created);
        await again.EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal((26, 1L), (await kit.OnHandAsync(batch), await kit.CountAsync("dispensings")));
        await (await kit.DispenseAsync(rx, [DispensingKit.Line(items[0], 5)], key: "disp-1")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.DispenseAsync(rx, body, key: "disp-2")).EnsureStatusAsync(HttpStatusCode.Created);
        Assert.Equal(22, await kit.OnHandAsync(batch));
    }

    [Fact]
    public async Task Returns_go_back_to_their_batch_and_reopen_the_prescription_within_what_was_handed_out()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Cetirizine");
        var (early, late) = (await kit.BatchAsync(med, 6, 30), await kit.BatchAsync(med, 10, 60));
        var (rx, items) = await kit.PrescriptionAsync(new Prescribed(med, 10));
        var dispensing = await kit.DispensedAsync(rx);
        var id = dispensing.Guid("id");
        var lineOf = dispensing.Array("lines").ToDictionary(l => l!.Guid("batchId"), l => l!.Guid("id"));
        object Back(Guid batch, int quantity) => new { lineId = lineOf[batch], quantity, reason = "Patient stopped the course" };

        var after = await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", new { items = new[] { Back(early, 2), Back(late, 3) } })).JsonAsync();
        Assert.Equal("PARTIALLY_DISPENSED", after["prescriptionStatus"]!.GetValue<string>());
        Assert.Equal(2, after.Array("returns").Count);
        Assert.Equal((2, 9), (await kit.OnHandAsync(early), await kit.OnHandAsync(late)));
        Assert.Equal(5 * 2.50m, after["total"]!.GetValue<decimal>());
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>($"SELECT count(*) FROM {kit.Tenant.Schema}.stock_movements WHERE kind = 'RETURN' AND document_type = 'DISPENSING_RETURN'"));

        var tooMany = await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", new { items = new[] { Back(early, 5) } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "return_exceeds_dispensed");
        Assert.Contains("4 of 6", tooMany["detail"]!.GetValue<string>());
        await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", new { items = new[] { new { lineId = Guid.NewGuid(), quantity = 1, reason = "x" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        // A batch that expired since takes nothing back; the rest of the other line comes back and the prescription is ISSUED again.
        await TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.stock_batches SET status = 'EXPIRED' WHERE id = $1", early);
        await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", new { items = new[] { Back(early, 1) } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "batch_expired");
        await TestDatabase.ExecuteAsync($"UPDATE {kit.Tenant.Schema}.stock_batches SET status = 'ACTIVE' WHERE id = $1", early);
        var all = await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", new { items = new[] { Back(early, 4), Back(late, 1) } })).JsonAsync();
        Assert.Equal("ISSUED", all["prescriptionStatus"]!.GetValue<string>());
        Assert.Equal(0m, all["total"]!.GetValue<decimal>());
        Assert.Equal(0, await TestDatabase.ScalarAsync<int>($"SELECT quantity_dispensed FROM {kit.Tenant.Schema}.prescription_items WHERE id = $1", items[0]));
        var medication = Assert.Single(await (await kit.Admin.GetAsync($"/api/v1/patients/{kit.PatientId}/medications")).ItemsAsync())!;
        Assert.Equal("STOPPED", medication["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_route_keeps_to_the_patient_gate()
    {
        var kit = await DispensingKit.CreateAsync();
        var med = await kit.MedicineAsync("Paracetamol");
        await kit.BatchAsync(med, 100, 365);
        var (rx, _) = await kit.PrescriptionAsync(new Prescribed(med, 4));
        var id = (await kit.DispensedAsync(rx)).Guid("id");
        var returns = new { items = new[] { new { lineId = Guid.NewGuid(), quantity = 1, reason = "x" } } };

        // Another hospital's pharmacist: every id is unknown.
        var elsewhere = await (await kit.App.NewTenantAsync("rx2")).ClientAsync(SystemRoles.Pharmacist);
        await (await kit.DispenseAsync(rx, client: elsewhere)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.GetAsync($"/api/v1/dispensings/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await elsewhere.PostAsJsonAsync($"/api/v1/dispensings/{id}/returns", returns)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await elsewhere.GetAsync("/api/v1/dispensings")).ItemsAsync());

        // The portal patient sees their own dispensings; another patient's are 404.
        var (portalUser, portalEmail) = await kit.Tenant.CreateUserAsync(SystemRoles.Patient);
        await TestDatabase.ExecuteAsync("UPDATE platform.users SET patient_id = $1 WHERE id = $2", kit.PatientId, portalUser);
        var portal = await kit.App.SignInAsync(portalEmail);
        Assert.Equal(id, Assert.Single(await (await portal.GetAsync("/api/v1/dispensings")).ItemsAsync())!.Guid("id"));
        var own = await (await portal.GetAsync($"/api/v1/dispensings/{id}")).JsonAsync();
        Assert.Null(own["dispensedBy"]);
        var stranger = (await PatientKit.RegisterAsync(kit.Admin, PatientKit.Person())).Id();
        var (strangerRx, _) = (await kit.PrescriptionsAsync(1, stranger, new Prescribed(med, 2)))[0];
        var strangers = (await kit.DispensedAsync(strangerRx)).Guid("id");
        await (await portal.GetAsync($"/api/v1/dispensings/{strangers}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await portal.GetAsync($"/api/v1/dispensings?patientId={stranger}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A confidential patient: the pharmacist is not on the care team.
        await (await kit.Admin.PatchAsJsonAsync($"/api/v1/patients/{stranger}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        var (next, _) = (await kit.PrescriptionsAsync(1, stranger, new Prescribed(med, 2)))[0];
        await (await kit.DispenseAsync(next)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Pharmacist.GetAsync($"/api/v1/dispensings/{strangers}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Pharmacist.PostAsJsonAsync($"/api/v1/dispensings/{strangers}/returns", returns)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await kit.Pharmacist.GetAsync($"/api/v1/dispensings?patientId={stranger}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var listed = (await (await kit.Pharmacist.GetAsync("/api/v1/dispensings")).ItemsAsync()).Single(d => d!.Guid("id") == strangers)!;
        Assert.True(listed["restricted"]!.GetValue<bool>());
        Assert.Null(listed["medicines"]);
        var waiting = (await (await kit.Pharmacist.GetAsync("/api/v1/pharmacy/worklist")).ItemsAsync()).Single(w => w!.Guid("prescriptionId") == next)!;
        Assert.True(waiting["restricted"]!.GetValue<bool>());
        Assert.Null(waiting["remaining"]);
    }
}
