using static Carebase.Api.Platform.Auth.Permissions;

namespace Carebase.Api.Platform.Auth;

public sealed record SystemRole(string Name, string Description, IReadOnlyList<string> Permissions);

/// <summary>The roles every tenant has; their permission sets are kept in step with this file at start-up.</summary>
public static class SystemRoles
{
    public const string HospitalAdmin = "HOSPITAL_ADMIN";
    public const string Doctor = "DOCTOR";
    public const string Nurse = "NURSE";
    public const string Receptionist = "RECEPTIONIST";
    public const string Pharmacist = "PHARMACIST";
    public const string LabTechnician = "LAB_TECHNICIAN";
    public const string Patient = "PATIENT";

    public static IReadOnlyList<SystemRole> All { get; } =
    [
        new(HospitalAdmin, "Runs the hospital: staff, roles, settings, reports and audit",
            Permissions.All.Select(p => p.Code).Where(AssignableToTenantRole).ToArray()),
        new(Doctor, "Consults, records the medical history, prescribes and orders labs",
            [TenantRead, DepartmentsRead, PatientsRead, PatientsWrite, PatientsConfidential, DoctorsRead, SchedulesRead, SchedulesWrite,
             AppointmentsRead, AppointmentsWrite, QueueRead, QueueWrite, VisitsRead, VisitsWrite, HistoryRead, HistoryWrite,
             PrescriptionsRead, PrescriptionsWrite, PrescriptionsIssue, LabsRead, LabsWrite, LabsVerify, PharmacyRead,
             AdmissionsRead, AdmissionsWrite, MarWrite, CensusRead, SharingRead, SharingWrite, SharingLinks, DashboardRead, FhirRead]),
        new(Nurse, "Records vitals and notes, runs the queue and the wards",
            [TenantRead, DepartmentsRead, PatientsRead, PatientsWrite, DoctorsRead, SchedulesRead, AppointmentsRead,
             QueueRead, QueueWrite, VisitsRead, VisitsWrite, HistoryRead, HistoryWrite, PrescriptionsRead, LabsRead,
             AdmissionsRead, MarWrite, CensusRead, BedsReady, DashboardRead]),
        new(Receptionist, "Registers patients, books appointments, runs the front desk and takes payments",
            [TenantRead, DepartmentsRead, PatientsRead, PatientsWrite, DoctorsRead, SchedulesRead, AppointmentsRead,
             AppointmentsWrite, QueueRead, QueueWrite, BillingRead, BillingWrite, CensusRead, DashboardRead]),
        new(Pharmacist, "Dispenses prescriptions and manages stock",
            [TenantRead, DepartmentsRead, PatientsRead, DoctorsRead, PrescriptionsRead, PharmacyRead, PharmacyWrite,
             PharmacyDispense, DashboardRead]),
        new(LabTechnician, "Works the lab order list and records results",
            [TenantRead, DepartmentsRead, PatientsRead, DoctorsRead, LabsRead, LabsResults, LabsVerify, DashboardRead]),
        new(Patient, "A patient using the portal: sees only their own records",
            [DoctorsRead, SchedulesRead, AppointmentsRead, AppointmentsWrite, PatientsRead, PatientsWrite, VisitsRead, HistoryRead,
             PrescriptionsRead, LabsRead, BillingRead, SharingLinks, DisclosuresRead]),
    ];

    public static bool IsSystem(string name) => All.Any(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
