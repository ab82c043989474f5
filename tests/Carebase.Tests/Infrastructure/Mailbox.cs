using System.Text.RegularExpressions;

namespace Carebase.Tests.Infrastructure;

/// <summary>Reads the sandbox mail folder the outbox dispatcher writes .eml files to.</summary>
public sealed partial class Mailbox(string directory)
{
    public sealed record Mail(string To, string Subject, string Kind, string Body, string Path)
    {
        /// <summary>The value of the "Token:" line every account email carries.</summary>
        public string Token => TokenLine().Match(Body).Groups[1].Value.Trim();
    }

    /// <summary>Waits (up to 30 s) for a message of <paramref name="kind"/> to <paramref name="to"/>, delivered by the dispatcher.</summary>
    public async Task<Mail> WaitForAsync(string to, string kind, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = All().FirstOrDefault(m => m.To.Equals(to, StringComparison.OrdinalIgnoreCase) && m.Kind == kind);
            if (found is not null) return found;
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail($"No '{kind}' email reached {to} within the timeout.");
            await Task.Delay(50);
        }
    }

    public IReadOnlyList<Mail> All()
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, "*.eml").Select(Parse).ToList();
    }

    static Mail Parse(string path)
    {
        var text = File.ReadAllText(path);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = text[..split].Split("\r\n").Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return new Mail(headers["To"], headers["Subject"], headers["X-Carebase-Kind"], text[(split + 4)..], path);
    }

    [GeneratedRegex(@"^Token: (.+)$", RegexOptions.Multiline)]
    private static partial Regex TokenLine();
}
