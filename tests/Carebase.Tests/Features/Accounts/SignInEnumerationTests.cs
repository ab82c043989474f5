using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Carebase.Tests.Features.Accounts;

/// <summary>
/// Sign-in answers do not tell which emails have an account: an email without one goes through the same 401s and
/// the same lockout (423 with Retry-After) as an account given wrong passwords.
/// </summary>
public sealed partial class SignInEnumerationTests
{
    [Fact]
    public async Task An_unknown_email_answers_exactly_as_a_known_one_with_wrong_passwords_lockout_included()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var (_, known) = await tenant.CreateUserAsync("NURSE");
        var unknown = $"nobody-{Guid.NewGuid():N}@{tenant.Slug}.test";
        using var client = app.Anonymous();

        for (var attempt = 1; attempt <= 7; attempt++)
        {
            var (status, knownAnswer, knownRetry) = await SignInAsync(client, known, attempt);
            // Emails are matched without regard to case, for unknown ones as for accounts.
            var (_, unknownAnswer, unknownRetry) = await SignInAsync(client, attempt % 2 == 0 ? unknown.ToUpperInvariant() : unknown, attempt);

            Assert.Equal(knownAnswer, unknownAnswer);
            Assert.Equal(attempt < 5 ? 401 : 423, status);
            if (attempt < 5) Assert.Null(knownRetry);
            else
            {
                // Up to the lock's end (15 minutes, rounded up to the second).
                Assert.InRange(knownRetry!.Value.TotalSeconds, 1, 15 * 60 + 1);
                Assert.InRange(unknownRetry!.Value.TotalSeconds, 1, 15 * 60 + 1);
            }
        }
        Assert.Equal(423, (await SignInAsync(client, unknown, 8)).Status);
    }

    [Fact]
    public async Task An_unknown_email_is_unlocked_when_its_lockout_ends_and_counts_again_from_zero()
    {
        var app = await CarebaseApp.Shared();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.test";
        using var client = app.Anonymous();
        for (var attempt = 1; attempt <= 5; attempt++) await SignInAsync(client, unknown, attempt);
        Assert.Equal(423, (await SignInAsync(client, unknown, 6)).Status);

        await TestDatabase.ExecuteAsync("UPDATE platform.unknown_sign_in_failures SET lockout_end = now() - interval '1 second' WHERE normalized_email = $1",
            unknown.ToUpperInvariant());

        for (var attempt = 1; attempt <= 4; attempt++) Assert.Equal(401, (await SignInAsync(client, unknown, attempt)).Status);
        Assert.Equal(423, (await SignInAsync(client, unknown, 5)).Status);
    }

    /// <summary>
    /// The status, and the answer as one string: status, headers' names and the body (without its trace id), with
    /// every digit made 9 so that only moments (a lockout's end, the seconds to wait) may differ, not their form.
    /// </summary>
    static async Task<(int Status, string Answer, TimeSpan? RetryAfter)> SignInAsync(HttpClient client, string email, int attempt)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = $"wrong-password-{attempt}" });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("traceId");
        var headers = string.Join(",", response.Headers.Concat(response.Content.Headers).Select(h => h.Key).Order());
        var answer = $"{(int)response.StatusCode} {headers} {body.ToJsonString()}";
        return ((int)response.StatusCode, Digit().Replace(answer, "9"), response.Headers.RetryAfter?.Delta);
    }

    [GeneratedRegex("[0-9]")]
    private static partial Regex Digit();
}
