using System.Collections.Concurrent;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Lookup;

/// How many identifiers a unit may look up: a token bucket per unit (Limits:LookupQuota), so that hit / no-hit cannot
/// be turned into a sweep of a whole number range. Lookup and each BatchLookup item spend one token, EvaluateBlinded one
/// per blinded element (each is a lookup in the making: the token it yields is looked up without the identifier, so the
/// evaluation is where a sweep of blinded values must be stopped); GetNetwork needs one to start and is then charged for every identifier it disclosed, which may leave the bucket in debt.
/// Kept in memory, per hub instance: behind a load balancer of N instances a unit gets up to N times the quota.
public sealed class LookupQuota(IOptions<HubLimits> limits, TimeProvider clock)
{
    public const string Reason = "LOOKUP_QUOTA_EXCEEDED";

    private readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// Takes lookups from the caller's quota (one unless told), or refuses with RESOURCE_EXHAUSTED and when to retry,
    /// taking none.
    public void Spend(Caller caller, long lookups = 1) => Take(caller, lookups, mayOwe: false);

    /// Charges identifiers already disclosed (a network's): never refuses, but the next lookups wait for the debt.
    public void Charge(Caller caller, long identifiers)
    {
        if (identifiers > 0) Take(caller, identifiers, mayOwe: true);
    }

    private void Take(Caller caller, long count, bool mayOwe)
    {
        var rate = limits.Value.LookupQuota.For(caller.UnitId);
        var bucket = buckets.GetOrAdd(caller.UnitId, _ => new Bucket(rate.Burst, clock.GetTimestamp()));
        TimeSpan? wait;
        lock (bucket)
        {
            var now = clock.GetTimestamp();
            var perSecond = rate.PerHour / 3600d;
            bucket.Tokens = Math.Min(rate.Burst, bucket.Tokens + clock.GetElapsedTime(bucket.At, now).TotalSeconds * perSecond);
            bucket.At = now;
            if (mayOwe || bucket.Tokens >= count)
            {
                bucket.Tokens -= count;
                return;
            }
            wait = TimeSpan.FromSeconds(Math.Ceiling((count - bucket.Tokens) / perSecond));
        }
        throw Exhausted(caller.UnitId, rate, wait.Value);
    }

    private static Rejection Exhausted(string unitId, LookupRate rate, TimeSpan retryAfter)
    {
        var description = $"Unit {unitId} has used its lookup quota ({rate.PerHour} identifiers per hour, bursts of up to {rate.Burst}); retry in {retryAfter.TotalSeconds:0} s.";
        return new Rejection(new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = description,
            Details =
            {
                Any.Pack(new ErrorInfo
                {
                    Reason = Reason, Domain = Rejection.Domain,
                    Metadata = { ["unit"] = unitId, ["per_hour"] = rate.PerHour.ToString(), ["burst"] = rate.Burst.ToString() },
                }),
                Any.Pack(new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = $"unit:{unitId}", Description = description } } }),
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }),
            },
        });
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens = tokens;
        public long At = at;
    }
}
