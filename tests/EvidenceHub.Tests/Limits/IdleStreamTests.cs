using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Limits;

/// A Sync or BatchLookup stream on which the client sends nothing ends (here after one second) instead of staying open.
[Collection(AccessHub.Name)]
public sealed class IdleStreamTests(HubFixture hub) : IAsyncLifetime
{
    private LimitedHub limited = null!;

    public Task InitializeAsync()
    {
        limited = new LimitedHub(hub, ("Limits:Streams:IdleTimeoutSeconds", "1"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await limited.DisposeAsync();

    /// The status the stream ended with; the client gives up after a minute (CANCELLED, which fails the test).
    private static async Task<RpcException> Ending<T>(IAsyncStreamReader<T> responses)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await Assert.ThrowsAsync<RpcException>(async () => { while (await responses.MoveNext(patience.Token)) { } });
    }

    [Fact]
    public async Task An_idle_sync_stream_ends_with_deadline_exceeded()
    {
        using var sync = limited.Cases("NL-TBKK").Sync();
        // Active at first: a command is answered; then the client falls silent.
        await sync.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
        Assert.True(await sync.ResponseStream.MoveNext(CancellationToken.None));

        var ended = await Ending(sync.ResponseStream);
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Equal("STREAM_IDLE", ended.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task An_idle_batch_lookup_stream_ends_with_deadline_exceeded()
    {
        using var batch = limited.Lookups("NL-TBKK").BatchLookup();
        var ended = await Ending(batch.ResponseStream);
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Equal("STREAM_IDLE", ended.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        // The stream's end leaves the hub sound: the next stream is answered.
        using var next = limited.Lookups("NL-TBKK").BatchLookup();
        await next.RequestStream.WriteAsync(new BatchLookupRequest
        {
            ItemId = "1", Justification = new Justification { Purpose = "checking" },
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } },
        });
        await next.RequestStream.CompleteAsync();
        Assert.Single(await next.ResponseStream.ReadAllAsync().ToListAsync());
    }
}
