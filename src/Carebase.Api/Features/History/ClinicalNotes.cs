using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.History;

/// <summary>A clinical note about the patient, possibly written in a visit; a staff-only note never reaches the patient portal.</summary>
public sealed class ClinicalNote : HistoryItem
{
    public const int MaxText = 20000;

    public string? Title { get; set; }
    public string Text { get; set; } = "";
    /// <summary>The visit it was written in (visits will own the reference; no foreign key yet).</summary>
    public Guid? VisitId { get; set; }
    /// <summary>The admission it was written for (an ACTIVE one of the patient when written).</summary>
    public Guid? AdmissionId { get; set; }
    public bool StaffOnly { get; set; }
}

sealed class ClinicalNoteConfiguration : IEntityTypeConfiguration<ClinicalNote>
{
    public void Configure(EntityTypeBuilder<ClinicalNote> e)
    {
        e.ToTable("clinical_notes");
        e.Property(n => n.Version).IsConcurrencyToken();
    }
}

public sealed record CreateClinicalNoteRequest(
    [property: MaxLength(200)] string? Title,
    [property: Required, FreeText, MaxLength(ClinicalNote.MaxText)] string? Text,
    [property: Description("The visit the note belongs to, optional.")] Guid? VisitId,
    [property: Description("true: for staff only, never shown to the patient (false when left out).")] bool? StaffOnly,
    [property: Description("The patient's ACTIVE admission the note is written for, optional (409 admission_not_active once discharged).")]
    Guid? AdmissionId = null);

/// <summary>Changes to a note: fields left out stay; title and visitId sent as null are cleared.</summary>
public sealed record UpdateClinicalNoteRequest : PatchRequest
{
    [MaxLength(200)] public string? Title { get; init => field = Sent(value); }
    [Required, FreeText, MaxLength(ClinicalNote.MaxText)] public string? Text { get; init => field = Sent(value); }
    public Guid? VisitId { get; init => field = Sent(value); }
    public bool? StaffOnly { get; init => field = Sent(value); }
    [Description("The patient's ACTIVE admission the note is written for; null to clear.")] public Guid? AdmissionId { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => NotCleared(errors, (nameof(StaffOnly), StaffOnly));
}

public sealed record ClinicalNoteQuery(
    [property: Description("Only the notes of this visit.")] Guid? VisitId,
    [property: Description("Only the notes of this admission.")] Guid? AdmissionId,
    [property: Description("true: staff-only notes only; false: notes the patient may see (staff only).")] bool? StaffOnly,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

/// <summary>A note; <c>staffOnly</c> is for staff (the portal never sees staff-only notes at all).</summary>
public sealed record ClinicalNoteResponse(string? Title, string Text, Guid? VisitId, [property: StaffOnly] bool StaffOnly, Guid? AdmissionId) : HistoryItemResponse;

public sealed class ClinicalNotes : HistoryList<ClinicalNote, CreateClinicalNoteRequest, UpdateClinicalNoteRequest, ClinicalNoteQuery, ClinicalNoteResponse>
{
    public static readonly ClinicalNotes List = new();

    public override string Segment => "notes";
    public override string Resource => "CLINICAL_NOTE";
    public override string Singular => "Note";
    public override string Plural => "Notes";

    public override ClinicalNoteResponse Map(ClinicalNote n) => new ClinicalNoteResponse(n.Title, n.Text, n.VisitId, n.StaffOnly, n.AdmissionId).Stamped(n);

    public override async Task BeforeSaveAsync(ClinicalNote item, HistoryChange write, CancellationToken ct)
    {
        await EnsureVisitOpenAsync(item, write, ct);
        await EnsureAdmissionActiveAsync(item, write, ct);
    }

    /// <summary>
    /// A note written for an admission is written while it is ACTIVE (409 admission_not_active after discharge); the
    /// admission's row is locked to share, so a discharge waits. Raw SQL: History does not depend on the inpatient area.
    /// </summary>
    static async Task EnsureAdmissionActiveAsync(ClinicalNote note, HistoryChange write, CancellationToken ct)
    {
        if (note.AdmissionId is not { } admissionId) return;
        var status = await write.Db.Database
            .SqlQuery<string>($"SELECT status AS \"Value\" FROM admissions WHERE id = {admissionId} AND patient_id = {note.PatientId} FOR SHARE")
            .SingleOrDefaultAsync(ct) ?? throw new Platform.Errors.ValidationException("admissionId", "No admission of this patient has this id.");
        if (status != "ACTIVE")
            throw new ConflictException("admission_not_active", "The admission is discharged; nothing about it moves any more.");
    }
    public override Task BeforeDeleteAsync(ClinicalNote item, HistoryChange write, CancellationToken ct) => EnsureVisitOpenAsync(item, write, ct);

    /// <summary>A note written in a visit is part of what its doctor signed: once the visit is completed, 409 visit_locked.</summary>
    static async Task EnsureVisitOpenAsync(ClinicalNote note, HistoryChange write, CancellationToken ct)
    {
        if (note.VisitId is not { } visitId) return;
        var status = await write.Db.Database.SqlQuery<string>($"SELECT status AS \"Value\" FROM visits WHERE id = {visitId} AND patient_id = {note.PatientId} FOR SHARE")
            .SingleOrDefaultAsync(ct) ?? throw new Platform.Errors.ValidationException("visitId", "No visit of this patient has this id.");
        if (status == "COMPLETED")
            throw new ConflictException("visit_locked", "The visit is completed and locked; add an addendum (POST /visits/{id}/addenda) instead.");
    }

    public override ClinicalNote Create(CreateClinicalNoteRequest r) => new()
    {
        Title = Input.Clean(r.Title), Text = r.Text!.Trim(), VisitId = r.VisitId, AdmissionId = r.AdmissionId, StaffOnly = r.StaffOnly ?? false,
    };

    public override void Apply(UpdateClinicalNoteRequest r, ClinicalNote n)
    {
        if (r.Has(nameof(r.Title))) n.Title = Input.Clean(r.Title);
        if (r.Has(nameof(r.Text))) n.Text = r.Text!.Trim();
        if (r.Has(nameof(r.VisitId))) n.VisitId = r.VisitId;
        if (r.Has(nameof(r.AdmissionId))) n.AdmissionId = r.AdmissionId;
        if (r.Has(nameof(r.StaffOnly))) n.StaffOnly = r.StaffOnly!.Value;
    }

    public override IQueryable<ClinicalNote> Visible(IQueryable<ClinicalNote> items, Caller caller) =>
        caller.IsPatient ? items.Where(n => !n.StaffOnly) : items;

    public override IQueryable<ClinicalNote> Filter(IQueryable<ClinicalNote> items, ClinicalNoteQuery q)
    {
        if (q.VisitId is { } visit) items = items.Where(n => n.VisitId == visit);
        if (q.AdmissionId is { } admission) items = items.Where(n => n.AdmissionId == admission);
        if (q.StaffOnly is { } staffOnly) items = items.Where(n => n.StaffOnly == staffOnly);
        return items;
    }

    public override IOrderedQueryable<ClinicalNote> Order(IQueryable<ClinicalNote> items) => items.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id);

    /// <summary>The trail records that the text was written or changed and its length, not the clinical text itself.</summary>
    public override Dictionary<string, object?> AuditChanges(Dictionary<string, object?> changes)
    {
        if (changes.TryGetValue("text", out var text))
            changes["text"] = text is string s ? new { length = s.Length } : new { changed = true };
        return changes;
    }
}
