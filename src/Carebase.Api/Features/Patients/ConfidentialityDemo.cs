using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Patients;

/// <summary>
/// Demo confidentiality: five confidential patients (a staff member, a public figure, sensitive cases), the demo nurse on
/// the care team of two of them, and two past break-glass accesses by the demo doctor — one reviewed, one awaiting the
/// admin's review — so the report has something to show.
/// </summary>
public static class ConfidentialityDemo
{
    public static readonly string[] FreshenStatements =
    [
        "UPDATE care_team_members SET added_at = added_at + $1",
        "UPDATE break_glass_grants SET granted_at = granted_at + $1, expires_at = expires_at + $1, reviewed_at = reviewed_at + $1",
    ];

    /// <summary>Runs in the seeding transaction, after patients and staff exist (<paramref name="exceptPatient"/>: the portal patient's record).</summary>
    public static async Task SeedAsync(CarebaseDb db, string slug, Guid exceptPatient, DateTimeOffset now, CancellationToken ct)
    {
        var patients = await db.Set<Patient>().Where(p => p.Id != exceptPatient && p.DeletedAt == null)
            .OrderBy(p => p.PatientCode).Skip(20).Take(5).ToListAsync(ct);
        foreach (var p in patients) p.Confidential = true;
        var nurse = await StaffIdAsync(db, $"nurse@{slug}.demo", ct);
        var doctor = await StaffIdAsync(db, $"doctor@{slug}.demo", ct);
        var admin = await StaffIdAsync(db, $"admin@{slug}.demo", ct);
        foreach (var p in patients.Take(2))
            db.Add(new CareTeamMember { PatientId = p.Id, UserId = nurse, Role = "NURSE", AddedAt = now.AddDays(-20), AddedBy = admin });
        var reviewed = new BreakGlassGrant
        {
            PatientId = patients[3].Id, UserId = doctor, Reason = "Brought in unconscious overnight; needed allergies and medications",
            GrantedAt = now.AddDays(-6), ExpiresAt = now.AddDays(-6).AddMinutes(60),
        };
        reviewed.Review(admin, "Justified: emergency admission, checked with the night duty roster.", now.AddDays(-5));
        db.Add(reviewed);
        db.Add(new BreakGlassGrant
        {
            PatientId = patients[4].Id, UserId = doctor, Reason = "Covering for a colleague; patient called about a lab result",
            GrantedAt = now.AddDays(-1), ExpiresAt = now.AddDays(-1).AddMinutes(60),
        });
        await db.SaveChangesAsync(ct);
    }

    static Task<Guid> StaffIdAsync(CarebaseDb db, string email, CancellationToken ct) =>
        db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM platform.users WHERE normalized_email = {email.ToUpperInvariant()}").SingleAsync(ct);
}
