using System.Text;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// LIKE patterns from user input: %, _ and \ are escaped so they match literally. Pass
/// <see cref="Escape"/> to EF's Like/ILike (Npgsql otherwise sends ESCAPE '' and the escapes mean nothing).
/// </summary>
public static class Like
{
    public const string Escape = "\\";

    public static string Contains(string text) => "%" + Literal(text.Trim()) + "%";

    public static string Literal(string text) => new StringBuilder(text).Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").ToString();
}
