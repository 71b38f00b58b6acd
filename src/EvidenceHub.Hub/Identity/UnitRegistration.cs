namespace EvidenceHub.Hub.Identity;

/// A unit connected to the hub, as configured under "Units:{id}".
public sealed record UnitRegistration(string Id, string Country, IReadOnlyList<string> Roles);
