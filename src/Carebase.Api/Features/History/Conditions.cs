using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Carebase.Api.Features.History;

/// <summary>A condition or problem (FHIR Condition): ICD-10 code and text, clinical status, onset and resolution.</summary>
public sealed partial class Condition : HistoryItem
{
    public static readonly string[] Statuses = ["ACTIVE", "RECURRENCE", "RELAPSE", "INACTIVE", "REMISSION", "RESOLVED"];
    /// <summary>The statuses of a condition the patient still has (a copied diagnosis does not duplicate one of these).</summary>
    public static readonly string[] Current = ["ACTIVE", "RECURRENCE", "RELAPSE"];
    public const int MaxText = 500;
    public const int MaxCode = 8;

    public string? Code { get; set; }
    public string Text { get; set; } = "";
    public string Status { get; set; } = "ACTIVE";
    public DateOnly? OnsetDate { get; set; }
    public DateOnly? ResolutionDate { get; set; }
    public string? Notes { get; set; }

    public override void Check(DateOnly today, FieldErrors errors)
    {
        NotFuture(errors, "onsetDate", OnsetDate, today);
        NotFuture(errors, "resolutionDate", ResolutionDate, today);
        NotBefore(errors, "resolutionDate", ResolutionDate, OnsetDate, "onsetDate");
    }

    /// <summary>An ICD-10 code upper-cased, or null when blank; the shape is checked by <see cref="CheckCode"/>.</summary>
    public static string? NormalizeCode(string? code) => Input.Clean(code)?.ToUpperInvariant();

    /// <summary>ICD-10 (WHO and ICD-10-CM): a letter, a digit, a digit or A/B, then optionally a dot and 1 to 4 characters (E11.9, J45.909, U07.1).</summary>
    public const string IcdPattern = @"^[A-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$";

    public static void CheckCode(string? code, FieldErrors errors, string field = "code")
    {
        if (NormalizeCode(code) is { } c && !Icd10().IsMatch(c))
            errors.Add(field, "Must be an ICD-10 code such as E11.9 or J45.909.");
    }

    [GeneratedRegex(IcdPattern)]
    private static partial Regex Icd10();
}

sealed class ConditionConfiguration : IEntityTypeConfiguration<Condition>
{
    public void Configure(EntityTypeBuilder<Condition> e)
    {
        e.ToTable("conditions");
        e.Property(c => c.Version).IsConcurrencyToken();
    }
}

public sealed record CreateConditionRequest(
    [property: MaxLength(Condition.MaxCode), Description("ICD-10 code (E11.9), optional.")] string? Code,
    [property: Required, MaxLength(Condition.MaxText)] string? Text,
    [property: OneOf(typeof(Condition), nameof(Condition.Statuses)), Description("ACTIVE when left out.")] string? Status,
    DateOnly? OnsetDate, DateOnly? ResolutionDate,
    [property: FreeText, MaxLength(2000)] string? Notes) : IValidatable
{
    public void Validate(FieldErrors errors) => Condition.CheckCode(Code, errors);
}

/// <summary>Changes to a condition: fields left out stay, optional fields sent as null are cleared.</summary>
public sealed record UpdateConditionRequest : PatchRequest
{
    [MaxLength(Condition.MaxCode)] public string? Code { get; init => field = Sent(value); }
    [Required, MaxLength(Condition.MaxText)] public string? Text { get; init => field = Sent(value); }
    [Required, OneOf(typeof(Condition), nameof(Condition.Statuses))] public string? Status { get; init => field = Sent(value); }
    public DateOnly? OnsetDate { get; init => field = Sent(value); }
    public DateOnly? ResolutionDate { get; init => field = Sent(value); }
    [FreeText, MaxLength(2000)] public string? Notes { get; init => field = Sent(value); }

    public override void Validate(FieldErrors errors) => Condition.CheckCode(Code, errors);
}

public sealed record ConditionQuery(
    [property: OneOf(typeof(Condition), nameof(Condition.Statuses)), Description("Only conditions of this status.")] string? Status,
    [property: Description(IHistoryQuery.IncludeDeletedText)] bool? IncludeDeleted, int? Page, int? PageSize) : IHistoryQuery;

public sealed record ConditionResponse(
    [property: Description("ICD-10 code.")] string? Code, string Text,
    [property: OneOf(typeof(Condition), nameof(Condition.Statuses))] string Status,
    DateOnly? OnsetDate, DateOnly? ResolutionDate, string? Notes) : HistoryItemResponse;

public sealed class Conditions : HistoryList<Condition, CreateConditionRequest, UpdateConditionRequest, ConditionQuery, ConditionResponse>
{
    public static readonly Conditions List = new();

    public override string Segment => "conditions";
    public override string Resource => "CONDITION";
    public override string Singular => "Condition";
    public override string Plural => "Conditions";

    public override ConditionResponse Map(Condition c) =>
        new ConditionResponse(c.Code, c.Text, c.Status, c.OnsetDate, c.ResolutionDate, c.Notes).Stamped(c);

    public override Condition Create(CreateConditionRequest r) => new()
    {
        Code = Condition.NormalizeCode(r.Code), Text = r.Text!.Trim(), Status = r.Status ?? "ACTIVE", OnsetDate = r.OnsetDate,
        ResolutionDate = r.ResolutionDate, Notes = Input.Clean(r.Notes),
    };

    public override void Apply(UpdateConditionRequest r, Condition c)
    {
        if (r.Has(nameof(r.Code))) c.Code = Condition.NormalizeCode(r.Code);
        if (r.Has(nameof(r.Text))) c.Text = r.Text!.Trim();
        if (r.Has(nameof(r.Status))) c.Status = r.Status!;
        if (r.Has(nameof(r.OnsetDate))) c.OnsetDate = r.OnsetDate;
        if (r.Has(nameof(r.ResolutionDate))) c.ResolutionDate = r.ResolutionDate;
        if (r.Has(nameof(r.Notes))) c.Notes = Input.Clean(r.Notes);
    }

    public override IQueryable<Condition> Filter(IQueryable<Condition> items, ConditionQuery q) =>
        q.Status is { } status ? items.Where(c => c.Status == status) : items;

    public override IOrderedQueryable<Condition> Order(IQueryable<Condition> items) => items.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id);
}
