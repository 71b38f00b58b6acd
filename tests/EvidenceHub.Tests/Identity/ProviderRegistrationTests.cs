using EvidenceHub.Hub.Identity;
using Microsoft.Extensions.Configuration;

namespace EvidenceHub.Tests.Identity;

/// A hosting party is registered with the role provider and no other: a provider certificate that were also a unit's
/// would read cases.
public sealed class ProviderRegistrationTests
{
    private static UnitRegistry Registry(params string[] roles) => UnitRegistry.FromConfiguration(new ConfigurationBuilder()
        .AddInMemoryCollection(roles.Select((role, i) => new KeyValuePair<string, string?>($"Units:NL-HOSTER-1:Roles:{i}", role))
            .Append(new("Units:NL-HOSTER-1:Country", "nl")))
        .Build());

    [Fact]
    public void A_provider_is_registered_with_its_one_role()
    {
        var hoster = Registry(Roles.Provider).Find("NL-HOSTER-1")!;
        Assert.Equal("NL", hoster.Country);
        Assert.Equal(["provider"], hoster.Roles);
    }

    [Theory]
    [InlineData("unit")]
    [InlineData("partner")]
    [InlineData("auditor")]
    public void The_provider_role_combined_with_another_is_refused_at_start_up(string other)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Registry(Roles.Provider, other));
        Assert.Contains("Units:NL-HOSTER-1:Roles", refused.Message);
    }
}
