using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Carebase.Api.Platform.Data;

/// <summary>Strong ETags for optimistic concurrency, and the If-Match check every update uses.</summary>
public static class ETags
{
    public static string Of(int version) => $"\"{version}\"";

    public static string Of(string opaque) => $"\"{opaque}\"";

    /// <summary>True when If-Match is absent, is <c>*</c>, or names the current version (strong comparison, RFC 9110).</summary>
    public static bool Matches(StringValues ifMatch, int version) => Matches(ifMatch, Of(version));

    public static bool Matches(StringValues ifMatch, string etag)
    {
        if (ifMatch.Count == 0) return true;
        if (!EntityTagHeaderValue.TryParseList(ifMatch, out var tags)) return false;
        var current = new EntityTagHeaderValue(etag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: true));
    }
}
