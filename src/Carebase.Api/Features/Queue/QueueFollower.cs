using Carebase.Api.Features.Patients;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// Keeps an appointment's token in step with the appointment, whoever moves it (the appointment routes, a visit):
/// checking in today's appointment issues its token, starting it calls its waiting token, completing it serves its
/// token, cancelling it or marking it a no-show makes a token still in line leave. Runs in the step's unit of work,
/// so both commit together. Scheduling calls it through <see cref="IAppointmentFollower"/> and never depends on
/// the queue; the queue's own routes move the token first and the appointment second, so here they find the token
/// already moved and do nothing more.
/// </summary>
public sealed class QueueFollower(QueueTokens tokens, TenantClock clock, CarebaseDb db) : IAppointmentFollower
{
    public async Task FollowAsync(Appointment appointment, AppointmentAction action, CancellationToken ct)
    {
        if (action == AppointmentAction.Confirm) return;
        if (action == AppointmentAction.CheckIn)
        {
            // Another day's appointment has no line to join.
            if (appointment.LocalDate != await clock.TodayAsync(ct) || await tokens.OfAppointmentAsync(appointment.Id, ct) is not null) return;
            var patient = await db.Set<Patient>().AsNoTracking().SingleAsync(p => p.Id == appointment.PatientId, ct);
            await tokens.IssueAsync(appointment.DoctorId, appointment.LocalDate, patient, appointment, null, null, ct);
            return;
        }
        if (await tokens.OfAppointmentAsync(appointment.Id, ct) is not { } token) return;
        switch (action, token.Status)
        {
            case (AppointmentAction.Start, QueueStatus.Waiting):
                await tokens.CallAsync(token, ct);
                break;
            case (AppointmentAction.Complete, QueueStatus.Serving):
                tokens.Move(token, QueueAction.Serve);
                break;
            case (AppointmentAction.Cancel or AppointmentAction.NoShow, QueueStatus.Waiting or QueueStatus.Skipped):
                tokens.Move(token, QueueAction.Leave, $"The appointment is {appointment.Status}.");
                break;
        }
    }
}
