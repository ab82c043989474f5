using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Documents;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Visits;
using Carebase.Api.Features.Queue;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Features.Staff;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Demo;

/// <summary>
/// The demo hospitals: <c>general</c> and <c>sunrise</c>, each with one account per system role
/// (<c>admin@</c>, <c>doctor@</c>, <c>nurse@</c>, <c>reception@</c>, <c>pharmacist@</c>, <c>lab@</c>,
/// <c>patient@&lt;slug&gt;.demo</c>), and the platform's <c>superadmin@carebase.demo</c>. Every demo
/// password is <see cref="Password"/>; demo accounts are not forced to change it.
/// </summary>
public sealed class DemoData(IServiceProvider services, TimeProvider time, ILogger<DemoData> logger)
{
    public const string Password = "Carebase!Demo2026";
    public const string SuperAdminEmail = "superadmin@carebase.demo";

    public static readonly (string Slug, string Name, string Timezone, string Currency)[] Hospitals =
    [
        ("general", "General Hospital", "America/New_York", "USD"),
        ("sunrise", "Sunrise Clinic", "Asia/Kolkata", "INR"),
    ];

    static readonly (string Local, string First, string Last, string Role)[] Staff =
    [
        ("doctor", "Grace", "Okafor", SystemRoles.Doctor),
        ("nurse", "Liam", "Nguyen", SystemRoles.Nurse),
        ("reception", "Sofia", "Martinez", SystemRoles.Receptionist),
        ("pharmacist", "Arjun", "Mehta", SystemRoles.Pharmacist),
        ("lab", "Hana", "Kim", SystemRoles.LabTechnician),
        ("patient", "Amara", "Diallo", SystemRoles.Patient),
    ];

    static readonly (string Name, string Code, bool PatientFacing)[] Departments =
    [
        ("General Medicine", "GM", true), ("Pediatrics", "PED", true), ("Cardiology", "CAR", true),
        ("Orthopedics", "ORT", true), ("Dermatology", "DER", true), ("Gynecology", "GYN", true),
        ("Laboratory", "LAB", false), ("Pharmacy", "PHA", false),
    ];

    /// <summary>
    /// Doctor profiles: <c>doctor@</c> (from <see cref="Staff"/>) and more doctors with accounts that are
    /// not among the advertised demo logins. Fees are in the hospital's currency (USD, INR).
    /// </summary>
    static readonly (string Local, string First, string Last, string Specialization, string Department, int Years, decimal FeeUsd, decimal FeeInr, string Bio)[] Doctors =
    [
        ("doctor", "Grace", "Okafor", "General Medicine", "GM", 14, 120m, 700m,
            "Family physician; chronic disease care for diabetes and hypertension."),
        ("samuel.mensah", "Samuel", "Mensah", "General Medicine", "GM", 4, 90m, 500m,
            "Acute illness, travel medicine and preventive check-ups."),
        ("rahul.verma", "Rahul", "Verma", "Pediatrics", "PED", 9, 110m, 600m,
            "Newborn care, childhood vaccinations and growth monitoring."),
        ("elena.petrova", "Elena", "Petrova", "Cardiology", "CAR", 21, 250m, 1500m,
            "Interventional cardiologist; heart failure and arrhythmia clinics."),
        ("tomas.herrera", "Tomás", "Herrera", "Orthopedics", "ORT", 16, 200m, 1200m,
            "Sports injuries, joint replacement and fracture follow-up."),
        ("aiko.tanaka", "Aiko", "Tanaka", "Dermatology", "DER", 7, 150m, 900m,
            "Eczema, acne and skin cancer screening."),
        ("fatima.alsayed", "Fatima", "Al-Sayed", "Gynecology", "GYN", 18, 180m, 1000m,
            "Antenatal care, high-risk pregnancies and menopause care."),
    ];

    public async Task<bool> IsSeededAsync(CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CarebaseDb>();
        return await db.Set<Tenant>().AnyAsync(t => t.IsDemo, ct);
    }

    /// <summary>Creates whatever of the demo data is missing (idempotent).</summary>
    public async Task SeedAsync(CancellationToken ct)
    {
        await SeedSuperAdminAsync(SuperAdminEmail, Password, "Platform", "Admin", ct);
        foreach (var h in Hospitals) await SeedHospitalAsync(h.Slug, h.Name, h.Timezone, h.Currency, ct);
        logger.LogInformation("Demo data is in place");
    }

    /// <summary>
    /// Creates the platform super admin <paramref name="email"/> if there is none. An existing super admin is left as
    /// it is, or with <paramref name="resetPassword"/> gets <paramref name="password"/> (lockout lifted, sessions
    /// ended). An email that belongs to a hospital's account is refused: a super admin needs an account of its own.
    /// </summary>
    public async Task<(SuperAdminChange Change, Guid UserId)> SeedSuperAdminAsync(string email, string password, string firstName, string lastName,
        CancellationToken ct, bool resetPassword = false)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<User>>();
        var existing = await users.FindByEmailAsync(email.Trim());
        if (existing is null)
        {
            var created = await sp.GetRequiredService<UserAccounts>().CreateAsync(null, firstName, lastName, email, password,
                mustChangePassword: false, emailConfirmed: true, passwordField: "password", ct, superAdmin: true);
            return (SuperAdminChange.Created, created.Id);
        }
        if (!existing.IsSuperAdmin)
            throw new ConflictException("email_taken", $"{existing.Email} is the account of a hospital user; a super admin needs an email of its own.");
        if (!resetPassword) return (SuperAdminChange.Unchanged, existing.Id);

        var db = sp.GetRequiredService<CarebaseDb>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var token = await users.GeneratePasswordResetTokenAsync(existing);
        UserAccounts.ThrowIfFailed(await users.ResetPasswordAsync(existing, token, password), "password");
        existing.MustChangePassword = false;
        existing.PasswordChangedAt = time.GetUtcNow();
        existing.Touch(existing.PasswordChangedAt.Value);
        existing.LockoutEnd = null;
        existing.AccessFailedCount = 0;
        sp.GetRequiredService<PasswordPolicy>().Remember(existing);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await sp.GetRequiredService<SessionStore>().RevokeAllAsync(existing.Id, "password-reset", ct);
        return (SuperAdminChange.PasswordReset, existing.Id);
    }

    async Task SeedHospitalAsync(string slug, string name, string timezone, string currency, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CarebaseDb>();
        if (await db.Set<Tenant>().AnyAsync(t => t.Slug == slug, ct)) return;
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var tenant = Tenant.CreateActive(slug, name, timezone, currency, demo: true, now);
        tenant.ContactEmail = $"admin@{slug}.demo";
        var provisioning = sp.GetRequiredService<TenantProvisioning>();
        await provisioning.CreateAsync(tenant, new NewAdmin("Alex", "Admin", $"admin@{slug}.demo", Password, EmailConfirmed: true), ct);

        var departments = Departments.ToDictionary(d => d.Code,
            d => new Department { Name = d.Name, Code = d.Code, IsPatientFacing = d.PatientFacing, CreatedAt = now, UpdatedAt = now });
        db.AddRange(departments.Values);
        var roles = await db.Set<Role>().Where(r => r.IsSystem).ToDictionaryAsync(r => r.Name, r => r.Id, ct);
        var accounts = new Dictionary<string, Guid>();
        var extraDoctors = Doctors.Where(d => Staff.All(s => s.Local != d.Local)).Select(d => (d.Local, d.First, d.Last, Role: SystemRoles.Doctor));
        foreach (var s in Staff.Concat(extraDoctors))
        {
            var user = await sp.GetRequiredService<UserAccounts>().CreateAsync(tenant.Id, s.First, s.Last, $"{s.Local}@{slug}.demo", Password,
                mustChangePassword: false, emailConfirmed: true, passwordField: "password", ct);
            db.Add(new UserRole { UserId = user.Id, RoleId = roles[s.Role] });
            accounts[s.Local] = user.Id;
        }
        await db.SaveChangesAsync(ct);

        // Profiles after their accounts and departments exist (the model knows no navigation to order inserts by).
        foreach (var (d, i) in Doctors.Select((d, i) => (d, i)))
        {
            var doctor = Doctor.Create(accounts[d.Local], null, now);
            doctor.Specialization = d.Specialization;
            doctor.LicenseNumber = $"{slug.ToUpperInvariant()}-MD-{1001 + i}";
            doctor.YearsOfExperience = d.Years;
            doctor.ConsultationFee = currency == "INR" ? d.FeeInr : d.FeeUsd;
            doctor.Bio = d.Bio;
            doctor.DepartmentId = departments[d.Department].Id;
            db.Add(doctor);
        }
        await db.SaveChangesAsync(ct);
        var portalPatient = await SeedPatientsAsync(sp, slug, ct);
        // Scheduling before the queue: today's checked-in appointments get their tokens.
        await SchedulingDemo.SeedAsync(db, timezone, time, slug, ct);
        await QueueDemo.SeedAsync(db, timezone, now, ct);
        await VisitsDemo.SeedAsync(db, portalPatient, now, ct);
        await BillingDemo.SeedAsync(db, slug, portalPatient, currency, TimeZoneInfo.FindSystemTimeZoneById(timezone), ct);
        await ConfidentialityDemo.SeedAsync(db, slug, portalPatient, now, ct);
        await HistoryDemo.SeedAsync(db, slug, portalPatient, now, ct);
        await DocumentsDemo.SeedAsync(db, sp.GetRequiredService<Platform.Files.DocumentStorage>().Current, slug, portalPatient, now, ct);
        await PharmacyDemo.SeedAsync(db, slug, timezone, currency, now, ct);
        // After the visits and the pharmacy: prescriptions for visits, dispensed from the demo batches.
        await Prescriptions.PrescriptionsDemo.SeedAsync(db, slug, timezone, portalPatient, now, ct);
        await Labs.LabsDemo.SeedAsync(db, slug, currency, portalPatient, now, ct);
        await Admissions.AdmissionsDemo.SeedAsync(db, currency, portalPatient, now, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Seeded demo hospital {Slug}", slug);
    }

    /// <summary>
    /// 160 patients of varied cultures and ages, and a few near-duplicates (a typo, a missing accent,
    /// another phone format) registered deliberately, so duplicate search and merge have something to find.
    /// The demo patient account is linked to the first of them (its id is returned).
    /// </summary>
    async Task<Guid> SeedPatientsAsync(IServiceProvider sp, string slug, CancellationToken ct)
    {
        var db = sp.GetRequiredService<CarebaseDb>();
        var registration = sp.GetRequiredService<PatientRegistration>();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var people = DemoPeople.Generate(seed: slug.Aggregate(17, (h, c) => h * 31 + c), 160, today).ToList();
        Patient? first = null;
        foreach (var p in people)
        {
            var patient = await registration.RegisterAsync(Request(p) with { AllowDuplicate = true, DuplicateReason = "demo data" }, ct);
            first ??= patient;
        }
        foreach (var p in people.Take(4))
        {
            var near = p with
            {
                FirstName = p.FirstName.Length > 3 ? p.FirstName[..^2] + p.FirstName[^1] + p.FirstName[^2] : p.FirstName,
                LastName = new string(p.LastName.Normalize(System.Text.NormalizationForm.FormD).Where(ch => ch is < '\u0300' or > '\u036f').ToArray()),
                Phone = new string(p.Phone.Where(char.IsDigit).ToArray()), NationalId = "", Email = "",
            };
            await registration.RegisterAsync(Request(near) with { AllowDuplicate = true, DuplicateReason = "demo: near-duplicate to merge" }, ct);
        }
        var portal = await db.Users.SingleAsync(u => u.NormalizedEmail == $"PATIENT@{slug.ToUpperInvariant()}.DEMO", ct);
        portal.PatientId = first!.Id;
        portal.FirstName = first.FirstName;
        portal.LastName = first.LastName;
        await db.SaveChangesAsync(ct);
        return first.Id;
    }

    static RegisterPatientRequest Request(DemoPerson p) => new()
    {
        FirstName = p.FirstName, LastName = p.LastName, DateOfBirth = p.DateOfBirth, Gender = p.Gender, Phone = p.Phone,
        Email = p.Email.Length == 0 ? null : p.Email, City = p.City, State = p.State, Country = p.Country, BloodType = p.BloodType,
        InsuranceType = p.InsuranceType, MaritalStatus = p.MaritalStatus, PatientType = p.PatientType,
        NationalId = p.NationalId.Length == 0 ? null : p.NationalId, Occupation = p.Occupation, ConsentSms = true, ConsentEmail = true,
    };

    /// <summary>
    /// Moves every dated demo record forward by <paramref name="days"/>, keeping relations, with the
    /// statements of every feature that keeps dated rows (<see cref="FreshenStatements"/>).
    /// </summary>
    public async Task<int> FreshenAsync(int days, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var ds = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await ds.OpenConnectionAsync(ct);
        var schemas = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT schema_name FROM platform.tenants WHERE is_demo", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) schemas.Add(r.GetString(0));
        var changed = 0;
        foreach (var schema in schemas)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using (var path = new NpgsqlCommand($"SET LOCAL search_path TO {MigrationRunner.Quote(schema)}, public", conn, tx))
                await path.ExecuteNonQueryAsync(ct);
            foreach (var sql in FreshenStatements)
            {
                await using var cmd = new NpgsqlCommand(sql, conn, tx);
                cmd.Parameters.AddWithValue(TimeSpan.FromDays(days));
                changed += await cmd.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        return changed;
    }

    /// <summary>Per-table date shifts ($1 is the interval). Staff, departments and doctor profiles carry no clinical dates.</summary>
    static readonly string[] FreshenStatements =
        [.. SchedulingDemo.FreshenStatements, .. QueueDemo.FreshenStatements, .. VisitsDemo.FreshenStatements, .. ConfidentialityDemo.FreshenStatements,
         .. HistoryDemo.FreshenStatements, .. DocumentsDemo.FreshenStatements, .. PharmacyDemo.FreshenStatements, .. Prescriptions.PrescriptionsDemo.FreshenStatements,
         .. Labs.LabsDemo.FreshenStatements, .. BillingDemo.FreshenStatements, .. Admissions.AdmissionsDemo.FreshenStatements];

    /// <summary>Deletes the demo hospitals (schemas, accounts, messages) and seeds them again.</summary>
    public async Task ResetAsync(CancellationToken ct)
    {
        using (var scope = services.CreateScope())
        {
            var ds = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>();
            await using var conn = await ds.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var schemas = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT schema_name FROM platform.tenants WHERE is_demo", conn, tx))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct)) schemas.Add(r.GetString(0));
            foreach (var schema in schemas)
            {
                await using var drop = new NpgsqlCommand($"DROP SCHEMA {MigrationRunner.Quote(schema)} CASCADE", conn, tx);
                await drop.ExecuteNonQueryAsync(ct);
            }
            await using (var cmd = new NpgsqlCommand("""
                DELETE FROM platform.schema_migrations WHERE scope IN (SELECT schema_name FROM platform.tenants WHERE is_demo);
                DELETE FROM platform.outbox_messages WHERE tenant_id IN (SELECT id FROM platform.tenants WHERE is_demo);
                DELETE FROM platform.users WHERE tenant_id IN (SELECT id FROM platform.tenants WHERE is_demo);
                DELETE FROM platform.tenants WHERE is_demo;
                """, conn, tx))
                await cmd.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            foreach (var schema in schemas)
                Platform.Files.DiskDocumentStore.ForgetTenant(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IHostEnvironment>(), schema);
        }
        services.GetRequiredService<SessionStore>().ForgetAll();
        await SeedAsync(ct);
    }
}

/// <summary>What <see cref="DemoData.SeedSuperAdminAsync"/> did.</summary>
public enum SuperAdminChange { Created, Unchanged, PasswordReset }
