using Carebase.Api.Features.Demo;
using Carebase.Api.Features.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Prescriptions;

public sealed class PrescriptionsDemoTests
{
    [Fact]
    public async Task The_demo_has_prescriptions_in_every_status_the_portal_patients_issued_ones_a_worklist_and_a_ledger_that_adds_up()
    {
        var app = await CarebaseApp.SharedDemo();
        foreach (var slug in new[] { "general", "sunrise" })
        {
            var schema = await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Slug == slug).Select(t => t.SchemaName).SingleAsync());
            var statusSql = $"""SELECT DISTINCT status AS "Value" FROM "{schema}".prescriptions""";
            var statuses = await app.WithDbAsync(db => db.Database.SqlQueryRaw<string>(statusSql).ToListAsync());
            Assert.Equal(["CANCELLED", "DISPENSED", "DRAFT", "ISSUED"], statuses.Where(s => s != "PARTIALLY_DISPENSED").Order());

            // Every batch's on-hand is its ledger's sum and none is negative; every dispensed line has its OUT movement.
            var ledgerSql = $"""
                SELECT count(*)::int AS "Value" FROM "{schema}".stock_batches b
                WHERE b.on_hand < 0 OR b.on_hand <> (SELECT coalesce(sum(m.quantity), 0) FROM "{schema}".stock_movements m WHERE m.batch_id = b.id)
                """;
            var mismatches = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>(ledgerSql).SingleAsync());
            Assert.Equal(0, mismatches);
            var linesSql = $"""
                SELECT count(*)::int AS "Value" FROM "{schema}".dispensing_lines l
                WHERE l.quantity <> -(SELECT coalesce(sum(m.quantity), 0) FROM "{schema}".stock_movements m
                                     WHERE m.document_type = 'DISPENSING' AND m.document_id = l.dispensing_id AND m.batch_id = l.batch_id)
                """;
            var unmatched = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>(linesSql).SingleAsync());
            Assert.Equal(0, unmatched);

            using var pharmacist = await app.SignInAsync($"pharmacist@{slug}.demo", DemoData.Password);
            var worklist = await (await pharmacist.GetAsync("/api/v1/pharmacy/worklist?pageSize=100")).JsonAsync();
            var waiting = worklist["items"]!.AsArray();
            var whySql = $"""
                SELECT p.status || ' ' || coalesce(i.medicine, '') || ' ' || count(*) AS "Value" FROM "{schema}".prescriptions p
                LEFT JOIN "{schema}".prescription_items i ON i.prescription_id = p.id AND i.quantity_dispensed = 0 AND p.status = 'PARTIALLY_DISPENSED'
                GROUP BY p.status, i.medicine
                """;
            var why = await app.WithDbAsync(db => db.Database.SqlQueryRaw<string>(whySql).ToListAsync());
            Assert.True(waiting.Count is >= 8 and <= 20, $"{waiting.Count} waiting: {string.Join("; ", why)}");
            var issuedAt = waiting.Select(w => w!["issuedAt"]!.GetValue<DateTimeOffset>()).ToList();
            Assert.Equal(issuedAt.Order(), issuedAt);

            using var portal = await app.SignInAsync($"patient@{slug}.demo", DemoData.Password);
            var mine = await (await portal.GetAsync("/api/v1/prescriptions?pageSize=50")).ItemsAsync();
            Assert.True(mine.Count >= 3, $"the portal patient of {slug} sees {mine.Count} prescriptions");
            Assert.All(mine, p => Assert.Matches(@"^RX-\d{4}-\d{6}$", p!["code"]!.GetValue<string>()));
            Assert.Contains(mine, p => p!["status"]!.GetValue<string>() == "ISSUED");
            Assert.Contains(mine, p => p!["status"]!.GetValue<string>() == "DISPENSED");
            var me = (await (await portal.GetAsync("/api/v1/auth/me")).JsonAsync())["patientId"]!.GetValue<Guid>();
            var medications = await (await portal.GetAsync($"/api/v1/patients/{me}/medications?pageSize=100")).ItemsAsync();
            Assert.Contains(medications, m => m!["source"]!.GetValue<string>() == "PRESCRIBED" && m!["status"]!.GetValue<string>() == "ACTIVE"
                && m!["prescriptionItemId"] is not null);
        }
    }
}
