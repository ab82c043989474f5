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

/// <summary>A vaccine dose given (FHIR Immunization): which, which dose, when, lot and site, and when the next is due.</summary>
public sealed class Immunization : HistoryItem
{
    public string Vaccine { get; set; } = "";
    public string? VaccineCode { get; set; }
    public int? DoseNumber { get; set; }
    public DateOnly DateGiven { get; set; }
    public string? LotNumber { get; set; }
    public string? Site { get; set; }
    public DateOnly? NextDueDate { get; set; }
    public string? Notes { get; set; }

    public override void Check(DateOnly today, FieldErrors errors)
    {
        NotFuture(errors, "dateGiven", DateGiven, today);
        if (NextDueDate is { } due && due <= DateGiven) errors.Add("nextDueDate", "Must be after dateGiven.");
    }
}

sealed class ImmunizationConfiguration : IEntityTypeConfiguration<Immunization>
{
    public void Configure(EntityTypeBuilder<Immunization> e)
    {
        e.ToTable("immunizations");
        e.Property(i => i.Version).IsConcurrencyToken();
    }
}

public sealed record CreateImmunizationRequest(
    [property: Required, MaxLength(200)] string? Vaccine,
    [property: MaxLength(50), Description("A code of the vaccine (CVX…), optional.")] string? VaccineCode,
    [property: Range(1, 20)] int? DoseNumber,
    [property: Required, Description("The day the dose was given (not in the future).")] DateOnly? DateGiven,
    [property: MaxLength(50)] string? LotNumber,
    [property: MaxLength(100), Description("Where it was given (left deltoid…).")] string? Site,
    [property: Description("When the next dose is due (after dateGiven).")] DateOnly? NextDueDate,
    [property: FreeText, MaxLength(2000)] string? Notes);

/// <summary>Changes to an immunization: fields left out stay, optional fields sent as null are cleared.</summary>
public sealed record UpdateImmunizationRequest : PatchRequest
{
    [Required, MaxLength(200)] public string? Vaccine { get; init => field = Sent(value); }
    [MaxLength(50)] public string? VaccineCode { get; init => field = Sent(value); }
    [Range(1, 20)] public int? DoseNumber { get; init => field = Sent(value); }
    public DateOnly? DateGiven { get; init => field = Sent(value); }
    [MaxLength(50)] public string? LotNumber { get; init => field = Sent(value); }
    [MaxLength(100)] public string? Site { get; init => field = Sent(value); }
    public DateOnly? NextDueDate { get; init => field = Sent(value); }
    [FreeText, MaxLength(2000)] public string? Notes { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => NotCleared(errors, (nameof(DateGiven), DateGiven));
}

public sealed record ImmunizationQuery(
    [property: MaxLength(200), Description("Only doses of this vaccine (case-insensitive).")] string? Vaccine,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

/// <summary>Query of the due list: doses due within <c>days</c> days from today (overdue ones included).</summary>
public sealed record ImmunizationDueQuery(
    [property: Range(1, 3650), Description("Due within this many days from today (1 to 3650, 30 by default); overdue doses are included.")] int? Days,
    int? Page, int? PageSize) : IPageQuery;

public sealed record ImmunizationResponse(
    string Vaccine, string? VaccineCode, int? DoseNumber, DateOnly DateGiven, string? LotNumber, string? Site, DateOnly? NextDueDate,
    string? Notes) : HistoryItemResponse;

public sealed class Immunizations : HistoryList<Immunization, CreateImmunizationRequest, UpdateImmunizationRequest, ImmunizationQuery, ImmunizationResponse>
{
    public static readonly Immunizations List = new();

    public override string Segment => "immunizations";
    public override string Resource => "IMMUNIZATION";
    public override string Singular => "Immunization";
    public override string Plural => "Immunizations";

    public override ImmunizationResponse Map(Immunization i) =>
        new ImmunizationResponse(i.Vaccine, i.VaccineCode, i.DoseNumber, i.DateGiven, i.LotNumber, i.Site, i.NextDueDate, i.Notes).Stamped(i);

    public override Immunization Create(CreateImmunizationRequest r) => new()
    {
        Vaccine = r.Vaccine!.Trim(), VaccineCode = Input.Clean(r.VaccineCode), DoseNumber = r.DoseNumber, DateGiven = r.DateGiven!.Value,
        LotNumber = Input.Clean(r.LotNumber), Site = Input.Clean(r.Site), NextDueDate = r.NextDueDate, Notes = Input.Clean(r.Notes),
    };

    public override void Apply(UpdateImmunizationRequest r, Immunization i)
    {
        if (r.Has(nameof(r.Vaccine))) i.Vaccine = r.Vaccine!.Trim();
        if (r.Has(nameof(r.VaccineCode))) i.VaccineCode = Input.Clean(r.VaccineCode);
        if (r.Has(nameof(r.DoseNumber))) i.DoseNumber = r.DoseNumber;
        if (r.Has(nameof(r.DateGiven))) i.DateGiven = r.DateGiven!.Value;
        if (r.Has(nameof(r.LotNumber))) i.LotNumber = Input.Clean(r.LotNumber);
        if (r.Has(nameof(r.Site))) i.Site = Input.Clean(r.Site);
        if (r.Has(nameof(r.NextDueDate))) i.NextDueDate = r.NextDueDate;
        if (r.Has(nameof(r.Notes))) i.Notes = Input.Clean(r.Notes);
    }

    public override IQueryable<Immunization> Filter(IQueryable<Immunization> items, ImmunizationQuery q)
    {
        if (Input.Clean(q.Vaccine) is not { } vaccine) return items;
        var name = vaccine.ToUpperInvariant();
        return items.Where(i => i.Vaccine.ToUpper() == name);
    }

    public override IOrderedQueryable<Immunization> Order(IQueryable<Immunization> items) =>
        items.OrderByDescending(i => i.DateGiven).ThenByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id);

    public static void MapDue(RouteGroupBuilder record) =>
        record.MapGet("/immunizations/due", ListDueImmunizations).RequirePermission(HistoryRead)
            .WithSummary("Doses due within `days` days (30 by default; overdue ones too), soonest first; a dose followed by a later one of the same vaccine is not due");

    static async Task<Ok<Paged<ImmunizationResponse>>> ListDueImmunizations(Guid id, [AsParameters] ImmunizationDueQuery query, CarebaseDb db, TenantClock clock,
        AuditLog audit, CancellationToken ct)
    {
        var until = (await clock.TodayAsync(ct)).AddDays(query.Days ?? 30);
        var doses = db.Set<Immunization>().AsNoTracking().Where(i => i.PatientId == id && i.DeletedAt == null);
        var due = doses.Where(i => i.NextDueDate != null && i.NextDueDate <= until
            && !doses.Any(later => later.Vaccine.ToUpper() == i.Vaccine.ToUpper() && later.DateGiven > i.DateGiven));
        var page = await due.OrderBy(i => i.NextDueDate).ThenBy(i => i.Id).ToPagedAsync(query, List.Map, ct);
        await audit.WriteAsync("IMMUNIZATION_DUE_LISTED", "PATIENT", id, new { days = query.Days ?? 30, returned = page.Items.Select(i => i.Id) }, ct: ct);
        return TypedResults.Ok(page);
    }
}
