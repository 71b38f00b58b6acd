using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Tests.Deciders;

/// The hub maps its enums onto the proto's by a cast, so each pair must agree member by member: the same numbers, the
/// same names (the proto's 0 is UNSPECIFIED and has no domain member). A member added to one side only fails here.
public sealed class EnumPairTests
{
    /// Every enum of the hub with a proto enum of the same name (so that a new pair is checked without being listed).
    public static TheoryData<Type, Type> Pairs()
    {
        var proto = typeof(Case).Assembly.GetTypes().Where(t => t.IsEnum && t.Namespace == typeof(Case).Namespace && !t.IsNested)
            .ToDictionary(t => t.Name);
        var data = new TheoryData<Type, Type>();
        foreach (var domain in typeof(CaseFile).Assembly.GetTypes().Where(t => t.IsEnum && proto.ContainsKey(t.Name)).OrderBy(t => t.Name))
            data.Add(domain, proto[domain.Name]);
        return data;
    }

    [Fact]
    public void Every_pair_the_hub_casts_is_found()
    {
        var found = Pairs().Select(row => ((Type)row[0]).Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "AccessOutcome", "AgeBand", "CaseStatus", "HandlingCode", "HandoffStatus", "IdentifierKind", "OffenceType", "Tlp" }, found);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_domain_enum_and_its_proto_enum_have_the_same_members_under_the_same_numbers(Type domain, Type proto)
    {
        var domainMembers = Enum.GetValues(domain).Cast<object>().Select(v => (Number: Convert.ToInt32(v), Name: v.ToString()!)).OrderBy(m => m.Number);
        var protoMembers = Enum.GetValues(proto).Cast<object>().Select(v => (Number: Convert.ToInt32(v), Name: Normalised(v.ToString()!)))
            .Where(m => m.Number != 0).OrderBy(m => m.Number);
        Assert.Equal(protoMembers, domainMembers);
        Assert.Equal("Unspecified", Enum.GetName(proto, 0));
    }

    /// protoc names AGE_BAND_13_TO_15 `_13To15` (a C# name cannot start with a digit); the hub says From13To15.
    private static string Normalised(string protoName) => protoName.StartsWith('_') ? "From" + protoName[1..] : protoName;
}
