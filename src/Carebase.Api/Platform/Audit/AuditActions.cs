namespace Carebase.Api.Platform.Audit;

/// <summary>
/// Every action and resource type the service writes to its audit trails, SCREAMING_CASE like every other enum of the
/// API. <see cref="AuditLog"/> refuses to record an action or resource type missing here, so the audit filters can
/// refuse unknown values (422) and the catalog can never fall behind the code. Add an area's actions when adding it.
/// </summary>
public static class AuditActions
{
    public static readonly IReadOnlySet<string> All = new SortedSet<string>(StringComparer.Ordinal)
    {
        // Accounts and the platform
        "AUTH_LOGIN", "AUTH_LOGOUT", "AUTH_PASSWORD_CHANGED", "AUTH_PASSWORD_RESET", "AUTH_PASSWORD_RESET_REQUESTED",
        "AUTH_EMAIL_CONFIRMED", "AUTH_2FA_ENABLED", "AUTH_2FA_DISABLED",
        "TENANT_REGISTERED", "TENANT_VERIFIED", "TENANT_UPDATED", "TENANT_ACTIVATED", "TENANT_SUSPENDED", "TENANT_DEACTIVATED",
        "TENANT_LIMITS_CHANGED", "TENANT_ADMIN_PASSWORD_RESET",
        "DEMO_SEEDED", "DEMO_FRESHENED", "DEMO_RESET",
        "CLI_MIGRATE", "CLI_SEED_DEMO", "CLI_FRESHEN_DEMO", "CLI_RESET_DEMO", "CLI_CREATE_SUPER_ADMIN",
        // Staff
        "USER_CREATED", "USER_UPDATED", "USER_ACTIVATED", "USER_DEACTIVATED", "USER_PASSWORD_RESET",
        "ROLE_CREATED", "ROLE_UPDATED", "ROLE_DELETED",
        "DEPARTMENT_CREATED", "DEPARTMENT_UPDATED", "DEPARTMENT_DELETED",
        "DOCTOR_CREATED", "DOCTOR_UPDATED",
        // Patients
        "PATIENT_CREATED", "PATIENT_READ", "PATIENT_SEARCHED", "PATIENT_UPDATED", "PATIENT_DELETED", "PATIENT_RESTORED",
        "PATIENT_MERGED", "PATIENT_EXPORTED", "PATIENT_DUPLICATES_SEARCHED", "PATIENT_PORTAL_INVITED", "PATIENT_SELF_REGISTERED",
        "PATIENT_CONFIDENTIALITY_CHANGED", "CARE_TEAM_READ", "CARE_TEAM_MEMBER_ADDED", "CARE_TEAM_MEMBER_REMOVED",
        "BREAK_GLASS_GRANTED", "BREAK_GLASS_REPORT_READ", "BREAK_GLASS_REVIEWED",
        // Scheduling
        "WORKING_HOURS_REPLACED", "TIME_OFF_CREATED", "TIME_OFF_DELETED", "EXTRA_SESSION_CREATED", "EXTRA_SESSION_DELETED",
        "APPOINTMENT_BOOKED", "APPOINTMENT_READ", "APPOINTMENT_LISTED", "APPOINTMENT_UPDATED", "APPOINTMENT_RESCHEDULED",
        "APPOINTMENT_FLAGGED_FOR_RESCHEDULE", "APPOINTMENT_CONFIRMED", "APPOINTMENT_CHECKED_IN", "APPOINTMENT_IN_CONSULTATION",
        "APPOINTMENT_COMPLETED", "APPOINTMENT_CANCELLED", "APPOINTMENT_NO_SHOW",
        // Queue
        "QUEUE_CHECKED_IN", "QUEUE_WALKED_IN", "QUEUE_CALLED", "QUEUE_SKIPPED", "QUEUE_RECALLED", "QUEUE_SERVED", "QUEUE_LEFT",
        "QUEUE_BOARD_READ", "QUEUE_STREAM_OPENED",
        // Documents
        "DOCUMENT_UPLOADED", "DOCUMENT_LISTED", "DOCUMENT_READ", "DOCUMENT_DOWNLOADED", "DOCUMENT_UPDATED", "DOCUMENT_DELETED",
        "DOCUMENT_CORRUPTED",
    };

    public static readonly IReadOnlySet<string> ResourceTypes = new SortedSet<string>(StringComparer.Ordinal)
    {
        "PLATFORM", "SESSION", "TENANT", "USER", "ROLE", "DEPARTMENT", "DOCTOR", "PATIENT", "APPOINTMENT", "QUEUE_TOKEN", "DEMO", "CARE_TEAM_MEMBER", "BREAK_GLASS_GRANT", "DOCUMENT",
    };

    /// <summary>The SCREAMING_CASE form of an action or resource type (<c>patient.created</c>, <c>cli.seed-demo</c> → <c>PATIENT_CREATED</c>, <c>CLI_SEED_DEMO</c>).</summary>
    public static string Normalize(string name) => name.Replace('.', '_').Replace('-', '_').ToUpperInvariant();
}
