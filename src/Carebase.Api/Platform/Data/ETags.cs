using Carebase.Api.Platform.Errors;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// One ETag scheme for every resource: the row's version (an integer the entity increments on each change, mapped as
/// its concurrency token), as a strong ETag. Reads send it; updates check If-Match against it (412 when stale).
/// </summary>
public static class ETags
{
    public static string Of(int version) => $"\"{version}\"";

    /// <summary>True when If-Match is absent, is <c>*</c>, or names the current version (strong comparison, RFC 9110).</summary>
    public static bool Matches(StringValues ifMatch, int version)
    {
        if (ifMatch.Count == 0) return true;
        if (!EntityTagHeaderValue.TryParseList(ifMatch, out var tags)) return false;
        var current = new EntityTagHeaderValue(Of(version));
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: true));
    }

    /// <summary>412 unless the request's If-Match (if any) names <paramref name="version"/>.</summary>
    public static void Check(HttpContext http, int version)
    {
        if (!Matches(http.Request.Headers.IfMatch, version)) throw new PreconditionFailedException();
    }

    /// <summary>Sends the version as the answer's ETag.</summary>
    public static void Send(HttpContext http, int version) => http.Response.Headers.ETag = Of(version);
}
