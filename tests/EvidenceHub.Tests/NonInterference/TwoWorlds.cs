using EvidenceHub.Tests.Infrastructure;

namespace EvidenceHub.Tests.NonInterference;

/// Two hubs over two databases for the whole suite: world A, where the cases an observer may not see exist, and
/// world B, where they do not. Everything else happens in both.
public sealed class TwoWorlds : IAsyncLifetime
{
    public HubFixture A { get; } = new();
    public HubFixture B { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(A.InitializeAsync(), B.InitializeAsync());

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

[CollectionDefinition(Name), LongRunning]
public sealed class TwoWorldsCollection : ICollectionFixture<TwoWorlds>
{
    public const string Name = "two worlds";
}
