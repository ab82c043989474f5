using System.Globalization;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Labs;

/// <summary>
/// The laboratory's emails, queued in the caller's unit of work (they exist exactly when the change commits): a critical
/// value to the ordering doctor, and "your results are ready" to a patient with a portal account. The patient's mail
/// carries no values: they read them after signing in.
/// </summary>
public sealed class LabNotifications(CarebaseDb db, Outbox outbox, IConfiguration config)
{
    string PublicUrl => config.PublicUrl();

    public async Task CriticalAsync(LabOrder order, IReadOnlyList<(LabOrderItem Item, LabResult Result)> critical, CancellationToken ct)
    {
        var doctor = await (from d in db.Set<Doctor>() where d.Id == order.DoctorId
                            join u in db.Users on d.UserId equals u.Id
                            select new { u.Email, u.FirstName, u.LastName }).SingleOrDefaultAsync(ct);
        if (doctor?.Email is not { Length: > 0 } to) return;
        var patient = await db.Set<Patient>().Where(p => p.Id == order.PatientId).Select(p => new { p.PatientCode, p.FirstName, p.LastName }).SingleAsync(ct);
        var lines = critical.Select(c => $"- {c.Item.TestName} ({c.Item.TestCode}): {c.Result.ValueNumeric?.ToString(CultureInfo.InvariantCulture)} {c.Result.Unit} "
            + $"— {string.Join(", ", c.Result.Flags)} (critical limits {Limit(c.Result.CriticalLow)} / {Limit(c.Result.CriticalHigh)})");
        outbox.Email("lab-critical-result", to, $"CRITICAL lab result for {patient.PatientCode}", $"""
            Dr {doctor.LastName},

            A critical value was entered for your patient {patient.FirstName} {patient.LastName} ({patient.PatientCode}):
            {string.Join("\n", lines)}

            Order: {PublicUrl}/lab-orders/{order.Id}
            The result is not verified yet; act on it as your hospital's critical-value policy says.
            """);
    }

    static string Limit(decimal? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "none";

    public async Task ResultsReadyAsync(LabOrder order, CancellationToken ct)
    {
        var account = await db.Users.Where(u => u.PatientId == order.PatientId && u.Email != null)
            .Select(u => new { u.Email, u.FirstName }).FirstOrDefaultAsync(ct);
        if (account is null) return;
        outbox.Email("lab-result-ready", account.Email!, "Your lab results are ready", $"""
            Hello {account.FirstName},

            Results of tests ordered for you are ready. Sign in to see them:
            {PublicUrl}/lab-orders/{order.Id}
            """);
    }
}
