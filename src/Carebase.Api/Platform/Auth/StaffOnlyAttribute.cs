namespace Carebase.Api.Platform.Auth;

/// <summary>
/// A response field for staff only (internal notes, who changed a record): answers to a portal patient leave it out.
/// Mark it on the response record (<c>[property: StaffOnly]</c>); the JSON writer enforces it for every route.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StaffOnlyAttribute : Attribute;
