using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("EvidenceHub.Tests.Infrastructure.LongRunningFirst", "EvidenceHub.Tests")]

namespace EvidenceHub.Tests.Infrastructure;

// Test classes whose tests take a few seconds in all share a hub per capability: starting a hub and its schema costs
// more than such a class's tests. The groups run in parallel with each other and with the classes that take a hub of
// their own (IClassFixture<HubFixture>): those with long tests, and those that measure their database while idle.

[CollectionDefinition(Name)]
public sealed class CasesHub : ICollectionFixture<HubFixture> { public const string Name = "hub: cases and handoffs"; }

[CollectionDefinition(Name)]
public sealed class FeedHub : ICollectionFixture<HubFixture> { public const string Name = "hub: feed, correlation, disclosure"; }

[CollectionDefinition(Name)]
public sealed class LookupHub : ICollectionFixture<HubFixture> { public const string Name = "hub: lookups"; }

[CollectionDefinition(Name)]
public sealed class AccessHub : ICollectionFixture<HubFixture> { public const string Name = "hub: authorization and limits"; }

[CollectionDefinition(Name)]
public sealed class RobustnessHub : ICollectionFixture<HubFixture> { public const string Name = "hub: robustness"; }

[CollectionDefinition(Name)]
public sealed class AuditHub : ICollectionFixture<HubFixture> { public const string Name = "hub: audit"; }

/// Marks a test class (or a collection definition) whose tests run for tens of seconds: it starts before the others.
[AttributeUsage(AttributeTargets.Class)]
public sealed class LongRunningAttribute : Attribute;

/// Starts the long-running collections first, so that none of them is left running alone at the end of the suite
/// while the other lanes stand idle; the rest keep xunit's own order.
public sealed class LongRunningFirst : ITestCollectionOrderer
{
    private readonly DefaultTestCollectionOrderer byDefault = new();

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        byDefault.OrderTestCollections(testCollections).OrderByDescending(IsLongRunning).ToList();

    private static bool IsLongRunning(ITestCollection collection)
    {
        // A class without a [Collection] is a collection of its own, named after the class.
        const string ofClass = "Test collection for ";
        var type = collection.CollectionDefinition?.ToRuntimeType()
            ?? (collection.DisplayName.StartsWith(ofClass, StringComparison.Ordinal)
                ? typeof(LongRunningFirst).Assembly.GetType(collection.DisplayName[ofClass.Length..])
                : null);
        return type?.IsDefined(typeof(LongRunningAttribute), inherit: false) == true;
    }
}
