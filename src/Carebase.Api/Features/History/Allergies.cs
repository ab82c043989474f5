using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Features.History;

/// <summary>An allergy or intolerance (FHIR AllergyIntolerance): what, which kind, the reaction and how bad.</summary>
public sealed class Allergy : HistoryItem
{
    public static readonly string[] Categories = ["DRUG", "FOOD", "ENVIRONMENT", "OTHER"];
    public static readonly string[] Severities = ["MILD", "MODERATE", "SEVERE", "LIFE_THREATENING"];
    public static readonly string[] Statuses = ["ACTIVE", "INACTIVE", "RESOLVED"];

    public string Substance { get; set; } = "";
    public string? SubstanceCode { get; set; }
    public string Category { get; set; } = "OTHER";
    public string? Reaction { get; set; }
    public string? Severity { get; set; }
    public string Status { get; set; } = "ACTIVE";
    public DateOnly? OnsetDate { get; set; }

    public bool IsActive => Status == "ACTIVE" && !IsDeleted;

    public override void Check(DateOnly today, FieldErrors errors) => NotFuture(errors, "onsetDate", OnsetDate, today);
}

/// <summary>A "no known allergies" statement (true) or its withdrawal (false); the latest of a patient is in force.</summary>
public sealed class AllergyStatement
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    /// <summary>Assigned by the database on insert, under the patient's lock: the order the statements were made in.</summary>
    public long Seq { get; private set; }
    public Guid PatientId { get; init; }
    public bool NoKnownAllergies { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    public Guid? RecordedBy { get; init; }
}

sealed class AllergyConfiguration : IEntityTypeConfiguration<Allergy>, IEntityTypeConfiguration<AllergyStatement>
{
    public void Configure(EntityTypeBuilder<Allergy> e)
    {
        e.ToTable("allergies");
        e.Property(a => a.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<AllergyStatement> e)
    {
        e.ToTable("allergy_statements");
        e.Property(s => s.Seq).UseIdentityAlwaysColumn();
    }
}

public sealed record CreateAllergyRequest(
    [property: Required, MaxLength(200)] string? Substance,
    [property: MaxLength(50), Description("A code of the substance (RxNorm, SNOMED CT…), optional.")] string? SubstanceCode,
    [property: Required, OneOf(typeof(Allergy), nameof(Allergy.Categories))] string? Category,
    [property: FreeText, MaxLength(1000)] string? Reaction,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Severities))] string? Severity,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Statuses)), Description("ACTIVE when left out.")] string? Status,
    DateOnly? OnsetDate);

/// <summary>Changes to an allergy: fields left out stay, optional fields sent as null are cleared.</summary>
public sealed record UpdateAllergyRequest : PatchRequest
{
    [Required, MaxLength(200)] public string? Substance { get; init => field = Sent(value); }
    [MaxLength(50)] public string? SubstanceCode { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Allergy), nameof(Allergy.Categories))] public string? Category { get; init => field = Sent(value); }
    [FreeText, MaxLength(1000)] public string? Reaction { get; init => field = Sent(value); }
    [OneOf(typeof(Allergy), nameof(Allergy.Severities))] public string? Severity { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Allergy), nameof(Allergy.Statuses))] public string? Status { get; init => field = Sent(value); }
    public DateOnly? OnsetDate { get; init => field = Sent(value); }
}

public sealed record AllergyQuery(
    [property: OneOf(typeof(Allergy), nameof(Allergy.Statuses)), Description("Only allergies of this status.")] string? Status,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Categories)), Description("Only allergies of this category.")] string? Category,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

public sealed record AllergyResponse(
    string Substance, string? SubstanceCode,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Categories))] string Category, string? Reaction,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Severities))] string? Severity,
    [property: OneOf(typeof(Allergy), nameof(Allergy.Statuses))] string Status, DateOnly? OnsetDate) : HistoryItemResponse;

/// <summary>Allergies. Recording (or reactivating) an ACTIVE allergy withdraws a "no known allergies" statement in the same transaction.</summary>
public sealed class Allergies : HistoryList<Allergy, CreateAllergyRequest, UpdateAllergyRequest, AllergyQuery, AllergyResponse>
{
    public static readonly Allergies List = new();

    public override string Segment => "allergies";
    public override string Resource => "ALLERGY";
    public override string Singular => "Allergy";
    public override string Plural => "Allergies";

    public override AllergyResponse Map(Allergy a) =>
        new AllergyResponse(a.Substance, a.SubstanceCode, a.Category, a.Reaction, a.Severity, a.Status, a.OnsetDate).Stamped(a);

    public override Allergy Create(CreateAllergyRequest r) => new()
    {
        Substance = r.Substance!.Trim(), SubstanceCode = Input.Clean(r.SubstanceCode), Category = r.Category!, Reaction = Input.Clean(r.Reaction),
        Severity = r.Severity, Status = r.Status ?? "ACTIVE", OnsetDate = r.OnsetDate,
    };

    public override void Apply(UpdateAllergyRequest r, Allergy a)
    {
        if (r.Has(nameof(r.Substance))) a.Substance = r.Substance!.Trim();
        if (r.Has(nameof(r.SubstanceCode))) a.SubstanceCode = Input.Clean(r.SubstanceCode);
        if (r.Has(nameof(r.Category))) a.Category = r.Category!;
        if (r.Has(nameof(r.Reaction))) a.Reaction = Input.Clean(r.Reaction);
        if (r.Has(nameof(r.Severity))) a.Severity = r.Severity;
        if (r.Has(nameof(r.Status))) a.Status = r.Status!;
        if (r.Has(nameof(r.OnsetDate))) a.OnsetDate = r.OnsetDate;
    }

    public override IQueryable<Allergy> Filter(IQueryable<Allergy> items, AllergyQuery q)
    {
        if (q.Status is { } status) items = items.Where(a => a.Status == status);
        if (q.Category is { } category) items = items.Where(a => a.Category == category);
        return items;
    }

    public override IOrderedQueryable<Allergy> Order(IQueryable<Allergy> items) => items.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id);

    public override Task BeforeSaveAsync(Allergy item, HistoryChange write, CancellationToken ct) =>
        item.IsActive ? AllergyStatements.WithdrawForActiveAllergyAsync(write, item.PatientId, ct) : Task.CompletedTask;
}

/// <summary>Whether the patient's allergies were asked about: <c>status</c> is one of <see cref="AllergyStatements.Statuses"/>.</summary>
public sealed record AllergyStatusResponse(
    [property: OneOf(typeof(AllergyStatements), nameof(AllergyStatements.Statuses))] string Status,
    [property: Description("Active allergies recorded (not deleted).")] int ActiveAllergies,
    [property: Description("When \"no known allergies\" was recorded (NO_KNOWN_ALLERGIES only).")] DateTimeOffset? RecordedAt,
    [property: StaffOnly, Description("Who recorded \"no known allergies\".")] Guid? RecordedBy);

/// <summary><c>noKnownAllergies: true</c> records that the patient was asked and has none; <c>false</c> withdraws that statement.</summary>
public sealed record RecordAllergyStatusRequest([property: Required] bool? NoKnownAllergies);

/// <summary>
/// The allergy status of a patient, distinct from the list: UNKNOWN (never asked, or the statement was withdrawn, and no
/// active allergy), NO_KNOWN_ALLERGIES (recorded, with who and when) or HAS_ALLERGIES (at least one active allergy).
/// "No known allergies" cannot be recorded while an active allergy exists (409 <c>active_allergies</c>); recording an
/// active allergy withdraws it automatically (audited). Both take the patient's row lock so they cannot interleave.
/// </summary>
public sealed class AllergyStatements(CarebaseDb db, Caller caller, AuditLog audit, TimeProvider time)
{
    public static readonly string[] Statuses = ["UNKNOWN", "NO_KNOWN_ALLERGIES", "HAS_ALLERGIES"];

    public static void Map(RouteGroupBuilder record)
    {
        record.MapGet("/allergies/status", GetAllergyStatus).RequirePermission(HistoryRead)
            .WithSummary("Whether the patient's allergies are known: UNKNOWN (never asked), NO_KNOWN_ALLERGIES (recorded, who and when) or HAS_ALLERGIES");
        record.MapPut("/allergies/status", RecordAllergyStatus).RequirePermission(HistoryWrite).ProducesProblem(409)
            .WithSummary("Record \"no known allergies\" (true; 409 while an active allergy exists) or withdraw it (false); recording an active allergy withdraws it too");
    }

    static async Task<Ok<AllergyStatusResponse>> GetAllergyStatus(Guid id, AllergyStatements statements, AuditLog audit, CancellationToken ct)
    {
        var status = await statements.StatusAsync(id, ct);
        await audit.WriteAsync("ALLERGY_STATUS_READ", "PATIENT", id, new { status.Status }, ct: ct);
        return TypedResults.Ok(status);
    }

    static async Task<Ok<AllergyStatusResponse>> RecordAllergyStatus(Guid id, RecordAllergyStatusRequest request, AllergyStatements statements, CancellationToken ct) =>
        TypedResults.Ok(await statements.RecordAsync(id, request.NoKnownAllergies!.Value, ct));

    public async Task<AllergyStatusResponse> StatusAsync(Guid patientId, CancellationToken ct)
    {
        var active = await db.Set<Allergy>().CountAsync(a => a.PatientId == patientId && a.DeletedAt == null && a.Status == "ACTIVE", ct);
        if (active > 0) return new AllergyStatusResponse("HAS_ALLERGIES", active, null, null);
        var latest = await Latest(db, patientId).FirstOrDefaultAsync(ct);
        return latest is { NoKnownAllergies: true }
            ? new AllergyStatusResponse("NO_KNOWN_ALLERGIES", 0, latest.RecordedAt, latest.RecordedBy)
            : new AllergyStatusResponse("UNKNOWN", 0, null, null);
    }

    public async Task<AllergyStatusResponse> RecordAsync(Guid patientId, bool noKnownAllergies, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        await LockPatientAsync(db, patientId, ct);
        var current = await StatusAsync(patientId, ct);
        if (noKnownAllergies && current.ActiveAllergies > 0)
            throw new ConflictException("active_allergies",
                $"The patient has {current.ActiveAllergies} active allerg{(current.ActiveAllergies == 1 ? "y" : "ies")}; mark them inactive or resolved (or delete those recorded in error) first.");
        // Withdrawing a statement that is not in force changes nothing; recording NKA again re-confirms it (who and when).
        if (noKnownAllergies || current.Status == "NO_KNOWN_ALLERGIES")
        {
            db.Add(new AllergyStatement
            {
                PatientId = patientId, NoKnownAllergies = noKnownAllergies, RecordedAt = time.GetUtcNow(), RecordedBy = caller.UserId,
            });
            audit.Record("ALLERGY_STATUS_RECORDED", "PATIENT", patientId, new { noKnownAllergies });
            await db.SaveChangesAsync(ct);
        }
        if (tx is not null) await tx.CommitAsync(ct);
        return await StatusAsync(patientId, ct);
    }

    /// <summary>In the caller's transaction, before an active allergy is saved: withdraws a "no known allergies" statement in force.</summary>
    internal static async Task WithdrawForActiveAllergyAsync(HistoryChange write, Guid patientId, CancellationToken ct)
    {
        await LockPatientAsync(write.Db, patientId, ct);
        if (await Latest(write.Db, patientId).FirstOrDefaultAsync(ct) is not { NoKnownAllergies: true }) return;
        write.Db.Add(new AllergyStatement { PatientId = patientId, NoKnownAllergies = false, RecordedAt = write.Now, RecordedBy = write.Caller.UserId });
        write.Audit.Record("ALLERGY_STATUS_RECORDED", "PATIENT", patientId, new { noKnownAllergies = false, reason = "an active allergy was recorded" });
    }

    static IQueryable<AllergyStatement> Latest(CarebaseDb db, Guid patientId) =>
        db.Set<AllergyStatement>().AsNoTracking().Where(s => s.PatientId == patientId).OrderByDescending(s => s.Seq);

    /// <summary>Serialises allergy-status decisions of one patient (FOR NO KEY UPDATE: reading or referring to the patient is not blocked).</summary>
    static Task LockPatientAsync(CarebaseDb db, Guid patientId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT id FROM patients WHERE id = {patientId} FOR NO KEY UPDATE", ct);
}
