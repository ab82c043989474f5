using Carebase.Api;
using Carebase.Api.Features.Accounts;
using Carebase.Api.Features.Admissions;
using Carebase.Api.Features.Billing;
using Carebase.Api.Features.Demo;
using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Features.History;
using Carebase.Api.Features.Documents;
using Carebase.Api.Features.Insight;
using Carebase.Api.Features.Labs;
using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Features.Prescriptions;
using Carebase.Api.Features.Queue;
using Carebase.Api.Features.Records;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Features.Sharing;
using Carebase.Api.Features.Staff;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Features.Visits;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Messaging;
using Carebase.Api.Platform.Operations;

if (Cli.Parse(args, out var problem) is not { } invocation) return Cli.PrintUsage(problem);
var builder = WebApplication.CreateBuilder(invocation.Settings);
EmbeddedPostgres? embedded = null;
try
{
    embedded = await builder.AddCarebaseDatabaseAsync(invocation.Command);
    builder.AddCarebaseAuth();
    builder.AddCarebaseOperations();
    builder.AddCarebaseMessaging();
    builder.Services.AddCarebaseErrors();
    builder.Services.AddScoped<AuditLog>();

    builder.Services.AddAccounts();
    builder.Services.AddTenants();
    builder.Services.AddStaff();
    builder.Services.AddPatients();
    builder.Services.AddConfidentiality();
    builder.Services.AddHistory();
    builder.Services.AddQueue();
    builder.Services.AddDemo();
    builder.Services.AddScheduling();
    builder.Services.AddVisits();
    builder.Services.AddPrescriptions();
    builder.Services.AddRecords();
    builder.Services.AddDocuments();
    builder.Services.AddPharmacy(builder.Configuration);
    builder.Services.AddDispensings();
    builder.Services.AddLabs();
    builder.Services.AddBilling();
    builder.Services.AddAdmissions();
    builder.Services.AddSharing();

    var app = builder.Build();
    if (invocation.Command is not null) return await Cli.RunAsync(app, invocation);
    await Cli.PrepareAsync(app);

    app.UseCarebasePipeline();
    app.MapCarebaseOperations();
    var api = app.MapGroup("/api/v1");
    api.MapAccounts();
    api.MapTenants();
    api.MapStaff();
    api.MapDepartments();
    api.MapDoctors();
    api.MapPatients();
    api.MapConfidentiality();
    api.MapHistory();
    api.MapDocuments();
    api.MapScheduling();
    api.MapQueue();
    api.MapVisits();
    api.MapPrescriptions();
    api.MapLabs();
    api.MapRecords();
    api.MapPharmacy();
    api.MapAmendments();
    api.MapDispensings();
    api.MapBilling();
    api.MapAdmissions();
    api.MapSharing();
    api.MapInsight();
    api.MapDemo();

    app.Lifetime.ApplicationStarted.Register(() => Cli.Started(app));
    await app.RunAsync();
    return 0;
}
// One clear line for an operator; under the test host the failure must reach the host factory instead.
catch (StartupException e) when (!builder.Environment.IsEnvironment("Testing"))
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (Exception e) when (Cli.AddressInUse(e) is { } line && !builder.Environment.IsEnvironment("Testing"))
{
    Console.Error.WriteLine(line);
    return 1;
}
catch (Exception e) when (ErrorHandling.IsDatabaseUnavailable(e) && !builder.Environment.IsEnvironment("Testing"))
{
    Console.Error.WriteLine($"The database is unreachable ({e.GetBaseException().Message}). Check ConnectionStrings__Carebase, or leave it unset to use the embedded PostgreSQL.");
    return 1;
}
finally
{
    // Whatever state the embedded PostgreSQL is in (running, restarting, killed), stopping it says at most one line.
    if (embedded is not null)
    {
        try { await embedded.ReleaseAsync(); }
        catch (StartupException e) { Console.Error.WriteLine(e.Message); }
    }
}

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
