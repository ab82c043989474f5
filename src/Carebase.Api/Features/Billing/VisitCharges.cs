using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Billing;

/// <summary>
/// A line to bill. <paramref name="SourceType"/> and <paramref name="SourceId"/> name the document it bills (a visit's
/// consultation, a dispensing line, a lab order item): the database bills one source once (until its invoice is voided).
/// The tax rate is the hospital's for the kind unless given.
/// </summary>
public sealed record NewInvoiceLine(string Kind, string Description, decimal Quantity, decimal UnitPrice, string? SourceType = null,
    Guid? SourceId = null, Discount? Discount = null, decimal? TaxRate = null);

/// <summary>
/// What a visit brings to its invoice. Billing a visit (<c>POST /invoices {visitId}</c>) asks every registered source and
/// bills what is not billed yet. The consultation fee is one; dispensed medicines and ordered lab tests add theirs with
/// <see cref="VisitCharges.Add{T}"/> from their own area.
/// </summary>
public interface IVisitChargeSource
{
    Task<IReadOnlyList<NewInvoiceLine>> ChargesAsync(Visit visit, CancellationToken ct);
}

public static class VisitCharges
{
    public static IServiceCollection Add<T>(IServiceCollection services) where T : class, IVisitChargeSource =>
        services.AddScoped<IVisitChargeSource, T>();
}

/// <summary>The visit's consultation, at the doctor's fee (a doctor without a fee brings no line).</summary>
sealed class ConsultationCharges(CarebaseDb db) : IVisitChargeSource
{
    public const string SourceType = "VISIT";

    public async Task<IReadOnlyList<NewInvoiceLine>> ChargesAsync(Visit visit, CancellationToken ct)
    {
        var doctor = await (from d in db.Set<Doctor>() where d.Id == visit.DoctorId
                            join u in db.Users on d.UserId equals u.Id
                            select new { d.ConsultationFee, Name = u.FirstName + " " + u.LastName, d.Specialization }).SingleAsync(ct);
        if (doctor.ConsultationFee <= 0) return [];
        return [new NewInvoiceLine("CONSULTATION", $"Consultation, Dr {doctor.Name} ({doctor.Specialization})", 1, doctor.ConsultationFee, SourceType, visit.Id)];
    }
}
