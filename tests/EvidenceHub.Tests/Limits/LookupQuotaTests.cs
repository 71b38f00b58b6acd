using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Lookup;
using Google.Rpc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EvidenceHub.Tests.Limits;

/// The token bucket itself, on a clock the test moves.
public sealed class LookupQuotaTests
{
    private static readonly Caller Partner = new("US-HSI-C3", "US", ["partner"], "analyst", "CN=US-HSI-C3");
    private readonly FakeTimeProvider clock = new();

    private LookupQuota Quota(long perHour, long burst) =>
        new(Options.Create(new HubLimits { LookupQuota = { Default = new LookupRate { PerHour = perHour, Burst = burst } } }), clock);

    [Fact]
    public void A_burst_is_spent_then_the_quota_refills_at_its_rate()
    {
        var quota = Quota(perHour: 3600, burst: 2);
        quota.Spend(Partner);
        quota.Spend(Partner);
        var refused = Assert.Throws<Rejection>(() => quota.Spend(Partner));
        Assert.Equal((int)Code.ResourceExhausted, refused.Status.Code);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());

        clock.Advance(TimeSpan.FromSeconds(1));
        quota.Spend(Partner);
        // Never more than the burst, however long the unit was quiet.
        clock.Advance(TimeSpan.FromHours(5));
        quota.Spend(Partner);
        quota.Spend(Partner);
        Assert.Throws<Rejection>(() => quota.Spend(Partner));
    }

    [Fact]
    public void A_charge_beyond_the_balance_is_debt_that_later_lookups_wait_for()
    {
        var quota = Quota(perHour: 3600, burst: 10);
        quota.Charge(Partner, 20);
        var refused = Assert.Throws<Rejection>(() => quota.Spend(Partner));
        Assert.Equal(TimeSpan.FromSeconds(11), refused.Status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        clock.Advance(TimeSpan.FromSeconds(11));
        quota.Spend(Partner);
    }

    [Fact]
    public void Limits_that_are_not_positive_are_named_at_start_up()
    {
        var limits = new HubLimits { Cases = { MaxActiveIdentifiers = 0 }, Streams = { IdleTimeoutSeconds = -1 } };
        limits.LookupQuota.Units["BE-FCCU"] = new LookupRate { PerHour = 0, Burst = 5 };
        Assert.Equal(
            ["Limits:Cases:MaxActiveIdentifiers must be positive (is 0)", "Limits:LookupQuota:Units:BE-FCCU:PerHour must be positive (is 0)", "Limits:Streams:IdleTimeoutSeconds must be positive (is -1)"],
            limits.Problems());
        Assert.Empty(new HubLimits().Problems());
    }
}
