using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Carebase.Api.Platform.Auth.Permissions;
using ValidationException = Carebase.Api.Platform.Errors.ValidationException;

namespace Carebase.Api.Features.Patients;

public sealed record AddCareTeamMemberRequest(
    [property: Required] Guid? UserId,
    [property: Required, OneOf(typeof(CareTeamRoles), nameof(CareTeamRoles.All))] string? Role);

public sealed record BreakGlassRequest([property: Required, FreeText, MinLength(10), MaxLength(1000)] string? Reason) : IValidatable
{
    public void Validate(FieldErrors errors)
    {
        if (Reason is { } r && r.Trim().Length < 10) errors.Add("reason", "Say why, in at least 10 characters.");
    }
}

public sealed record BreakGlassGrantResponse(Guid Id, Guid PatientId, Guid UserId, string Reason, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

public sealed record BreakGlassQuery(
    [property: Description("Only grants to this staff member.")] Guid? UserId,
    [property: Description("Only grants opening this patient.")] Guid? PatientId,
    [property: Description("Granted at or after this instant.")] DateTimeOffset? From,
    [property: Description("Granted before this instant.")] DateTimeOffset? To,
    [property: Description("true: reviewed only; false: awaiting review only.")] bool? Reviewed,
    int? Page, int? PageSize) : IPageQuery;

public sealed record BreakGlassReviewRequest([property: Required, FreeText, MaxLength(2000)] string? Note);

public sealed record BreakGlassUser(Guid Id, string Name, string? Email);
public sealed record BreakGlassPatient(Guid Id, string PatientCode, string Name);
/// <summary>One audit entry written while the grant was used: what was opened.</summary>
public sealed record BreakGlassOpened(DateTimeOffset OccurredAt, string Action, string ResourceType, string? ResourceId);

/// <summary>A break-glass grant for review: who, which patient, why, when, until when, what they opened, and the review.</summary>
public sealed record BreakGlassReportItem(Guid Id, BreakGlassUser User, BreakGlassPatient Patient, string Reason, DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt, bool Active, DateTimeOffset? ReviewedAt, BreakGlassUser? ReviewedBy, string? ReviewNote,
    IReadOnlyList<BreakGlassOpened> Opened);

/// <summary>Care teams, break-glass access to confidential patients, and the break-glass report.</summary>
public static class ConfidentialityEndpoints
{
    public static IServiceCollection AddConfidentiality(this IServiceCollection services) =>
        services.AddScoped<CareTeam>().AddScoped<BreakGlassDesk>();

    public static RouteGroupBuilder MapConfidentiality(this RouteGroupBuilder api)
    {
        var record = PatientAccess.MapPatientRoutes(api, "Care teams").AddEndpointFilter<ValidationFilter>();
        record.MapGet("/care-team", List).RequirePermission(PatientsRead).ForStaffOnly()
            .WithSummary("The patient's care team: explicit members and the doctors of their appointments (open, upcoming or in the last 30 days)");
        record.MapPost("/care-team", Add).RequirePermission(PatientsConfidential).ProducesProblem(409)
            .WithSummary("Add a staff member to the patient's care team with a role");
        record.MapDelete("/care-team/{userId:guid}", Remove).RequirePermission(PatientsConfidential)
            .WithSummary("Remove an explicit member from the care team (implicit members follow their appointments)");

        // Not under the patient gate: the point is to open a record the gate refuses.
        api.MapPost("/patients/{id:guid}/break-glass", BreakGlass).WithTags("Care teams").AddEndpointFilter<ValidationFilter>()
            .RequirePermission(PatientsRead).ForStaffOnly().ProducesProblem(409)
            .WithSummary("Emergency access to a confidential patient outside your care team: a reason (10+ characters) opens the record to you for the hospital's break-glass period; audited, emailed to the admins and reported");

        var reports = api.MapGroup("/reports/break-glass").WithTags("Reports").AddEndpointFilter<ValidationFilter>();
        reports.MapGet("/", ListBreakGlass).RequirePermission(AuditRead)
            .WithSummary("Break-glass accesses: who, which patient, why, when, what they opened during the grant, and the review");
        reports.MapPost("/{id:guid}/review", ReviewBreakGlass).RequirePermission(AuditRead).ProducesProblem(409)
            .WithSummary("Record the admin's review of a break-glass access (once)");
        return api;
    }

    static async Task<Ok<Paged<CareTeamEntry>>> List(Guid id, [AsParameters] CareTeamQuery query, CareTeam team, AuditLog audit, CancellationToken ct)
    {
        var page = (await team.ListAsync(id, ct)).ToPaged(query);
        await audit.WriteAsync("CARE_TEAM_READ", "PATIENT", id, ct: ct);
        return TypedResults.Ok(page);
    }

    static async Task<Created<CareTeamEntry>> Add(Guid id, AddCareTeamMemberRequest request, CarebaseDb db, Caller caller, CareTeam team,
        AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var userId = request.UserId!.Value;
        // A member is an active staff account of this hospital (not a portal patient).
        var staff = await db.Database.SqlQuery<Guid>($"""
            SELECT u.id AS "Value" FROM platform.users u WHERE u.id = {userId} AND u.tenant_id = {caller.Tenant} AND u.is_active
               AND u.patient_id IS NULL
            """).AnyAsync(ct);
        if (!staff) throw new ValidationException("userId", "Must be an active staff account of this hospital.");
        var member = new CareTeamMember { PatientId = id, UserId = userId, Role = request.Role!, AddedAt = time.GetUtcNow(), AddedBy = caller.UserId };
        db.Add(member);
        audit.Record("CARE_TEAM_MEMBER_ADDED", "PATIENT", id, new { userId, role = member.Role });
        await db.SaveOrConflictAsync(ct, ("care_team_members_patient_user_key",
            () => new ConflictException("already_member", "This staff member is already on the patient's care team.")));
        var entry = (await team.ListAsync(id, ct)).First(e => e.UserId == userId && e.Source == "EXPLICIT");
        return TypedResults.Created($"/api/v1/patients/{id}/care-team", entry);
    }

    static async Task<NoContent> Remove(Guid id, Guid userId, CarebaseDb db, AuditLog audit, CancellationToken ct)
    {
        var member = await db.Set<CareTeamMember>().SingleOrDefaultAsync(m => m.PatientId == id && m.UserId == userId, ct)
            ?? throw new NotFoundException("The care-team member");
        db.Remove(member);
        audit.Record("CARE_TEAM_MEMBER_REMOVED", "PATIENT", id, new { userId, role = member.Role });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Created<BreakGlassGrantResponse>> BreakGlass(Guid id, BreakGlassRequest request, BreakGlassDesk desk, CancellationToken ct)
    {
        var g = await desk.GrantAsync(id, request.Reason!.Trim(), ct);
        return TypedResults.Created($"/api/v1/reports/break-glass/{g.Id}",
            new BreakGlassGrantResponse(g.Id, g.PatientId, g.UserId, g.Reason, g.GrantedAt, g.ExpiresAt));
    }

    static async Task<Ok<Paged<BreakGlassReportItem>>> ListBreakGlass([AsParameters] BreakGlassQuery query, BreakGlassDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.ListAsync(query, ct));

    static async Task<Ok<BreakGlassReportItem>> ReviewBreakGlass(Guid id, BreakGlassReviewRequest request, BreakGlassDesk desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.ReviewAsync(id, request.Note!.Trim(), ct));
}

/// <summary>Paging of the care-team list.</summary>
public sealed record CareTeamQuery(int? Page, int? PageSize) : IPageQuery;
