namespace Carebase.Api.Platform.Auth;

public sealed record PermissionDefinition(string Code, string Area, string Description);

/// <summary>
/// The catalog of permission codes, grouped by area. Every endpoint names one of these (or is
/// deliberately public or open to any signed-in account); roles are sets of them.
/// </summary>
public static class Permissions
{
    public const string PlatformTenants = "platform:tenants";
    public const string TenantRead = "tenant:read";
    public const string TenantManage = "tenant:manage";
    public const string UsersRead = "users:read";
    public const string UsersWrite = "users:write";
    public const string RolesRead = "roles:read";
    public const string RolesWrite = "roles:write";
    public const string DepartmentsRead = "departments:read";
    public const string DepartmentsWrite = "departments:write";
    public const string PatientsRead = "patients:read";
    public const string PatientsWrite = "patients:write";
    public const string PatientsDelete = "patients:delete";
    public const string PatientsMerge = "patients:merge";
    public const string PatientsExport = "patients:export";
    public const string PatientsConfidential = "patients:confidential";
    public const string DoctorsRead = "doctors:read";
    public const string DoctorsWrite = "doctors:write";
    public const string SchedulesRead = "schedules:read";
    public const string SchedulesWrite = "schedules:write";
    public const string AppointmentsRead = "appointments:read";
    public const string AppointmentsWrite = "appointments:write";
    public const string QueueRead = "queue:read";
    public const string QueueWrite = "queue:write";
    public const string VisitsRead = "visits:read";
    public const string VisitsWrite = "visits:write";
    public const string HistoryRead = "history:read";
    public const string HistoryWrite = "history:write";
    public const string PrescriptionsRead = "prescriptions:read";
    public const string PrescriptionsWrite = "prescriptions:write";
    public const string PrescriptionsIssue = "prescriptions:issue";
    public const string LabsRead = "labs:read";
    public const string LabsWrite = "labs:write";
    public const string LabsResults = "labs:results";
    public const string LabsVerify = "labs:verify";
    public const string PharmacyRead = "pharmacy:read";
    public const string PharmacyWrite = "pharmacy:write";
    public const string PharmacyDispense = "pharmacy:dispense";
    public const string BillingRead = "billing:read";
    public const string BillingWrite = "billing:write";
    public const string AdmissionsRead = "admissions:read";
    public const string AdmissionsWrite = "admissions:write";
    public const string CensusRead = "census:read";
    public const string WardsManage = "wards:manage";
    public const string BedsReady = "beds:ready";
    public const string MarWrite = "mar:write";
    public const string SharingRead = "sharing:read";
    public const string SharingWrite = "sharing:write";
    public const string SharingLinks = "sharing:links";
    public const string RecordsExport = "records:export";
    public const string DisclosuresRead = "disclosures:read";
    public const string DashboardRead = "dashboard:read";
    public const string ReportsRead = "reports:read";
    public const string AuditRead = "audit:read";
    public const string NotificationsRead = "notifications:read";
    public const string NotificationsWrite = "notifications:write";
    public const string FhirRead = "fhir:read";

    public static IReadOnlyList<PermissionDefinition> All { get; } =
    [
        new(PlatformTenants, "platform", "Approve, suspend and limit hospitals; platform metrics (super admin only)"),
        new(TenantRead, "tenant", "Read the hospital's settings"),
        new(TenantManage, "tenant", "Change the hospital's settings"),
        new(UsersRead, "staff", "List and read staff accounts"),
        new(UsersWrite, "staff", "Create, update, deactivate staff and reset their passwords"),
        new(RolesRead, "staff", "List roles and their permissions"),
        new(RolesWrite, "staff", "Create, change and delete custom roles"),
        new(DepartmentsRead, "staff", "List and read departments"),
        new(DepartmentsWrite, "staff", "Create, change and delete departments"),
        new(PatientsRead, "patients", "Search and read patient records"),
        new(PatientsWrite, "patients", "Register and update patients"),
        new(PatientsDelete, "patients", "Soft-delete and restore patients"),
        new(PatientsMerge, "patients", "Merge duplicate patient records"),
        new(PatientsExport, "patients", "Export patient lists"),
        new(PatientsConfidential, "patients", "Mark patients confidential and manage their care teams"),
        new(DoctorsRead, "doctors", "List and read doctor profiles"),
        new(DoctorsWrite, "doctors", "Create and update doctor profiles"),
        new(SchedulesRead, "scheduling", "Read working hours, time off and available slots"),
        new(SchedulesWrite, "scheduling", "Change working hours and time off"),
        new(AppointmentsRead, "scheduling", "List and read appointments"),
        new(AppointmentsWrite, "scheduling", "Book, reschedule, cancel and move appointments through their workflow"),
        new(QueueRead, "queue", "See the queue board and its live stream"),
        new(QueueWrite, "queue", "Check in, call next, skip, recall and serve"),
        new(VisitsRead, "clinical", "Read visits"),
        new(VisitsWrite, "clinical", "Record and complete visits"),
        new(HistoryRead, "clinical", "Read the medical history"),
        new(HistoryWrite, "clinical", "Record allergies, conditions, medications, immunizations, procedures, vitals, notes and documents"),
        new(PrescriptionsRead, "clinical", "Read prescriptions"),
        new(PrescriptionsWrite, "clinical", "Write prescription drafts"),
        new(PrescriptionsIssue, "clinical", "Issue and cancel prescriptions"),
        new(LabsRead, "labs", "Read lab orders and results"),
        new(LabsWrite, "labs", "Order lab tests and manage the catalog"),
        new(LabsResults, "labs", "Collect samples and record results"),
        new(LabsVerify, "labs", "Verify lab results entered by someone else"),
        new(PharmacyRead, "pharmacy", "Read stock, batches and movements"),
        new(PharmacyWrite, "pharmacy", "Receive and adjust stock"),
        new(PharmacyDispense, "pharmacy", "Dispense prescriptions"),
        new(BillingRead, "billing", "Read invoices and payments"),
        new(BillingWrite, "billing", "Create invoices, take payments, void"),
        new(AdmissionsRead, "inpatient", "Read admissions with their diagnoses, beds and discharge summaries"),
        new(AdmissionsWrite, "inpatient", "Admit, transfer and discharge"),
        new(CensusRead, "inpatient", "See wards, beds, the census and the list of admissions (no clinical detail)"),
        new(WardsManage, "inpatient", "Create, change and delete wards and beds; take beds out of service"),
        new(BedsReady, "inpatient", "Return cleaned beds to service"),
        new(MarWrite, "inpatient", "Chart the medicines of an admission given, or not given with a reason (the medication administration record)"),
        new(SharingRead, "sharing", "See shares and shared patients"),
        new(SharingWrite, "sharing", "Share patients with other hospitals"),
        new(SharingLinks, "sharing", "Create, list and revoke read-only links to a patient's summary (a portal patient: list those of their own record)"),
        new(RecordsExport, "sharing", "Export a patient's whole record (a zip of JSON, files and a summary PDF); each export is a disclosure"),
        new(DisclosuresRead, "sharing", "List a patient's accounting of disclosures (a portal patient: their own)"),
        new(DashboardRead, "insight", "See dashboards and trends"),
        new(ReportsRead, "insight", "Run reports"),
        new(AuditRead, "insight", "Read and verify the audit trail"),
        new(NotificationsRead, "messaging", "Read the notification log"),
        new(NotificationsWrite, "messaging", "Manage notification templates"),
        new(FhirRead, "interop", "Read through the FHIR API"),
    ];

    static readonly HashSet<string> Codes = All.Select(p => p.Code).ToHashSet();

    public static bool Exists(string code) => Codes.Contains(code);

    /// <summary>Codes a tenant role may hold (platform codes belong to super admins only).</summary>
    public static bool AssignableToTenantRole(string code) => Exists(code) && !code.StartsWith("platform:", StringComparison.Ordinal);
}
