using System.Net;
using System.Net.Mail;
using System.Text;
using Microsoft.Extensions.Options;

namespace Carebase.Api.Platform.Messaging;

public sealed class MessagingOptions
{
    /// <summary>SMTP host; when empty, mail goes to the sandbox folder instead of being sent.</summary>
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 587;
    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }
    public bool SmtpUseTls { get; set; } = true;
    public string From { get; set; } = "Carebase <no-reply@carebase.local>";
    /// <summary>Where sandbox .eml files are written (default: mail/ under the data folder).</summary>
    public string? SandboxDirectory { get; set; }
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    public int MaxAttempts { get; set; } = 8;
}

public interface IEmailSender
{
    Task SendAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary>Writes each message as an .eml file named after its id and counts it delivered.</summary>
public sealed class SandboxEmailSender(IOptions<MessagingOptions> options) : IEmailSender
{
    public string Directory => options.Value.SandboxDirectory!;

    public async Task SendAsync(OutboxMessage m, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var eml = new StringBuilder()
            .Append("From: ").Append(options.Value.From).Append("\r\n")
            .Append("To: ").Append(m.Recipient).Append("\r\n")
            .Append("Subject: ").Append(m.Subject).Append("\r\n")
            .Append("Date: ").Append(m.CreatedAt.ToString("r")).Append("\r\n")
            .Append("Message-ID: <").Append(m.Id).Append("@carebase>\r\n")
            .Append("X-Carebase-Kind: ").Append(m.Kind).Append("\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(m.Body.ReplaceLineEndings("\r\n")).Append("\r\n");
        var path = Path.Combine(Directory, $"{m.Id}.eml");
        // Write then rename, so a reader never sees half a message.
        await File.WriteAllTextAsync(path + ".tmp", eml.ToString(), ct);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

public sealed class SmtpEmailSender(IOptions<MessagingOptions> options) : IEmailSender
{
    public async Task SendAsync(OutboxMessage m, CancellationToken ct)
    {
        var o = options.Value;
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.SmtpUseTls };
        if (!string.IsNullOrEmpty(o.SmtpUser)) client.Credentials = new NetworkCredential(o.SmtpUser, o.SmtpPassword);
        using var mail = new MailMessage { From = new MailAddress(o.From), Subject = m.Subject, Body = m.Body, BodyEncoding = Encoding.UTF8 };
        mail.To.Add(m.Recipient);
        mail.Headers.Add("Message-ID", $"<{m.Id}@carebase>");
        await client.SendMailAsync(mail, ct);
    }
}
