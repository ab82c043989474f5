using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Carebase.Tests.Features.Platform;

/// <summary>One operation of the served OpenAPI document, with what the sweep needs to know about it.</summary>
sealed partial record SweepOperation(string Method, string Path, JsonObject Node)
{
    public override string ToString() => $"{Method} {Path}";

    public IEnumerable<JsonObject> Parameters(string location) =>
        (Node["parameters"]?.AsArray() ?? []).Select(p => p!.AsObject()).Where(p => p["in"]?.GetValue<string>() == location);

    /// <summary>Operations without a security requirement, or with an empty one among them (authentication optional), are public (called anonymously).</summary>
    public bool IsPublic => Node["security"] is not JsonArray security || security.Any(r => r is JsonObject { Count: 0 });

    /// <summary>The permission the description names ("Requires permission `x`."), when any.</summary>
    public string? Permission => PermissionNote().Match(Node["description"]?.GetValue<string>() ?? "") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>A stream (server-sent events) never ends: only its status and headers are read.</summary>
    public bool IsEventStream => Node["responses"]?.AsObject().Any(r => r.Value?["content"]?["text/event-stream"] is not null) == true;

    public (string mediaType, JsonNode? schema)? Body =>
        Node["requestBody"]?["content"]?.AsObject().FirstOrDefault() is { Key: { } type } content ? (type, content.Value?["schema"]) : null;

    [GeneratedRegex("Requires permission `([^`]+)`")]
    private static partial Regex PermissionNote();
}

enum SchemaKind { Object, Array, String, Integer, Number, Boolean, Any }

/// <summary>Reads the schemas of the served document: resolves $ref, nullable oneOf/anyOf and type lists.</summary>
sealed class OpenApiSchemas(JsonObject document)
{
    public IReadOnlyList<SweepOperation> Operations { get; } = document["paths"]!.AsObject()
        .SelectMany(p => p.Value!.AsObject().Where(m => m.Key != "parameters")
            .Select(m => new SweepOperation(m.Key.ToUpperInvariant(), p.Key, m.Value!.AsObject())))
        .ToList();

    /// <summary>The schema behind refs and "oneOf: [null, X]"; empty for a free-form value.</summary>
    public JsonObject Resolve(JsonNode? schema)
    {
        for (var depth = 0; depth < 10 && schema is JsonObject o; depth++)
        {
            if (o["$ref"]?.GetValue<string>() is { } reference)
                schema = document["components"]!["schemas"]![reference.Split('/')[^1]];
            else if ((o["oneOf"] ?? o["anyOf"]) is JsonArray options)
                schema = options.FirstOrDefault(x => x?["type"]?.ToString() != "null");
            else return o;
        }
        return new JsonObject();
    }

    public static SchemaKind KindOf(JsonObject schema)
    {
        var types = schema["type"] switch
        {
            JsonArray a => a.Select(t => t!.GetValue<string>()).ToHashSet(),
            JsonValue v => [v.GetValue<string>()],
            _ => schema["properties"] is not null ? ["object"] : [],
        };
        // Numbers are documented as "integer or string" (they may be sent as strings): the number wins.
        if (types.Contains("integer")) return SchemaKind.Integer;
        if (types.Contains("number")) return SchemaKind.Number;
        if (types.Contains("boolean")) return SchemaKind.Boolean;
        if (types.Contains("array")) return SchemaKind.Array;
        if (types.Contains("object")) return SchemaKind.Object;
        if (types.Contains("string")) return SchemaKind.String;
        return SchemaKind.Any;
    }

    /// <summary>
    /// The schema of a JSON body. A free-form body (a PATCH that takes "the fields present") borrows the
    /// request schema of POST on its collection (<paramref name="borrowed"/>), so its fields are swept too.
    /// </summary>
    public JsonObject BodySchema(SweepOperation op, out bool borrowed)
    {
        borrowed = false;
        var schema = Resolve(op.Body?.schema);
        if (KindOf(schema) != SchemaKind.Any) return schema;
        var collection = Regex.Replace(op.Path, @"/\{[^}]+\}$", "");
        var create = Operations.FirstOrDefault(o => o.Method == "POST" && o.Path == collection && o != op);
        if (create is null) return schema;
        borrowed = true;
        return Resolve(create.Body?.schema);
    }

    /// <summary>The schema without some properties.</summary>
    public static JsonObject Without(JsonObject schema, IEnumerable<string> properties)
    {
        var copy = schema.DeepClone().AsObject();
        foreach (var p in properties) copy["properties"]?.AsObject().Remove(p);
        return copy;
    }
}

/// <summary>A place in a JSON body (property names and array indexes) and what to put there; a period sets a second place too.</summary>
sealed record BodyMutation(string Label, IReadOnlyList<object> Path, JsonNode? Value, bool Remove = false,
    IReadOnlyList<object>? SecondPath = null, JsonNode? SecondValue = null);

/// <summary>The hostile values, per kind of field, and the bodies and query strings they are sent in.</summary>
static class Hostile
{
    /// <summary>Put in a string where a lone UTF-16 surrogate goes: the JSON writer refuses to write one itself.</summary>
    public const string LoneSurrogate = "~LONE-SURROGATE~";
    public static readonly string Huge = new('x', 100_000);

    /// <summary>Values a careful API refuses (by the start of their label): a 2xx for one of them is reported, not failed.</summary>
    static readonly string[] Refusable = ["NUL", "U+0001 U+001B U+007F", "lone surrogate", "100,000 characters", "0001-", "9999-", "no offset", "1990-02-30"];

    public static bool ShouldBeRefused(string label) => Refusable.Any(r => label.StartsWith(r, StringComparison.Ordinal));

    public static IEnumerable<(string label, JsonNode? value)> ForString(string plausible)
    {
        var half = plausible.Length / 2;
        string Inside(string s) => plausible[..half] + s + plausible[half..];
        yield return ("NUL", Inside("\0"));
        // One request for the other control characters: they travel the same path (and PostgreSQL stores them).
        yield return ("U+0001 U+001B U+007F", Inside("\u0001\u001b\u007f"));
        yield return ("lone surrogate", Inside(LoneSurrogate));
        yield return ("100,000 characters", Huge);
        yield return ("number instead of string", 42);
    }

    public static IEnumerable<(string label, JsonNode? value)> ForDate() =>
    [
        ("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31"), ("9999-12-31T10:00:00-05:00", "9999-12-31T10:00:00-05:00"),
        ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00"), ("no offset", "2026-12-02T10:00:00"), ("1990-02-30", "1990-02-30"),
        ("NUL", "2026-12-02\0"), ("number instead of string", 42),
    ];

    public static IEnumerable<(string label, JsonNode? value)> ForUuid() =>
    [
        ("not a UUID", "not-a-uuid"), ("empty UUID", "00000000-0000-0000-0000-000000000000"),
        ("unknown UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff"), ("NUL", "\0"), ("number instead of string", 42),
    ];

    public static IEnumerable<(string label, JsonNode? value)> ForInteger() =>
    [
        ("2147483648", 2147483648L), ("-2147483649", -2147483649L), ("1e308", 1e308), ("\"ten\"", "ten"), ("1.5", 1.5), ("0", 0), ("-1", -1),
        ("\"2147483648\"", "2147483648"),
    ];

    public static IEnumerable<(string label, JsonNode? value)> ForNumber() =>
    [
        ("1e308", 1e308), ("-1e308", -1e308), ("\"ten\"", "ten"), ("\"NaN\"", "NaN"), ("\"Infinity\"", "Infinity"), ("0", 0), ("-1", -1),
        ("79228162514264337593543950336", 79228162514264337593543950336d),
    ];

    public static IEnumerable<(string label, JsonNode? value)> ForBoolean() => [("\"yes\"", "yes"), ("1", 1)];

    /// <summary>Whole bodies that are not the JSON object asked for.</summary>
    public static IEnumerable<(string label, HttpContent content)> Bodies()
    {
        static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
        yield return ("empty body", Json(""));
        yield return ("body: {", Json("{"));
        yield return ("body: not json", Json("not json"));
        yield return ("body: []", Json("[]"));
        yield return ("body: null", Json("null"));
        yield return ("body: \"text\"", Json("\"text\""));
        yield return ("body: 42", Json("42"));
        yield return ("body: {}", Json("{}"));
        var bytes = new ByteArrayContent([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x00]);
        bytes.Headers.ContentType = new("application/json");
        yield return ("body: invalid UTF-8 and NUL bytes", bytes);
        yield return ("body: nested 1,000 deep", Json(new string('[', 1000) + new string(']', 1000)));
        yield return ("body: text/plain", new StringContent("name=x", Encoding.UTF8, "text/plain"));
    }

    /// <summary>
    /// Values for one query parameter, already URL-encoded (some are invalid encodings on purpose): what any
    /// parameter may receive, then what its type invites (numbers for numbers, ids for ids, dates for dates).
    /// </summary>
    public static IEnumerable<(string label, string encoded)> QueryValues(JsonObject parameter)
    {
        var name = parameter["name"]!.GetValue<string>();
        IEnumerable<(string, string)> values =
        [
            ("a%00b", "a%00b"), ("%FF (invalid UTF-8)", "%FF"), ("%ED%A0%80 (encoded surrogate)", "%ED%A0%80"), ("100,000 characters", Huge),
            ("empty", ""), ("repeated", $"1&{name}=2"),
        ];
        var schema = parameter["schema"] as JsonObject ?? [];
        if (IsDateLike(parameter))
            values = values.Concat([
                ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"), ("9999-12-31T10:00:00-05:00", Uri.EscapeDataString("9999-12-31T10:00:00-05:00")),
                ("no offset", "2026-12-02T10:00:00"), ("1990-02-30", "1990-02-30"),
            ]);
        else if (OpenApiSchemas.KindOf(schema) is SchemaKind.Integer or SchemaKind.Number)
            values = values.Concat([("ten", "ten"), ("2147483648", "2147483648"), ("-1", "-1"), ("1.5", "1.5")]);
        else if (schema["format"]?.GetValue<string>() == "uuid")
            values = values.Concat([("not-a-uuid", "not-a-uuid"), ("empty UUID", "00000000-0000-0000-0000-000000000000")]);
        else if (OpenApiSchemas.KindOf(schema) == SchemaKind.Boolean)
            values = values.Concat([("yes", "yes")]);
        return values;
    }

    /// <summary>
    /// Both ends of a period in a body (startsAt/endsAt) at once: one extreme end alone is refused as a span
    /// that ends before it starts, which would hide what the extreme dates do further in.
    /// </summary>
    public static IEnumerable<(string label, string start, string end)> BodyPeriods(string format) => format == "date"
        ? [("9999-12-25..9999-12-31", "9999-12-25", "9999-12-31"), ("0001-01-01..0001-01-07", "0001-01-01", "0001-01-07")]
        : [
            ("9999-12-31T10:00:00-05:00 for an hour", "9999-12-31T10:00:00-05:00", "9999-12-31T11:00:00-05:00"),
            ("9999-12-31T23:00:00+00:00 for half an hour", "9999-12-31T23:00:00+00:00", "9999-12-31T23:30:00+00:00"),
            ("0001-01-01T00:00:00+00:00 for an hour", "0001-01-01T00:00:00+00:00", "0001-01-01T01:00:00+00:00"),
            ("no offset, for an hour", "2026-12-02T10:00:00", "2026-12-02T11:00:00"),
        ];

    /// <summary>Periods for operations with two date-like parameters (from/to): both ends at once.</summary>
    public static IEnumerable<(string label, string from, string to)> Periods() =>
    [
        ("9999-12-25..9999-12-31", "9999-12-25", "9999-12-31"), ("9999-01-01..9999-12-31", "9999-01-01", "9999-12-31"),
        ("0001-01-01..0001-01-07", "0001-01-01", "0001-01-07"),
        ("9999-12-31T00:00:00+14:00..9999-12-31T23:59:59-12:00", Uri.EscapeDataString("9999-12-31T00:00:00+14:00"), Uri.EscapeDataString("9999-12-31T23:59:59-12:00")),
        ("0001-01-01T00:00:00-12:00..0001-01-02T00:00:00+14:00", Uri.EscapeDataString("0001-01-01T00:00:00-12:00"), Uri.EscapeDataString("0001-01-02T00:00:00+14:00")),
        ("reversed 2026-12-31..2026-01-01", "2026-12-31", "2026-01-01"),
    ];

    public static bool IsDateLike(JsonObject parameter)
    {
        var name = parameter["name"]!.GetValue<string>().ToLowerInvariant();
        var format = parameter["schema"]?["format"]?.GetValue<string>();
        return format is "date" or "date-time" || name is "from" or "to" or "since" or "until" || name.EndsWith("date", StringComparison.Ordinal);
    }

    /// <summary>The text of a body, with the lone-surrogate marker turned into the JSON escape the writer would not produce.</summary>
    public static StringContent JsonBody(JsonNode? body) =>
        new((body?.ToJsonString() ?? "null").Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal), Encoding.UTF8, "application/json");

    public static JsonNode Apply(JsonNode body, BodyMutation mutation)
    {
        var copy = body.DeepClone();
        JsonNode? parent = copy;
        foreach (var step in mutation.Path.SkipLast(1)) parent = step is int i ? parent?[i] : parent?[(string)step];
        switch (parent, mutation.Path[^1])
        {
            case (JsonObject o, string name) when mutation.Remove: o.Remove(name); break;
            case (JsonObject o, string name): o[name] = mutation.Value?.DeepClone(); break;
            case (JsonArray a, int i) when mutation.Remove: a.RemoveAt(i); break;
            case (JsonArray a, int i): a[i] = mutation.Value?.DeepClone(); break;
        }
        if (mutation.SecondPath is { } second) return Apply(copy, new BodyMutation(mutation.Label, second, mutation.SecondValue));
        return copy;
    }

    public static string Describe(IReadOnlyList<object> path) =>
        string.Concat(path.Select((p, i) => p is int n ? $"[{n}]" : (i == 0 ? "" : ".") + p));
}

/// <summary>What one request of the sweep answered.</summary>
sealed record SweepOutcome(string Operation, string Mutation, string Url, int Status, string? ContentType, string Body, string? RequestId)
{
    public string Line(string? cause) =>
        $"{Operation} | {Mutation} | {Status} | {Url[..Math.Min(Url.Length, 160)]} | {Body[..Math.Min(Body.Length, 200)].ReplaceLineEndings(" ")}"
        + (cause is null ? "" : $"\n    cause: {cause}");
}

/// <summary>
/// Keeps the server's warnings and errors per request id (the X-Request-Id the service answers with), so
/// a 5xx of the sweep can be reported with the exception behind it.
/// </summary>
sealed class ServerLog : ILoggerProvider, ISupportExternalScope
{
    readonly ConcurrentDictionary<string, ConcurrentQueue<(string text, bool exception)>> _byRequest = new();
    IExternalScopeProvider? _scopes;

    public bool Listening { get; set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    /// <summary>
    /// What the server logged for the request: the last exception (the error handler logs the one that became the
    /// 500, after EF Core's own lines), its innermost cause and the first frame in the service's code.
    /// </summary>
    public string? CauseOf(string? requestId) =>
        requestId is not null && _byRequest.TryGetValue(requestId, out var lines)
            ? lines.LastOrDefault(l => l.exception).text ?? lines.FirstOrDefault().text
            : null;

    void Add(LogLevel level, string message, Exception? exception)
    {
        if (!Listening || level < LogLevel.Error) return;
        string? requestId = null;
        _scopes?.ForEachScope((scope, _) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (key, value) in pairs)
                    if (key == "RequestId") requestId = value?.ToString();
        }, (object?)null);
        if (requestId is null) return;
        _byRequest.GetOrAdd(requestId, _ => new()).Enqueue(exception is null ? (message.Split('\n')[0], false) : (Summary(exception), true));
    }

    static string Summary(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var frame = (e.StackTrace ?? "").Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith("at Carebase.", StringComparison.Ordinal));
        var types = inner == e ? e.GetType().Name : $"{e.GetType().Name} ← {inner.GetType().Name}";
        var message = inner.Message.Split('\n')[0];
        return $"{types}: {message[..Math.Min(message.Length, 180)]}" + (frame is null ? "" : $" {Regex.Replace(frame, @"\(.*", "")}");
    }

    sealed class Logger(ServerLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => log.Listening && logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add(logLevel, formatter(state, exception), exception);
    }
}

static class SweepFormat
{
    /// <summary>An instant as the API writes it: local wall-clock time with its offset.</summary>
    public static string Instant(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
