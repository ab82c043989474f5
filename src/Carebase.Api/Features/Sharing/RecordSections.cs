using System.Runtime.CompilerServices;
using Carebase.Api.Features.Billing;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Labs;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Records;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Sharing;

/// <summary>
/// One section of the full-record export: a property of <c>record.json</c> holding an array of the patient's items, each
/// the same answer its own route gives (so the export says nothing the API would not). Sections stream their items, oldest
/// first; the export writes them as they come.
/// </summary>
public interface IRecordSection
{
    /// <summary>The property name in record.json (camelCase, plural).</summary>
    string Name { get; }

    IAsyncEnumerable<object> ReadAsync(Guid patientId, CancellationToken ct);
}

/// <summary>
/// The sections of the export, in the order registered. Another area adds one with <see cref="Add{T}"/> from its own
/// <c>AddXxx()</c> (admissions: <c>RecordSections.Add&lt;AdmissionsSection&gt;(services)</c>), without touching the export.
/// </summary>
public static class RecordSections
{
    public static IServiceCollection Add<T>(IServiceCollection services) where T : class, IRecordSection =>
        services.AddScoped<IRecordSection, T>();

    /// <summary>The sections of the areas that existed with the export (their readers are theirs; only the calls are here).</summary>
    public static IServiceCollection AddDefaults(IServiceCollection services)
    {
        History(services, "allergies", Allergies.List);
        History(services, "conditions", Conditions.List);
        History(services, "medications", Medications.List);
        History(services, "immunizations", Immunizations.List);
        History(services, "procedures", Procedures.List);
        History(services, "clinicalNotes", ClinicalNotes.List);
        Add<VitalsSection>(services);
        Add<VisitsSection>(services);
        Add<PrescriptionsSection>(services);
        Add<DispensingsSection>(services);
        Add<LabOrdersSection>(services);
        Add<InvoicesSection>(services);
        Add<AmendmentsSection>(services);
        return services;
    }

    static void History<TItem, TCreate, TPatch, TQuery, TResponse>(IServiceCollection services, string name, HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list)
        where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse =>
        services.AddScoped<IRecordSection>(sp => new HistorySection<TItem, TCreate, TPatch, TQuery, TResponse>(name, list,
            sp.GetRequiredService<CarebaseDb>(), sp.GetRequiredService<Caller>()));
}

/// <summary>A list of the medical history (not deleted items), as the list's own route maps them.</summary>
sealed class HistorySection<TItem, TCreate, TPatch, TQuery, TResponse>(string name, HistoryList<TItem, TCreate, TPatch, TQuery, TResponse> list, CarebaseDb db,
    Caller caller) : IRecordSection
    where TItem : HistoryItem where TCreate : class where TPatch : PatchRequest where TQuery : IHistoryQuery where TResponse : HistoryItemResponse
{
    public string Name => name;

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        var items = list.Visible(db.Set<TItem>().AsNoTracking().Where(i => i.PatientId == patientId && i.DeletedAt == null), caller);
        foreach (var item in await items.OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToListAsync(ct)) yield return list.Map(item);
    }
}

sealed class VitalsSection(CarebaseDb db) : IRecordSection
{
    public string Name => "vitals";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var v in await db.Set<Vitals>().AsNoTracking().Where(v => v.PatientId == patientId && v.DeletedAt == null)
                     .OrderBy(v => v.RecordedAt).ThenBy(v => v.Id).ToListAsync(ct))
            yield return VitalsResponse.From(v);
    }
}

sealed class VisitsSection(CarebaseDb db, VisitReader reader) : IRecordSection
{
    public string Name => "visits";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var v in await db.Set<Visit>().AsNoTracking().Where(v => v.PatientId == patientId).OrderBy(v => v.StartedAt).ThenBy(v => v.Id).ToListAsync(ct))
            yield return await reader.ResponseAsync(v, ct);
    }
}

sealed class PrescriptionsSection(CarebaseDb db, PrescriptionReader reader) : IRecordSection
{
    public string Name => "prescriptions";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var p in await db.Set<Prescription>().AsNoTracking().Where(p => p.PatientId == patientId).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).ToListAsync(ct))
            yield return await reader.ResponseAsync(p, ct);
    }
}

sealed class DispensingsSection(CarebaseDb db, PatientAccess access) : IRecordSection
{
    public string Name => "dispensings";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var id in await db.Set<Dispensing>().AsNoTracking().Where(d => d.PatientId == patientId).OrderBy(d => d.DispensedAt).ThenBy(d => d.Id)
                     .Select(d => d.Id).ToListAsync(ct))
            yield return await DispensingsEndpoints.ReadAsync(db, access, id, ct);
    }
}

sealed class LabOrdersSection(CarebaseDb db, LabReader reader) : IRecordSection
{
    public string Name => "labOrders";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var o in await db.Set<LabOrder>().AsNoTracking().Where(o => o.PatientId == patientId).OrderBy(o => o.CreatedAt).ThenBy(o => o.Id).ToListAsync(ct))
            yield return await reader.ResponseAsync(o, ct);
    }
}

sealed class InvoicesSection(CarebaseDb db, InvoiceReader reader) : IRecordSection
{
    public string Name => "invoices";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var i in await db.Set<Invoice>().AsNoTracking().Where(i => i.PatientId == patientId).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToListAsync(ct))
            yield return await reader.ResponseAsync(i, ct);
    }
}

sealed class AmendmentsSection(CarebaseDb db) : IRecordSection
{
    public string Name => "amendments";

    public async IAsyncEnumerable<object> ReadAsync(Guid patientId, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var a in await db.Set<Amendment>().AsNoTracking().Where(a => a.PatientId == patientId).OrderBy(a => a.RequestedAt).ThenBy(a => a.Id).ToListAsync(ct))
            yield return AmendmentResponse.From(a);
    }
}
