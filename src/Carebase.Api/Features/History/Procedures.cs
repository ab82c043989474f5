using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.History;

/// <summary>A procedure planned or done (FHIR Procedure): what, its code, status, date and who performed it.</summary>
public sealed class Procedure : HistoryItem
{
    public static readonly string[] Statuses = ["PLANNED", "DONE", "CANCELLED"];

    public string Name { get; set; } = "";
    public string? Code { get; set; }
    public string Status { get; set; } = "DONE";
    /// <summary>The day it was done (DONE: not in the future) or is planned for.</summary>
    public DateOnly? PerformedOn { get; set; }
    /// <summary>Who performed it, as written (an outside surgeon, another hospital).</summary>
    public string? Performer { get; set; }
    /// <summary>The staff member of this hospital who performed it.</summary>
    public Guid? PerformerId { get; set; }
    public string? Notes { get; set; }

    public override void Check(DateOnly today, FieldErrors errors)
    {
        if (Status == "DONE") NotFuture(errors, "performedOn", PerformedOn, today);
    }
}

sealed class ProcedureConfiguration : IEntityTypeConfiguration<Procedure>
{
    public void Configure(EntityTypeBuilder<Procedure> e)
    {
        e.ToTable("procedures");
        e.Property(p => p.Version).IsConcurrencyToken();
    }
}

public sealed record CreateProcedureRequest(
    [property: Required, MaxLength(200)] string? Name,
    [property: MaxLength(50), Description("A code of the procedure (CPT, SNOMED CT, ICD-10-PCS…), optional.")] string? Code,
    [property: OneOf(typeof(Procedure), nameof(Procedure.Statuses)), Description("DONE when left out.")] string? Status,
    [property: Description("The day it was done (not in the future when DONE) or is planned for.")] DateOnly? PerformedOn,
    [property: MaxLength(200), Description("Who performed it, as free text (someone outside the hospital).")] string? Performer,
    [property: Description("The staff member of this hospital who performed it.")] Guid? PerformerId,
    [property: FreeText, MaxLength(4000)] string? Notes);

/// <summary>Changes to a procedure: fields left out stay, optional fields sent as null are cleared.</summary>
public sealed record UpdateProcedureRequest : PatchRequest
{
    [Required, MaxLength(200)] public string? Name { get; init => field = Sent(value); }
    [MaxLength(50)] public string? Code { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Procedure), nameof(Procedure.Statuses))] public string? Status { get; init => field = Sent(value); }
    public DateOnly? PerformedOn { get; init => field = Sent(value); }
    [MaxLength(200)] public string? Performer { get; init => field = Sent(value); }
    public Guid? PerformerId { get; init => field = Sent(value); }
    [FreeText, MaxLength(4000)] public string? Notes { get; init => field = Sent(value); }
}

public sealed record ProcedureQuery(
    [property: OneOf(typeof(Procedure), nameof(Procedure.Statuses)), Description("Only procedures of this status.")] string? Status,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

public sealed record ProcedureResponse(
    string Name, string? Code, [property: OneOf(typeof(Procedure), nameof(Procedure.Statuses))] string Status, DateOnly? PerformedOn,
    string? Performer, Guid? PerformerId, string? Notes) : HistoryItemResponse;

public sealed class Procedures : HistoryList<Procedure, CreateProcedureRequest, UpdateProcedureRequest, ProcedureQuery, ProcedureResponse>
{
    public static readonly Procedures List = new();

    public override string Segment => "procedures";
    public override string Resource => "PROCEDURE";
    public override string Singular => "Procedure";
    public override string Plural => "Procedures";

    public override ProcedureResponse Map(Procedure p) =>
        new ProcedureResponse(p.Name, p.Code, p.Status, p.PerformedOn, p.Performer, p.PerformerId, p.Notes).Stamped(p);

    public override Procedure Create(CreateProcedureRequest r) => new()
    {
        Name = r.Name!.Trim(), Code = Input.Clean(r.Code), Status = r.Status ?? "DONE", PerformedOn = r.PerformedOn,
        Performer = Input.Clean(r.Performer), PerformerId = r.PerformerId, Notes = Input.Clean(r.Notes),
    };

    public override void Apply(UpdateProcedureRequest r, Procedure p)
    {
        if (r.Has(nameof(r.Name))) p.Name = r.Name!.Trim();
        if (r.Has(nameof(r.Code))) p.Code = Input.Clean(r.Code);
        if (r.Has(nameof(r.Status))) p.Status = r.Status!;
        if (r.Has(nameof(r.PerformedOn))) p.PerformedOn = r.PerformedOn;
        if (r.Has(nameof(r.Performer))) p.Performer = Input.Clean(r.Performer);
        if (r.Has(nameof(r.PerformerId))) p.PerformerId = r.PerformerId;
        if (r.Has(nameof(r.Notes))) p.Notes = Input.Clean(r.Notes);
    }

    public override IQueryable<Procedure> Filter(IQueryable<Procedure> items, ProcedureQuery q) =>
        q.Status is { } status ? items.Where(p => p.Status == status) : items;

    public override IOrderedQueryable<Procedure> Order(IQueryable<Procedure> items) => items.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id);

    /// <summary>A performer named by id is a staff account of this hospital (not a portal patient).</summary>
    public override async Task CheckAsync(Procedure item, CarebaseDb db, Caller caller, FieldErrors errors, CancellationToken ct)
    {
        if (item.PerformerId is not { } performer) return;
        var staff = await db.Database.SqlQuery<Guid>($"""
            SELECT u.id AS "Value" FROM platform.users u WHERE u.id = {performer} AND u.tenant_id = {caller.Tenant} AND u.patient_id IS NULL
            """).AnyAsync(ct);
        if (!staff) errors.Add("performerId", "Must be a staff account of this hospital.");
    }
}
