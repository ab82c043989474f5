using System.Text.Json.Serialization;
using Carebase.Api.Platform.Operations;

namespace Carebase.Api.Platform.Errors;

/// <summary>What text the API accepts: no control characters (tab and line breaks only in free text), valid Unicode.</summary>
public static class TextRules
{
    /// <summary>Why <paramref name="value"/> is refused, or null when it is fine.</summary>
    public static string? Problem(string value, bool multiline)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF') return "Must be valid Unicode text.";
            if (c is '\t' or '\n' or '\r' or '\u2028' or '\u2029')
            {
                if (!multiline) return "Must be a single line (no tabs or line breaks).";
                continue;
            }
            if (char.IsControl(c)) return "Must not contain control characters.";
        }
        return null;
    }
}

/// <summary>Marks free text (notes, reasons, descriptions): tabs and line breaks are allowed, other control characters are not.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class FreeTextAttribute() : JsonConverterAttribute(typeof(FreeTextConverter));
