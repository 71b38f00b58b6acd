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
            return new UnitRegistration(section.Key, country.ToUpperInvariant(), roles);
        });
        return new UnitRegistry(units);
    }
}
