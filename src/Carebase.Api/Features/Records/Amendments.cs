using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Patients;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Carebase.Api.Platform.Auth.Permissions;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

namespace Carebase.Api.Features.Records;

/// <summary>A request to correct an item of a patient's record, and what became of it.</summary>
public sealed class Amendment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid PatientId { get; init; }
    public string TargetType { get; init; } = "";
    public Guid TargetId { get; init; }
    public string Text { get; init; } = "";
    public string Status { get; private set; } = "REQUESTED";
    public DateTimeOffset RequestedAt { get; init; }
    public Guid? RequestedBy { get; init; }
    public DateTimeOffset? DecidedAt { get; private set; }
    public Guid? DecidedBy { get; private set; }
    public string? RefusalReason { get; private set; }
    public Guid? CorrectionNoteId { get; private set; }
    public int Version { get; private set; } = 1;

    public void Accept(Guid noteId, Guid by, DateTimeOffset now) => Decide("ACCEPTED", by, now, () => CorrectionNoteId = noteId);
    public void Refuse(string reason, Guid by, DateTimeOffset now) => Decide("REFUSED", by, now, () => RefusalReason = reason);

    void Decide(string status, Guid by, DateTimeOffset now, Action apply)
    {
        if (Status != "REQUESTED") throw new ConflictException("already_decided", $"The amendment was already {Status.ToLowerInvariant()}.");
        (Status, DecidedAt, DecidedBy) = (status, now, by);
        apply();
        Version++;
    }
}

sealed class AmendmentConfiguration : IEntityTypeConfiguration<Amendment>
{
    public void Configure(EntityTypeBuilder<Amendment> e)
    {
        e.ToTable("amendments");
        e.Property(a => a.Version).IsConcurrencyToken();
        e.HasOne<ClinicalNote>().WithMany().HasForeignKey(a => a.CorrectionNoteId); // so the note is inserted first
    }
}

public sealed record AmendmentTarget(
    [property: Required, OneOf(typeof(Amendments), nameof(Amendments.TargetTypes))] string? Type,
    [property: Required] Guid? Id);

public sealed record RequestAmendmentRequest(
    [property: Required] AmendmentTarget? Target,
    [property: Required, FreeText, MaxLength(4000), Description("What is wrong and what it should say.")] string? Text);

public sealed record AcceptAmendmentRequest(
    [property: FreeText, MaxLength(4000), Description("The correction as it will be appended (the requested text when left out).")] string? Correction);

public sealed record RefuseAmendmentRequest([property: Required, FreeText, MaxLength(2000)] string? Reason);

public sealed record AmendmentQuery(
    [property: OneOf(typeof(Amendments), nameof(Amendments.Statuses)), Description("Only amendments in this status.")] string? Status,
    int? Page, int? PageSize) : IPageQuery;

/// <summary>An amendment: the item it is about, the request, and the decision (the appended correction note when accepted).</summary>
public sealed record AmendmentResponse(Guid Id, Guid PatientId,
    [property: OneOf(typeof(Amendments), nameof(Amendments.TargetTypes))] string TargetType, Guid TargetId, string Text,
    [property: OneOf(typeof(Amendments), nameof(Amendments.Statuses))] string Status, DateTimeOffset RequestedAt, [property: StaffOnly] Guid? RequestedBy,
    DateTimeOffset? DecidedAt, [property: StaffOnly] Guid? DecidedBy, string? RefusalReason, Guid? CorrectionNoteId, int Version)
{
    public static AmendmentResponse From(Amendment a) => new(a.Id, a.PatientId, a.TargetType, a.TargetId, a.Text, a.Status, a.RequestedAt,
        a.RequestedBy, a.DecidedAt, a.DecidedBy, a.RefusalReason, a.CorrectionNoteId, a.Version);
}

/// <summary>
/// Amendments of the record. A patient (portal) or staff on their behalf asks; staff with history:write accept (the
/// correction is appended as a clinical note that names the item and the request; the item itself stays as it was) or
/// refuse with a reason. The patient sees their requests and what became of them.
/// </summary>
public static class Amendments
{
    public static readonly string[] Statuses = ["REQUESTED", "ACCEPTED", "REFUSED"];

    /// <summary>What an amendment can be about, and the table that holds it (each with patient_id).</summary>
    static readonly Dictionary<string, string> Tables = new()
    {
        ["VISIT"] = "visits", ["VITALS"] = "vitals", ["DIAGNOSIS"] = "visit_diagnoses", ["ALLERGY"] = "allergies", ["CONDITION"] = "conditions",
        ["MEDICATION"] = "medications", ["IMMUNIZATION"] = "immunizations", ["PROCEDURE"] = "procedures", ["NOTE"] = "clinical_notes",
        ["DOCUMENT"] = "documents",
    };

    public static readonly string[] TargetTypes = [.. Tables.Keys];

    public static RouteGroupBuilder MapAmendments(this RouteGroupBuilder api)
    {
        var record = PatientAccess.MapPatientRoutes(api, "Amendments").AddEndpointFilter<ValidationFilter>();
        record.MapPost("/amendments", Request).RequirePermission(PatientsWrite)
            .WithSummary("Ask for a correction of an item of the record (a patient for themselves, or staff on their behalf)");
        record.MapGet("/amendments", List).RequirePermission(HistoryRead).WithSummary("The patient's amendment requests and their outcome");
        var g = api.MapGroup("/amendments").WithTags("Amendments").AddEndpointFilter<ValidationFilter>();
        g.MapPost("/{id:guid}/accept", Accept).RequirePermission(HistoryWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Accept: the correction is appended as a note linked to the request; the original stays visible");
        g.MapPost("/{id:guid}/refuse", Refuse).RequirePermission(HistoryWrite).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Refuse with a reason (kept and shown to the patient)");
        return api;
    }

    static async Task<Created<AmendmentResponse>> Request(Guid id, RequestAmendmentRequest request, CarebaseDb db, Caller caller, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        var (type, targetId) = (request.Target!.Type!, request.Target.Id!.Value);
        // The table name comes from the fixed map above (the type was checked against it), never from the client.
        var sql = "SELECT 1 AS \"Value\" FROM " + Tables[type] + " WHERE id = {0} AND patient_id = {1}";
        var exists = await db.Database.SqlQueryRaw<int>(sql, targetId, id).AnyAsync(ct);
        if (!exists) throw new ValidationException("target.id", $"No {type.ToLowerInvariant()} of this patient has this id.");
        var amendment = new Amendment
        {
            PatientId = id, TargetType = type, TargetId = targetId, Text = request.Text!.Trim(), RequestedAt = time.GetUtcNow(), RequestedBy = caller.UserId,
        };
        db.Add(amendment);
        audit.Record("AMENDMENT_REQUESTED", "PATIENT", id, new { amendmentId = amendment.Id, type, targetId });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/patients/{id}/amendments", AmendmentResponse.From(amendment));
    }

    static async Task<Ok<Paged<AmendmentResponse>>> List(Guid id, [AsParameters] AmendmentQuery query, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        var rows = db.Set<Amendment>().AsNoTracking().Where(a => a.PatientId == id);
        if (query.Status is { } status) rows = rows.Where(a => a.Status == status);
        var page = await rows.OrderByDescending(a => a.RequestedAt).ThenBy(a => a.Id).ToPagedAsync(query, AmendmentResponse.From, ct);
        await audit.WriteAsync("AMENDMENT_LISTED", "PATIENT", id, new { returned = page.Items.Select(a => a.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Ok<AmendmentResponse>> Accept(Guid id, AcceptAmendmentRequest request, CarebaseDb db, PatientAccess access, MedicalHistory history,
        Caller caller, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var amendment = await FindAsync(id, db, access, ct);
        var correction = Input.Clean(request.Correction) ?? amendment.Text;
        var note = history.AddNote(amendment.PatientId, null, $"Correction of a {amendment.TargetType.ToLowerInvariant()}",
            $"Amendment {amendment.Id} of {amendment.TargetType} {amendment.TargetId}, requested {amendment.RequestedAt:u}:\n{correction}", staffOnly: false);
        amendment.Accept(note.Id, caller.UserId, time.GetUtcNow());
        audit.Record("AMENDMENT_ACCEPTED", "PATIENT", amendment.PatientId, new { amendmentId = id, correctionNoteId = note.Id });
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(AmendmentResponse.From(amendment));
    }

    static async Task<Ok<AmendmentResponse>> Refuse(Guid id, RefuseAmendmentRequest request, CarebaseDb db, PatientAccess access, Caller caller,
        AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var amendment = await FindAsync(id, db, access, ct);
        amendment.Refuse(request.Reason!.Trim(), caller.UserId, time.GetUtcNow());
        audit.Record("AMENDMENT_REFUSED", "PATIENT", amendment.PatientId, new { amendmentId = id });
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(AmendmentResponse.From(amendment));
    }

    /// <summary>The amendment, after the patient gate (404 elsewhere, 403 for a confidential patient outside the team).</summary>
    static async Task<Amendment> FindAsync(Guid id, CarebaseDb db, PatientAccess access, CancellationToken ct)
    {
        var amendment = await db.Set<Amendment>().SingleOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException("The amendment");
        await access.FindAsync(amendment.PatientId, ct);
        return amendment;
    }
}
