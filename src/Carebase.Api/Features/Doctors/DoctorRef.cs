using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Doctors;

/// <summary>
/// A doctor named in a query string of a doctor-scoped list: a doctor's id, or <c>me</c> for the caller's own doctor
/// profile (so a doctor's app asks for "my appointments" without looking its id up first).
/// </summary>
public static class DoctorRef
{
    public const string Rule = "A doctor's id, or me for your own doctor profile.";

    public static void Validate(string? value, string field, FieldErrors errors)
    {
        if (value is not null && !IsMe(value) && !Guid.TryParse(value, out _)) errors.Add(field, "Must be a doctor's id (a UUID) or me.");
    }

    /// <summary>The doctor's id; for <c>me</c>, the caller's doctor profile (422 naming the field when the caller has none).</summary>
    public static async Task<Guid?> ResolveAsync(string? value, string field, CarebaseDb db, Caller caller, CancellationToken ct)
    {
        if (value is null) return null;
        if (!IsMe(value)) return Guid.Parse(value);
        return await OfUserAsync(db, caller.UserId, ct)
            ?? throw new ValidationException(field, "You have no doctor profile: me names the caller's own doctor profile.");
    }

    /// <summary>The doctor profile of a staff account, if it has one.</summary>
    public static Task<Guid?> OfUserAsync(CarebaseDb db, Guid userId, CancellationToken ct) =>
        db.Set<Doctor>().Where(d => d.UserId == userId).Select(d => (Guid?)d.Id).SingleOrDefaultAsync(ct);

    static bool IsMe(string value) => value.Equals("me", StringComparison.OrdinalIgnoreCase);
}
