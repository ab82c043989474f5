using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.History;

/// <summary>A medication the patient takes or took (FHIR MedicationStatement): prescribed here or reported by the patient.</summary>
public sealed class Medication : HistoryItem
{
    public static readonly string[] Statuses = ["ACTIVE", "STOPPED", "COMPLETED"];
    public static readonly string[] Sources = ["PRESCRIBED", "REPORTED"];

    public string Name { get; set; } = "";
    public string? Dose { get; set; }
    public string? Route { get; set; }
    public string? Frequency { get; set; }
    public DateOnly? StartDate { get; set; }
    public DateOnly? EndDate { get; set; }
    public string Status { get; set; } = "ACTIVE";
    public string Source { get; set; } = "REPORTED";
    /// <summary>The prescription item it comes from, once prescriptions exist (set by them, never by clients).</summary>
    public Guid? PrescriptionItemId { get; set; }
    public string? Notes { get; set; }

    public override void Check(DateOnly today, FieldErrors errors)
    {
        NotFuture(errors, "startDate", StartDate, today);
        NotBefore(errors, "endDate", EndDate, StartDate, "startDate");
    }
}

sealed class MedicationConfiguration : IEntityTypeConfiguration<Medication>
{
    public void Configure(EntityTypeBuilder<Medication> e)
    {
        e.ToTable("medications");
        e.Property(m => m.Version).IsConcurrencyToken();
    }
}

public sealed record CreateMedicationRequest(
    [property: Required, MaxLength(200)] string? Name,
    [property: MaxLength(100), Description("Dose as written (500 mg, 1 tablet).")] string? Dose,
    [property: MaxLength(50), Description("Route (oral, IV, topical…).")] string? Route,
    [property: MaxLength(100), Description("Frequency as written (twice daily, every 8 hours).")] string? Frequency,
    DateOnly? StartDate, DateOnly? EndDate,
    [property: OneOf(typeof(Medication), nameof(Medication.Statuses)), Description("ACTIVE when left out.")] string? Status,
    [property: OneOf(typeof(Medication), nameof(Medication.Sources)), Description("REPORTED (by the patient) when left out.")] string? Source,
    [property: FreeText, MaxLength(2000)] string? Notes);

/// <summary>Changes to a medication: fields left out stay, optional fields sent as null are cleared.</summary>
public sealed record UpdateMedicationRequest : PatchRequest
{
    [Required, MaxLength(200)] public string? Name { get; init => field = Sent(value); }
    [MaxLength(100)] public string? Dose { get; init => field = Sent(value); }
    [MaxLength(50)] public string? Route { get; init => field = Sent(value); }
    [MaxLength(100)] public string? Frequency { get; init => field = Sent(value); }
    public DateOnly? StartDate { get; init => field = Sent(value); }
    public DateOnly? EndDate { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Medication), nameof(Medication.Statuses))] public string? Status { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Medication), nameof(Medication.Sources))] public string? Source { get; init => field = Sent(value); }
    [FreeText, MaxLength(2000)] public string? Notes { get; init => field = Sent(value); }
}

public sealed record MedicationQuery(
    [property: OneOf(typeof(Medication), nameof(Medication.Statuses)), Description("Only medications of this status (ACTIVE: current ones).")] string? Status,
    [property: OneOf(typeof(Medication), nameof(Medication.Sources)), Description("Only prescribed or only reported medications.")] string? Source,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

public sealed record MedicationResponse(
    string Name, string? Dose, string? Route, string? Frequency, DateOnly? StartDate, DateOnly? EndDate,
    [property: OneOf(typeof(Medication), nameof(Medication.Statuses))] string Status,
    [property: OneOf(typeof(Medication), nameof(Medication.Sources))] string Source,
    Guid? PrescriptionItemId, string? Notes) : HistoryItemResponse;

public sealed class Medications : HistoryList<Medication, CreateMedicationRequest, UpdateMedicationRequest, MedicationQuery, MedicationResponse>
{
    public static readonly Medications List = new();

    public override string Segment => "medications";
    public override string Resource => "MEDICATION";
    public override string Singular => "Medication";
    public override string Plural => "Medications";

    public override MedicationResponse Map(Medication m) =>
        new MedicationResponse(m.Name, m.Dose, m.Route, m.Frequency, m.StartDate, m.EndDate, m.Status, m.Source, m.PrescriptionItemId, m.Notes).Stamped(m);

    public override Medication Create(CreateMedicationRequest r) => new()
    {
        Name = r.Name!.Trim(), Dose = Input.Clean(r.Dose), Route = Input.Clean(r.Route), Frequency = Input.Clean(r.Frequency),
        StartDate = r.StartDate, EndDate = r.EndDate, Status = r.Status ?? "ACTIVE", Source = r.Source ?? "REPORTED", Notes = Input.Clean(r.Notes),
    };

    public override void Apply(UpdateMedicationRequest r, Medication m)
    {
        if (r.Has(nameof(r.Name))) m.Name = r.Name!.Trim();
        if (r.Has(nameof(r.Dose))) m.Dose = Input.Clean(r.Dose);
        if (r.Has(nameof(r.Route))) m.Route = Input.Clean(r.Route);
        if (r.Has(nameof(r.Frequency))) m.Frequency = Input.Clean(r.Frequency);
        if (r.Has(nameof(r.StartDate))) m.StartDate = r.StartDate;
        if (r.Has(nameof(r.EndDate))) m.EndDate = r.EndDate;
        if (r.Has(nameof(r.Status))) m.Status = r.Status!;
        if (r.Has(nameof(r.Source))) m.Source = r.Source!;
        if (r.Has(nameof(r.Notes))) m.Notes = Input.Clean(r.Notes);
    }

    public override IQueryable<Medication> Filter(IQueryable<Medication> items, MedicationQuery q)
    {
        if (q.Status is { } status) items = items.Where(m => m.Status == status);
        if (q.Source is { } source) items = items.Where(m => m.Source == source);
        return items;
    }

    public override IOrderedQueryable<Medication> Order(IQueryable<Medication> items) => items.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id);
}
