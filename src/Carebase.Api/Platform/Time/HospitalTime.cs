namespace Carebase.Api.Platform.Time;

/// <summary>
/// Every instant the API answers with is in the hospital's offset (a receptionist reads 09:00-05:00, not 14:00Z).
/// The session gate puts the signed-in hospital's zone on the request; the JSON writer converts with it, and
/// outside a hospital (platform accounts, anonymous routes) instants are written in UTC.
/// </summary>
public static class HospitalTime
{
    static readonly object Key = new();
    static readonly HttpContextAccessor Http = new();

    public static void Use(HttpContext http, TimeZoneInfo zone) => http.Items[Key] = zone;

    public static DateTimeOffset Local(DateTimeOffset instant) =>
        Http.HttpContext?.Items[Key] is TimeZoneInfo zone ? TimeZoneInfo.ConvertTime(instant, zone) : instant.ToUniversalTime();
}
