namespace EvidenceHub.Hub.Identity;

/// The configured units, keyed by unit id (the common name of the unit's client certificate).
public sealed class UnitRegistry(IEnumerable<UnitRegistration> units)
{
    private readonly Dictionary<string, UnitRegistration> byId = units
        // ':' is kept for the hub's own caller (Lifecycle.HubCaller): no unit may be registered under such an id.
        .Select(u => u.Id.Contains(':') ? throw new InvalidOperationException($"Unit id '{u.Id}' may not contain ':'") : u)
        .ToDictionary(u => u.Id, StringComparer.Ordinal);

    public UnitRegistration? Find(string unitId) => byId.GetValueOrDefault(unitId);

    public bool Contains(string unitId) => byId.ContainsKey(unitId);

    public IReadOnlyCollection<UnitRegistration> All => byId.Values;

    /// Reads "Units": { "NL-TBKK": { "Country": "NL", "Roles": ["unit"] }, ... }.
    public static UnitRegistry FromConfiguration(IConfiguration configuration)
    {
        var units = configuration.GetSection("Units").GetChildren().Select(section =>
        {
            var country = section["Country"] ?? throw new InvalidOperationException($"Units:{section.Key}:Country is missing");
            var roles = section.GetSection("Roles").Get<string[]>() ?? [];
            var unknown = roles.Except(Identity.Roles.All).ToArray();
            if (unknown.Length > 0)
                throw new InvalidOperationException($"Units:{section.Key}:Roles has unknown roles: {string.Join(", ", unknown)}");
            // A hosting party is no police unit: a provider certificate that also held another role would read cases.
            if (roles.Contains(Identity.Roles.Provider) && roles.Length > 1)
                throw new InvalidOperationException($"Units:{section.Key}:Roles: '{Identity.Roles.Provider}' is a hosting party's only role, not to be combined with {string.Join(", ", roles.Where(r => r != Identity.Roles.Provider))}");
            return new UnitRegistration(section.Key, country.ToUpperInvariant(), roles);
        });
        return new UnitRegistry(units);
    }
}
