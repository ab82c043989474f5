using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Departments;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;
using Carebase.Tests.Features.Scheduling;
using Carebase.Tests.Features.Staff;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// Every operation of the served OpenAPI document, called with hostile input generated from its schema:
/// no answer may be a 5xx, and every 4xx is problem+json. A route added later is swept without a line
/// here. The ids in paths and bodies are real resources of one fixture hospital, so the hostile values
/// get past the 404s and reach the handlers and the database.
/// </summary>
public sealed partial class HostileInputTests(HostileInputFixture fixture, ITestOutputHelper output) : IClassFixture<HostileInputFixture>
{
    /// <summary>The only operations not swept, by path prefix, and why.</summary>
    static readonly Dictionary<string, string> Excluded = new()
    {
        ["/api/v1/admin/demo/"] = "seed, freshen and reset act on the whole platform's demo hospitals; outside demo mode (every test host) "
            + "a filter answers 404 before the handler runs, so they would only sweep the JSON binder, which every other route sweeps",
    };

    /// <summary>
    /// Operations that end the caller's own session when they succeed: they run as a throwaway account of the
    /// fixture hospital, replaced after each success, so the admin's session survives the sweep.
    /// </summary>
    static readonly HashSet<string> SessionEnding = ["POST /api/v1/auth/logout", "POST /api/v1/auth/change-password"];

    /// <summary>Groups of operations swept side by side; the operations of one group run one after another, in document order.</summary>
    const int Lanes = 3;

    [Fact]
    public async Task Hostile_bodies_on_every_operation_never_cause_a_server_error()
    {
        var outcomes = new List<SweepOutcome>();
        // Replacing and deleting come last, so they do not take away what the other operations work on.
        foreach (var phase in Swept().GroupBy(o => o.Method switch { "PUT" => 1, "DELETE" => 2, _ => 0 }).OrderBy(g => g.Key))
            outcomes.AddRange(await RunAsync(phase, SweepBodyAsync));

        var suspicious = outcomes.Where(o => o.Status is >= 200 and < 300 && o.Mutation.Split(": ", 2) is [_, var label] && Hostile.ShouldBeRefused(label))
            .ToList();
        output.WriteLine($"\n{suspicious.Count} hostile value(s) accepted with a 2xx (reported, not failed):");
        foreach (var o in suspicious) output.WriteLine("  " + o.Line(null));
        Report(outcomes);
    }

    [Fact]
    public async Task Malformed_query_parameters_on_every_operation_never_cause_a_server_error() =>
        Report(await RunAsync(Swept().Where(o => o.Parameters("query").Any()), SweepQueryAsync));

    IEnumerable<SweepOperation> Swept()
    {
        foreach (var (prefix, reason) in Excluded) output.WriteLine($"Not swept: {prefix}* ({reason})");
        return fixture.Schemas.Operations.Where(o => !Excluded.Keys.Any(p => o.Path.StartsWith(p, StringComparison.Ordinal)));
    }

    /// <summary>
    /// Sweeps the operations a few groups at a time: a group is the operations of one resource (the first
    /// segment after the version), which share its state, or of one auth route (each acts on an account of
    /// its own). Within a group the order is the document's, so a run is repeatable.
    /// </summary>
    async Task<List<SweepOutcome>> RunAsync(IEnumerable<SweepOperation> operations, Func<SweepOperation, Task<List<SweepOutcome>>> sweep)
    {
        var ops = operations.ToList();
        var results = new ConcurrentDictionary<SweepOperation, List<SweepOutcome>>();
        await Parallel.ForEachAsync(ops.GroupBy(GroupOf), new ParallelOptions { MaxDegreeOfParallelism = Lanes }, async (group, _) =>
        {
            foreach (var op in group)
            {
                fixture.BeginOperation(op);
                results[op] = await sweep(op);
            }
        });
        foreach (var op in ops) output.WriteLine($"{op}: {results[op].Count} requests, base answered {results[op][^1].Status} {(results[op][^1].Status >= 400 ? results[op][^1].Body : "")}");
        return ops.SelectMany(op => results[op]).ToList();
    }

    static string GroupOf(SweepOperation op)
    {
        var m = ResourceOf().Match(op.Path);
        return m.Groups[1].Value == "auth" ? $"auth/{m.Groups[2].Value}" : m.Groups[1].Value;
    }

    [GeneratedRegex(@"^/api/v\d+/([^/{]+)(?:/([^/{]+))?")]
    private static partial Regex ResourceOf();

    /// <summary>Each field of the body with each hostile value of its kind, then whole bodies that are not the object, then the plausible body.</summary>
    async Task<List<SweepOutcome>> SweepBodyAsync(SweepOperation op)
    {
        var f = fixture;
        var outcomes = new List<SweepOutcome>();
        if (op.Body is { mediaType: "application/x-www-form-urlencoded" }) return await SweepFormAsync(op);
        if (op.Body is null)
        {
            outcomes.Add(await SendAsync(op, f.QueryUrl(op, await f.UrlAsync(op)), "base", null));
            return outcomes;
        }
        var schema = f.Schemas.BodySchema(op, out var borrowed);
        if (borrowed) schema = await f.WithoutRefusedFieldsAsync(schema, op, await f.CallerAsync(op, SessionEnding.Contains(op.ToString())));
        foreach (var mutation in f.Mutations(schema))
        {
            var url = await f.UrlAsync(op);
            var content = Hostile.JsonBody(Hostile.Apply(await f.BodyAsync(schema, op), mutation));
            var where = Hostile.Describe(mutation.Path) + (mutation.SecondPath is { } second ? "+" + Hostile.Describe(second) : "");
            outcomes.Add(await SendAsync(op, url, $"{where}: {mutation.Label}", content));
        }
        foreach (var (label, content) in Hostile.Bodies())
            outcomes.Add(await SendAsync(op, await f.UrlAsync(op), label, content));
        outcomes.Add(await SendAsync(op, await f.UrlAsync(op), "base", Hostile.JsonBody(await f.BodyAsync(schema, op))));
        return outcomes;
    }

    /// <summary>Each query parameter with each malformed value (the others as a plausible request has them), then both ends of a period at once.</summary>
    async Task<List<SweepOutcome>> SweepQueryAsync(SweepOperation op)
    {
        var f = fixture;
        var outcomes = new List<SweepOutcome>();
        var parameters = op.Parameters("query").ToList();
        foreach (var parameter in parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            foreach (var (label, value) in Hostile.QueryValues(parameter))
                outcomes.Add(await SendAsync(op, f.QueryUrl(op, await f.UrlAsync(op), (name, value)), $"{name}={label}", await QueryBodyAsync(op)));
        }
        var dates = parameters.Where(Hostile.IsDateLike).Select(p => p["name"]!.GetValue<string>()).ToList();
        if (dates.Count >= 2)
            foreach (var (label, from, to) in Hostile.Periods())
                outcomes.Add(await SendAsync(op, f.QueryUrl(op, await f.UrlAsync(op), (dates[0], from), (dates[1], to)), $"{dates[0]}&{dates[1]}={label}",
                    await QueryBodyAsync(op)));
        outcomes.Add(await SendAsync(op, f.QueryUrl(op, await f.UrlAsync(op)), "base", await QueryBodyAsync(op)));
        return outcomes;
    }

    /// <summary>An operation with both a query and a JSON body gets its plausible body with each malformed query.</summary>
    async Task<HttpContent?> QueryBodyAsync(SweepOperation op) =>
        op.Body is { mediaType: "application/json" } ? Hostile.JsonBody(await fixture.BodyAsync(fixture.Schemas.BodySchema(op, out _), op)) : null;

    /// <summary>
    /// A form body has no field schema in the document; the fields of the OAuth2 token endpoint (RFC 6749), the
    /// only form route, are swept: each with every hostile string, refresh_token under its own grant.
    /// </summary>
    async Task<List<SweepOutcome>> SweepFormAsync(SweepOperation op)
    {
        var outcomes = new List<SweepOutcome>();
        Dictionary<string, string> Base() => new()
        {
            ["grant_type"] = "password", ["username"] = fixture.PlausibleString("email"), ["password"] = CarebaseApp.Password,
        };
        static StringContent Form(Dictionary<string, string> fields) => new(string.Join("&", fields.Select(kv =>
            $"{kv.Key}={Uri.EscapeDataString(kv.Value).Replace(Hostile.LoneSurrogate, "%ED%A0%80", StringComparison.Ordinal)}")),
            Encoding.UTF8, "application/x-www-form-urlencoded");
        foreach (var field in new[] { "grant_type", "username", "password", "refresh_token" })
            foreach (var (label, value) in Hostile.ForString("sweep-value").Where(v => v.value is JsonValue s && s.TryGetValue<string>(out _)))
            {
                var fields = Base();
                if (field == "refresh_token") fields["grant_type"] = "refresh_token";
                fields[field] = value!.GetValue<string>();
                outcomes.Add(await SendAsync(op, op.Path, $"{field}: {label}", Form(fields)));
            }
        foreach (var (label, content) in Hostile.Bodies())
            outcomes.Add(await SendAsync(op, op.Path, label, content));
        outcomes.Add(await SendAsync(op, op.Path, "base", Form(Base())));
        return outcomes;
    }

    /// <summary>
    /// Sends one request as the operation's caller. A 409 concurrent_update (two lanes writing to the hospital at
    /// the same moment) is retried as the API asks, so what a request answers does not depend on the other lanes.
    /// </summary>
    async Task<SweepOutcome> SendAsync(SweepOperation op, string url, string mutation, HttpContent? content)
    {
        using var _ = content;
        var bytes = content is null ? null : await content.ReadAsByteArrayAsync();
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await SendOnceAsync(op, url, mutation, bytes, content?.Headers.ContentType);
            if (attempt == 3 || outcome.Status != 409 || !outcome.Body.Contains("\"concurrent_update\"", StringComparison.Ordinal)) return outcome;
        }
    }

    async Task<SweepOutcome> SendOnceAsync(SweepOperation op, string url, string mutation, byte[]? body, MediaTypeHeaderValue? type)
    {
        var sessionEnding = SessionEnding.Contains(op.ToString());
        var client = await fixture.CallerAsync(op, sessionEnding);
        using var request = new HttpRequestMessage(new HttpMethod(op.Method), url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = type;
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        SweepOutcome outcome;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var answered = response.Content.Headers.ContentType?.MediaType;
            // A stream answers its headers at once and then never ends: its status is all there is to check.
            var text = op.IsEventStream && answered == "text/event-stream" ? "(event stream)" : await response.Content.ReadAsStringAsync(deadline.Token);
            // The exception handler clears the headers of a 500 (X-Request-Id too); its problem carries the same id as traceId.
            var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.First() : (int)response.StatusCode >= 500 ? TraceIdOf(text) : null;
            outcome = new SweepOutcome(op.ToString(), mutation, url, (int)response.StatusCode, answered, text, requestId);
        }
        catch (OperationCanceledException)
        {
            outcome = new SweepOutcome(op.ToString(), mutation, url, 0, null, "no answer within 30 seconds", null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
        {
            outcome = new SweepOutcome(op.ToString(), mutation, url, 0, null, $"the request failed: {e.GetType().Name}: {e.Message}", null);
        }
        if (sessionEnding && outcome.Status is >= 200 and < 300) fixture.ThrowawayUsed(op);
        return outcome;
    }

    /// <summary>Fails listing every 5xx (with the exception the server logged), every 4xx that is not problem+json, and any lost session.</summary>
    void Report(List<SweepOutcome> outcomes)
    {
        var errors = outcomes.Where(o => o.Status is >= 500 or <= 0).ToList();
        var notProblems = outcomes.Where(o => o.Status is >= 400 and < 500 && o.ContentType != "application/problem+json").ToList();
        // A 401 on a signed-in route means the sweep lost its session: what followed proved nothing.
        var lostSession = outcomes.Where(o => o.Status == 401 && !fixture.Schemas.Operations.Single(p => p.ToString() == o.Operation).IsPublic).ToList();

        output.WriteLine($"\n{outcomes.Count} requests; {errors.Count} server errors, {notProblems.Count} 4xx without problem+json, {lostSession.Count} lost sessions.");
        var causes = errors.GroupBy(o => CauseKey(fixture.Log.CauseOf(o.RequestId))).OrderByDescending(g => g.Count());
        foreach (var group in causes)
        {
            output.WriteLine($"\n{group.Count()} × {group.Key}");
            foreach (var o in group) output.WriteLine($"  {o.Operation} | {o.Mutation}");
        }

        var failures = new StringBuilder();
        if (errors.Count > 0)
        {
            failures.AppendLine($"{errors.Count} request(s) answered a server error (operation | mutation | status | url | body):");
            foreach (var o in errors) failures.AppendLine(o.Line(fixture.Log.CauseOf(o.RequestId)));
        }
        if (notProblems.Count > 0)
        {
            failures.AppendLine($"{notProblems.Count} 4xx answer(s) are not application/problem+json:");
            foreach (var o in notProblems) failures.AppendLine(o.Line(null));
        }
        if (lostSession.Count > 0)
        {
            failures.AppendLine($"The sweep lost its session ({lostSession.Count} × 401); first:");
            failures.AppendLine(lostSession[0].Line(null));
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    static string? TraceIdOf(string body)
    {
        try { return JsonNode.Parse(body)?["traceId"]?.GetValue<string>(); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>A cause without the values that differ between requests (ids, numbers), to group the errors.</summary>
    static string CauseKey(string? cause) => cause is null ? "(nothing logged)" : Numbers().Replace(cause, "#");

    [GeneratedRegex(@"\b[0-9a-f]{8}-[0-9a-f-]{27}\b|\b\d+\b")]
    private static partial Regex Numbers();
}

/// <summary>
/// One hospital with a real resource of every kind the routes name (department, doctor with working hours,
/// patient, appointment, queue token, custom role, staff account, time off, extra session), a second
/// hospital for the platform routes to suspend and deactivate, a super admin, and the plausible values
/// the generated bodies are filled with.
/// </summary>
public sealed partial class HostileInputFixture : IAsyncLifetime
{
    internal CarebaseApp App { get; private set; } = null!;
    internal TestTenant Tenant { get; private set; } = null!;
    internal OpenApiSchemas Schemas { get; private set; } = null!;
    internal ServerLog Log { get; } = new();
    HttpClient _admin = null!, _super = null!, _anonymous = null!;
    readonly ConcurrentDictionary<string, HttpClient> _throwaways = new();
    HashSet<string> _adminPermissions = [], _superPermissions = [];
    TimeZoneInfo _zone = null!;
    readonly Dictionary<string, Guid> _ids = [];
    readonly List<QueueSetup> _calendars = [];
    readonly SemaphoreSlim _calendarsLock = new(1, 1);
    int _n, _slot, _todaySlot;

    /// <summary>A zone east of UTC: an instant near the end of time is past the end of time in local time.</summary>
    const string Timezone = "Asia/Kolkata";

    public async Task InitializeAsync()
    {
        App = await CarebaseApp.Shared();
        App.Services.GetRequiredService<ILoggerFactory>().AddProvider(Log);
        Log.Listening = true;
        Tenant = await App.NewTenantAsync("sweep", Timezone);
        _zone = TimeZoneInfo.FindSystemTimeZoneById(Timezone);
        _admin = await Tenant.AdminAsync();
        _super = await App.SuperAdminAsync();
        _anonymous = App.Anonymous();
        Schemas = new OpenApiSchemas(await (await _anonymous.GetAsync("/openapi/v1.json")).JsonAsync());
        _adminPermissions = await PermissionsAsync(_admin);
        _superPermissions = await PermissionsAsync(_super);

        var department = await DepartmentsApi.CreateDepartmentAsync(_admin);
        var doctor = DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(_admin, Tenant, departmentId: department));
        await WholeWeekAsync(doctor);
        var person = PatientKit.Person();
        person["departmentId"] = department;
        var patient = (await PatientKit.RegisterAsync(_admin, person)).Id();
        _calendars.Add(new QueueSetup(App, Tenant, _admin, doctor));
        var walkIn = await (await _calendars[0].WalkInAsync(await NewPatientAsync())).JsonAsync(HttpStatusCode.Created);
        var role = await (await _admin.PostAsJsonAsync("/api/v1/roles",
            new { name = $"Sweep role {Tenant.Slug}", description = "Hostile input sweep", permissions = new[] { Permissions.PatientsRead } }))
            .JsonAsync(HttpStatusCode.Created);
        var staff = await StaffApi.CreateUserAsync(_admin, Tenant, SystemRoles.Nurse);
        var span = new Span();
        var timeOff = await (await _admin.PostAsJsonAsync($"/api/v1/doctors/{doctor}/time-off",
            new { startsAt = NextInstant(span), endsAt = span.End, reason = "Sweep", proceed = true })).JsonAsync(HttpStatusCode.Created);
        var session = await (await _admin.PostAsJsonAsync($"/api/v1/doctors/{doctor}/extra-sessions",
            new { startsAt = NextInstant(span), endsAt = span.End, note = "Sweep" })).JsonAsync(HttpStatusCode.Created);
        var victim = await App.NewTenantAsync("victim");

        _ids["department"] = department;
        _ids["doctor"] = doctor;
        _ids["patient"] = patient;
        _ids["appointment"] = await TodayAppointmentAsync();
        _ids["token"] = QueueJson.Id(walkIn);
        _ids["role"] = role["id"]!.GetValue<Guid>();
        _ids["user"] = staff["id"]!.GetValue<Guid>();
        _ids["timeoff"] = timeOff["id"]!.GetValue<Guid>();
        _ids["session"] = session["id"]!.GetValue<Guid>();
        _ids["tenant"] = victim.Id;
        // A visit of the fixture patient with a draft prescription, so /prescriptions/{id} routes reach their handlers.
        var visit = await (await _admin.PostAsJsonAsync("/api/v1/visits", new { patientId = patient, doctorId = doctor })).JsonAsync(HttpStatusCode.Created);
        _ids["visit"] = visit["id"]!.GetValue<Guid>();
        _ids["prescription"] = (await (await _admin.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            visitId = _ids["visit"], items = new[] { new { medicine = "Sweep 1 mg", doseAmount = 1, frequency = "OD", durationDays = 1 } },
        })).JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        // A document of the fixture patient, so /documents/{docId} routes reach their handlers.
        _ids["doc"] = (await Documents.DocumentsKit.UploadedAsync(_admin, patient, Documents.DocumentsKit.Pdf))["id"]!.GetValue<Guid>();
        // A stock item with a batch, so /stock-items/{id} and /batches/{id} routes reach their handlers ("batches" → batche).
        var stockItem = await Pharmacy.PharmacyKit.CreateItemAsync(_admin);
        _ids["stockitem"] = stockItem["id"]!.GetValue<Guid>();
        _ids["batch"] = _ids["batche"] = (await Pharmacy.PharmacyKit.ReceiveAsync(_admin, _ids["stockitem"]))["id"]!.GetValue<Guid>();
    }

    public Task DisposeAsync()
    {
        Log.Listening = false;
        foreach (var client in new[] { _admin, _super, _anonymous }.Concat(_throwaways.Values)) client.Dispose();
        return Task.CompletedTask;
    }

    static async Task<HashSet<string>> PermissionsAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/v1/auth/me")).JsonAsync())["permissions"]!.AsArray().Select(p => p!.GetValue<string>()).ToHashSet();

    /// <summary>Working every day, all day: any hour of the sweep's instants is a bookable slot.</summary>
    async Task WholeWeekAsync(Guid doctor) =>
        await (await _admin.PutAsJsonAsync($"/api/v1/doctors/{doctor}/working-hours",
            new { blocks = Enumerable.Range(1, 7).Select(d => SchedulingKit.Block(d, "00:00", "23:59")).ToArray() })).JsonAsync();

    /// <summary>
    /// The caller an operation needs: nobody for public routes, the super admin for permissions only it
    /// holds (platform), a throwaway account for routes that end the caller's session, else the hospital admin.
    /// </summary>
    internal async Task<HttpClient> CallerAsync(SweepOperation op, bool sessionEnding)
    {
        if (op.IsPublic) return _anonymous;
        if (sessionEnding)
        {
            if (!_throwaways.TryGetValue(op.ToString(), out var throwaway))
                _throwaways[op.ToString()] = throwaway = await App.SignInAsync((await Tenant.CreateUserAsync()).email);
            return throwaway;
        }
        return op.Permission is { } p && !_adminPermissions.Contains(p) && _superPermissions.Contains(p) ? _super : _admin;
    }

    /// <summary>The throwaway account's session may have ended: the operation's next request gets a new account.</summary>
    internal void ThrowawayUsed(SweepOperation op)
    {
        if (_throwaways.TryRemove(op.ToString(), out var client)) client.Dispose();
    }

    /// <summary>
    /// The numbers that make values unique (emails, codes, names) count per operation from the operation's place
    /// in the document, so each operation sends the same values in every run whatever the other lanes do.
    /// </summary>
    readonly AsyncLocal<StrongBox<int>> _sequence = new();

    internal void BeginOperation(SweepOperation op) => _sequence.Value = new StrongBox<int>(1_000_000 * (Schemas.Operations.ToList().IndexOf(op) + 1));

    internal int Next() => _sequence.Value is { } sequence ? ++sequence.Value : Interlocked.Increment(ref _n);

    /// <summary>
    /// The path with its parameters filled by the resource they name: <c>{id}</c> by the segment before it
    /// (/patients/{id} → the patient), others by their name (<c>{tokenId}</c> → the queue token).
    /// </summary>
    internal async Task<string> UrlAsync(SweepOperation op)
    {
        var url = op.Path;
        foreach (Match m in PathParameter().Matches(op.Path))
        {
            var name = m.Groups[1].Value;
            var kind = name == "id" ? KindOf(op.Path[..m.Index].TrimEnd('/').Split('/')[^1]) : KindOf(name);
            url = url.Replace(m.Value, (await IdAsync(kind, op)).ToString(), StringComparison.Ordinal);
        }
        return url;
    }

    /// <summary>The URL with the uuid query parameters set to the fixture's resources (a queue board needs its doctor), then <paramref name="set"/>.</summary>
    internal string QueryUrl(SweepOperation op, string url, params (string name, string encoded)[] set)
    {
        var query = new Dictionary<string, string>();
        foreach (var p in op.Parameters("query").Where(p => p["schema"]?["format"]?.GetValue<string>() == "uuid"))
        {
            var name = p["name"]!.GetValue<string>();
            if (_ids.TryGetValue(KindOf(name), out var id)) query[name] = id.ToString();
        }
        foreach (var (name, encoded) in set) query[name] = encoded;
        return query.Count == 0 ? url : url + "?" + string.Join("&", query.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    /// <summary>"patients" → patient, "timeOffId" → timeoff, "roleIds" → role.</summary>
    static string KindOf(string name)
    {
        var kind = name.Replace("-", "").ToLowerInvariant();
        if (kind.EndsWith("ids", StringComparison.Ordinal)) kind = kind[..^3];
        else if (kind.EndsWith("id", StringComparison.Ordinal) && kind.Length > 2) kind = kind[..^2];
        return kind.EndsWith('s') ? kind[..^1] : kind;
    }

    /// <summary>
    /// The id of a resource of <paramref name="kind"/>. Requests that act on a patient or an appointment
    /// (POST: book, check in, merge, cancel…) get a new one each, so an earlier request's success (a merge,
    /// a cancellation) cannot turn the next one into a 409 that stops short of the hostile value.
    /// Unknown kinds get an unknown id (the route is still swept, less deeply).
    /// </summary>
    async Task<Guid> IdAsync(string kind, SweepOperation op)
    {
        var fresh = op.Method == "POST";
        return kind switch
        {
            "patient" when fresh => await NewPatientAsync(),
            "duplicate" => await NewPatientAsync(),
            "appointment" when fresh => await TodayAppointmentAsync(),
            _ => _ids.TryGetValue(kind, out var id) ? id : Guid.Parse("5eed0000-0000-4000-8000-000000000000"),
        };
    }

    /// <summary>A patient made directly, born on a day no generated body uses, so it is never a likely duplicate of one.</summary>
    async Task<Guid> NewPatientAsync() => (await _calendars[0].PatientsAsync(1, OtherBirthDate))[0];

    static readonly DateOnly OtherBirthDate = new(1950, 1, 1);

    /// <summary>A SCHEDULED appointment today (check-in needs today's), every 15 minutes from midnight, on another doctor when the day is full.</summary>
    async Task<Guid> TodayAppointmentAsync()
    {
        var index = Interlocked.Increment(ref _todaySlot) - 1;
        QueueSetup calendar;
        await _calendarsLock.WaitAsync();
        try
        {
            while (index / 90 >= _calendars.Count)
                _calendars.Add(new QueueSetup(App, Tenant, _admin, DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(_admin, Tenant))));
            calendar = _calendars[index / 90];
        }
        finally
        {
            _calendarsLock.Release();
        }
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), _zone).DateTime);
        var local = today.ToDateTime(TimeOnly.MinValue).AddMinutes(15 * (index % 90));
        var startsAt = new DateTimeOffset(local, _zone.GetUtcOffset(local));
        return await calendar.AppointmentAsync((await calendar.PatientsAsync(1, OtherBirthDate))[0], startsAt.ToUniversalTime(), today);
    }

    /// <summary>
    /// A future instant no other request of the sweep uses: a new day each time, at a different hour (a weekly
    /// series of one never meets another's). <paramref name="span"/> keeps it for the end field that follows.
    /// </summary>
    string NextInstant(Span span)
    {
        var index = Interlocked.Increment(ref _slot) - 1;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), _zone).DateTime);
        var local = today.AddDays(2 + index).ToDateTime(new TimeOnly(index % 24, 0));
        span.Start = new DateTimeOffset(local, _zone.GetUtcOffset(local));
        return SweepFormat.Instant(span.Start);
    }

    /// <summary>The start of a body's period, for its end (startsAt, then endsAt 30 minutes later).</summary>
    sealed class Span
    {
        public DateTimeOffset Start { get; set; }
        public string End => SweepFormat.Instant(Start.AddMinutes(30));
    }

    /// <summary>
    /// A valid-shaped body for the schema: every property filled with a plausible value for its type, format and
    /// name (the API's naming conventions: emails, phones, passwords, enum-like codes), ids of real resources.
    /// </summary>
    internal async Task<JsonNode> BodyAsync(JsonObject schema, SweepOperation op) => (await ValueAsync(schema, "", op, 0, new Span()))!;

    async Task<JsonNode?> ValueAsync(JsonObject schema, string name, SweepOperation op, int depth, Span span)
    {
        switch (OpenApiSchemas.KindOf(schema))
        {
            case SchemaKind.Object:
                var properties = schema["properties"]?.AsObject() ?? [];
                var result = new JsonObject();
                foreach (var (property, propertySchema) in properties)
                {
                    // "userId" beside "user": an existing thing or a new one, not both; the new one is swept deeper.
                    if (property.EndsWith("Id", StringComparison.Ordinal) && properties.ContainsKey(property[..^2])) { result[property] = null; continue; }
                    result[property] = depth < 4 ? await ValueAsync(Schemas.Resolve(propertySchema), property, op, depth + 1, span) : null;
                }
                return result;
            case SchemaKind.Array:
                return new JsonArray(await ValueAsync(Schemas.Resolve(schema["items"]), name, op, depth + 1, span));
            case SchemaKind.Integer:
                return name.ToLowerInvariant() switch
                {
                    "slotminutes" or "idletimeoutminutes" => 30,
                    "count" => 2,
                    "yearsofexperience" => 10,
                    "maxusers" or "maxpatients" => 1000,
                    _ => 1,
                };
            case SchemaKind.Number:
                return 100.5;
            case SchemaKind.Boolean:
                return true;
            case SchemaKind.String:
                return schema["format"]?.GetValue<string>() switch
                {
                    "uuid" => (await IdAsync(KindOf(name), op)).ToString(),
                    "date" => "1990-05-17",
                    "date-time" => Regex.IsMatch(name, "^(end|to$|until)", RegexOptions.IgnoreCase) ? span.End : NextInstant(span),
                    _ => PlausibleString(name),
                };
            default:
                return null;
        }
    }

    internal string PlausibleString(string name)
    {
        var n = Next();
        var lower = name.ToLowerInvariant();
        return lower switch
        {
            _ when lower.Contains("email") => $"sweep-{n}@{Tenant.Slug}.test",
            "password" or "currentpassword" => CarebaseApp.Password,
            _ when lower.Contains("password") => $"Sweep-Orchid-Lantern-{n}",
            _ when lower.Contains("phone") => $"+1 555 {n:D7}",
            "slug" => $"sweep-{Tenant.Id.ToString("N")[..6]}-{n}",
            "code" => $"SW-{n}",
            "hospital" => Tenant.Slug,
            "timezone" => Timezone,
            "currency" => "USD",
            "gender" => "FEMALE",
            "bloodtype" => "O_POSITIVE",
            "insurancetype" => "PRIVATE",
            "maritalstatus" => "SINGLE",
            "patienttype" => "OPD",
            "priority" => "HIGH",
            "starttime" => "09:00",
            "endtime" => "17:00",
            "permissions" => Permissions.PatientsRead,
            _ => $"Sweep {n}",
        };
    }

    /// <summary>One mutation per hostile value per field (nested objects and array items included), from the schema.</summary>
    internal IEnumerable<BodyMutation> Mutations(JsonObject schema) => FieldMutations(schema, [], "", 0);

    /// <summary>
    /// A borrowed schema may hold fields the operation does not take (registration's allowDuplicate on a PATCH):
    /// the fields a plausible body is refused for are left out, once.
    /// </summary>
    internal async Task<JsonObject> WithoutRefusedFieldsAsync(JsonObject schema, SweepOperation op, HttpClient caller)
    {
        using var request = new HttpRequestMessage(new HttpMethod(op.Method), await UrlAsync(op)) { Content = Hostile.JsonBody(await BodyAsync(schema, op)) };
        using var response = await caller.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.UnprocessableEntity) return schema;
        var refused = JsonNode.Parse(await response.Content.ReadAsStringAsync())?["errors"]?.AsObject().Select(e => e.Key) ?? [];
        return OpenApiSchemas.Without(schema, refused);
    }

    IEnumerable<BodyMutation> FieldMutations(JsonObject schema, List<object> path, string name, int depth)
    {
        var kind = OpenApiSchemas.KindOf(schema);
        if (path.Count > 0)
        {
            var values = kind switch
            {
                SchemaKind.String => schema["format"]?.GetValue<string>() switch
                {
                    "date" or "date-time" => Hostile.ForDate(),
                    "uuid" => Hostile.ForUuid(),
                    _ => Hostile.ForString(PlausibleString(name)),
                },
                SchemaKind.Integer => Hostile.ForInteger(),
                SchemaKind.Number => Hostile.ForNumber(),
                SchemaKind.Boolean => Hostile.ForBoolean(),
                SchemaKind.Object => [("array instead of object", new JsonArray()), ("string instead of object", "x")],
                SchemaKind.Array => [("object instead of array", new JsonObject()), ("string instead of array", "x"),
                    ("[null]", new JsonArray((JsonNode?)null)), ("10,000 items", TenThousand(schema, name))],
                _ => [],
            };
            foreach (var (label, value) in values) yield return new BodyMutation(label, path, value);
            yield return new BodyMutation("null", path, null);
            if (path[^1] is string) yield return new BodyMutation("missing", path, null, Remove: true);
        }
        if (depth >= 4) yield break;
        if (kind == SchemaKind.Object)
        {
            var properties = (schema["properties"]?.AsObject() ?? []).Select(p => (name: p.Key, schema: Schemas.Resolve(p.Value))).ToList();
            foreach (var (property, propertySchema) in properties)
                foreach (var m in FieldMutations(propertySchema, [.. path, property], property, depth + 1))
                    yield return m;
            var dates = properties.Where(p => p.schema["format"]?.GetValue<string>() is "date" or "date-time").ToList();
            if (dates.Count >= 2)
                foreach (var (label, start, end) in Hostile.BodyPeriods(dates[0].schema["format"]!.GetValue<string>()))
                    yield return new BodyMutation(label, [.. path, dates[0].name], start, SecondPath: [.. path, dates[1].name], SecondValue: end);
        }
        if (kind == SchemaKind.Array)
            foreach (var m in FieldMutations(Schemas.Resolve(schema["items"]), [.. path, 0], name, depth + 1))
                yield return m;
    }

    /// <summary>An array of 10,000 copies of a plausible item (the same id, or a short string).</summary>
    JsonArray TenThousand(JsonObject schema, string name)
    {
        var item = Schemas.Resolve(schema["items"]);
        JsonNode? One() => item["format"]?.GetValue<string>() == "uuid" && _ids.TryGetValue(KindOf(name), out var id)
            ? JsonValue.Create(id.ToString())
            : OpenApiSchemas.KindOf(item) == SchemaKind.String ? JsonValue.Create(PlausibleString(name)) : new JsonObject();
        return new JsonArray(Enumerable.Range(0, 10_000).Select(_ => One()).ToArray());
    }

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]*)?\}")]
    private static partial Regex PathParameter();
}
