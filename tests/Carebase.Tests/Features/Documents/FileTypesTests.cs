using System.Text;
using Carebase.Api.Platform.Files;

namespace Carebase.Tests.Features.Documents;

/// <summary>What a file is from its first bytes, and the names kept for it.</summary>
public sealed class FileTypesTests
{
    [Theory]
    [InlineData("255044462D312E37", "application/pdf", false)]
    [InlineData("89504E470D0A1A0A0000000D", "image/png", false)]
    [InlineData("FFD8FFE000104A464946", "image/jpeg", false)]
    [InlineData("474946383961", "image/gif", false)]
    [InlineData("524946462400000057454250565038", "image/webp", false)]
    [InlineData("49492A00", "image/tiff", false)]
    [InlineData("4D4D002A", "image/tiff", false)]
    [InlineData("4D5A90000300", "application/x-msdownload", true)]
    [InlineData("7F454C460201", "application/x-executable", true)]
    [InlineData("CFFAEDFE", "application/x-mach-binary", true)]
    [InlineData("2321202F62696E2F7368", "text/x-script", true)]
    [InlineData("504B0304", "application/zip", false)]
    [InlineData("00010203FF", "application/octet-stream", false)]
    public void Sniffs_the_magic_numbers(string hex, string type, bool executable) =>
        Assert.Equal((type, executable), FileTypes.Sniff(Convert.FromHexString(hex)));

    [Fact]
    public void Dicom_text_and_markup()
    {
        var dicom = new byte[200];
        "DICM"u8.CopyTo(dicom.AsSpan(128));
        Assert.Equal(("application/dicom", false), FileTypes.Sniff(dicom));
        Assert.Equal(("text/plain", false), FileTypes.Sniff(Encoding.UTF8.GetBytes("Ärztlicher Befund\r\nBlutdruck 120/80\n")));
        Assert.Equal(("text/html", true), FileTypes.Sniff(Encoding.UTF8.GetBytes("\uFEFF  <svg onload=alert(1)>")));
        // A multi-byte character cut by the end of the head is still text.
        var cut = Encoding.UTF8.GetBytes("Befund ü");
        Assert.Equal(("text/plain", false), FileTypes.Sniff(cut.AsSpan(0, cut.Length - 1)));
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\x\\scan.png", "scan.png")]
    [InlineData("a\u0000b\r\n.pdf", "a_b__.pdf")]
    [InlineData("  ..  ", "document.pdf")]
    [InlineData("what?.pdf", "what_.pdf")]
    public void File_names_are_sanitised(string name, string kept) => Assert.Equal(kept, FileTypes.SafeName(name, "document.pdf"));
}
