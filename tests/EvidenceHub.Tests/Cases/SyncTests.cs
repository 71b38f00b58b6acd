using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

[LongRunning]
public sealed class SyncTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    /// 10 cases with 99 identifiers each: 1,000 commands, every one with its own command id.
    private static List<SyncCommand> Backlog()
    {
        var commands = new List<SyncCommand>();
        for (var c = 0; c < 10; c++)
        {
            var open = OpenCase();
            commands.Add(new SyncCommand { OpenCase = open });
            for (var i = 0; i < 99; i++)
                commands.Add(new SyncCommand { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, $"victim-contact-{c}-{i}@example.com") });
        }
        return commands;
    }

    private static async Task<List<SyncResult>> SendAll(CaseService.CaseServiceClient client, IEnumerable<SyncCommand> commands, int? disconnectAfter = null)
    {
        using var cancel = new CancellationTokenSource();
        using var call = client.Sync(cancellationToken: cancel.Token);
        var sending = Task.Run(async () =>
        {
            try
            {
                foreach (var command in commands) await call.RequestStream.WriteAsync(command);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception) when (cancel.IsCancellationRequested) { }
        });
        var results = new List<SyncResult>();
        try
        {
            await foreach (var result in call.ResponseStream.ReadAllAsync())
            {
                results.Add(result);
                if (results.Count == disconnectAfter) cancel.Cancel(); // the connection drops mid-stream
            }
        }
        catch (RpcException) when (cancel.IsCancellationRequested) { }
        await sending;
        return results;
    }

    private async Task<long> EventCount(IEnumerable<string> caseIds)
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var ids = caseIds.Select(Guid.Parse).ToArray();
        return await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.StreamId)).CountAsync();
    }

    [Fact]
    public async Task A_sync_stream_answers_each_command_in_order()
    {
        var backlog = Backlog();
        var results = await SendAll(nl, backlog);

        Assert.Equal(1000, results.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), results.Select(r => r.Sequence));
        Assert.All(results, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        Assert.Equal(backlog.Select(CommandIdOf), results.Select(r => r.CommandId));
        var caseIds = backlog.Where(c => c.OpenCase is not null).Select(c => c.OpenCase.CaseId).ToList();
        Assert.Equal(1000, await EventCount(caseIds));
    }

    [Fact]
    public async Task A_backlog_resent_after_a_dropped_connection_is_not_duplicated()
    {
        var backlog = Backlog();
        var partial = await SendAll(nl, backlog, disconnectAfter: 400);
        Assert.InRange(partial.Count, 400, 1000);

        var resent = await SendAll(nl, backlog);

        Assert.Equal(1000, resent.Count);
        Assert.All(resent, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        Assert.All(resent.Take(400), r => Assert.True(r.Result.Replayed));
        var caseIds = backlog.Where(c => c.OpenCase is not null).Select(c => c.OpenCase.CaseId).ToList();
        Assert.Equal(1000, await EventCount(caseIds));
        // Each result names the version its command produced, the same on both attempts.
        foreach (var (first, second) in partial.Zip(resent))
            if (first.OutcomeCase == SyncResult.OutcomeOneofCase.Result)
                Assert.Equal(first.Result.Version, second.Result.Version);
    }

    [Fact]
    public async Task A_bad_command_fails_alone_and_the_stream_goes_on()
    {
        var open = OpenCase();
        var commands = new List<SyncCommand>
        {
            new() { OpenCase = open },
            new() { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.Iban, "NL00 BANK 0000 0000 00") },
            new() { AddSuspectIdentifier = AddIdentifier(NewId(), IdentifierKind.EmailAddress, "a@example.com") },
            new(),
            new() { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.Iban, "NL91 ABNA 0417 1643 00") },
        };
        var results = await SendAll(nl, commands);

        Assert.Equal(5, results.Count);
        Assert.Equal(SyncResult.OutcomeOneofCase.Result, results[0].OutcomeCase);
        Assert.Equal((int)StatusCode.InvalidArgument, results[1].Error.Code);
        Assert.Equal("identifier.value", results[1].Error.Details.Select(d => d.Unpack<Google.Rpc.BadRequest>()).First().FieldViolations[0].Field);
        Assert.Equal((int)StatusCode.NotFound, results[2].Error.Code);
        Assert.Equal((int)StatusCode.InvalidArgument, results[3].Error.Code);
        Assert.Equal("iban:NL91ABNA0417164300", results[4].Result.Identifier.Key);
        Assert.Equal(2, results[4].Result.Version);
    }

    [Fact]
    public async Task Expected_versions_are_checked_command_by_command_within_a_burst()
    {
        var open = OpenCase();
        var commands = new List<SyncCommand> { new() { OpenCase = open } };
        for (var i = 0; i < 50; i++)
        {
            var add = AddIdentifier(open.CaseId, IdentifierKind.FileHashMd5, $"{i + 1:x32}");
            add.ExpectedVersion = 1 + i;
            commands.Add(new SyncCommand { AddSuspectIdentifier = add });
        }
        var stale = AddIdentifier(open.CaseId, IdentifierKind.FileHashMd5, new string('f', 32));
        stale.ExpectedVersion = 3;
        commands.Add(new SyncCommand { AddSuspectIdentifier = stale });

        var results = await SendAll(nl, commands);

        Assert.All(results.Take(51), r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        Assert.Equal(Enumerable.Range(1, 51).Select(v => (long)v), results.Take(51).Select(r => r.Result.Version));
        Assert.Equal((int)StatusCode.FailedPrecondition, results[51].Error.Code);
        Assert.Equal(51, await EventCount([open.CaseId]));
    }

    [Fact]
    public async Task A_burst_that_collides_with_another_writer_still_answers_every_command()
    {
        var first = OpenCase();
        await nl.OpenCaseAsync(first);
        var duplicate = OpenCase();
        duplicate.Reference = first.Reference; // fails the burst's transaction: every command reruns alone
        var commands = new List<SyncCommand>
        {
            new() { AddSuspectIdentifier = AddIdentifier(first.CaseId, IdentifierKind.EmailAddress, "one@example.com") },
            new() { OpenCase = duplicate },
            new() { AddSuspectIdentifier = AddIdentifier(first.CaseId, IdentifierKind.EmailAddress, "two@example.com") },
        };
        var results = await SendAll(nl, commands);

        Assert.Equal(2, results[0].Result.Version);
        Assert.Equal((int)StatusCode.AlreadyExists, results[1].Error.Code);
        Assert.Equal(3, results[2].Result.Version);
        Assert.Equal(3, await EventCount([first.CaseId]));
    }

    [Fact]
    public async Task Several_cases_opened_under_one_reference_in_one_burst_open_once()
    {
        var first = OpenCase();
        var commands = new List<SyncCommand> { new() { OpenCase = first } };
        for (var i = 0; i < 3; i++)
        {
            var again = OpenCase();
            again.Reference = first.Reference;
            commands.Add(new SyncCommand { OpenCase = again });
        }
        var results = await SendAll(nl, commands);

        Assert.Equal(SyncResult.OutcomeOneofCase.Result, results[0].OutcomeCase);
        Assert.All(results.Skip(1), r => Assert.Equal((int)StatusCode.AlreadyExists, r.Error.Code));
    }

    [Fact]
    public async Task Partners_cannot_sync()
    {
        var partner = hub.Cases("US-HSI-C3");
        var failure = await Assert.ThrowsAsync<RpcException>(() => SendAll(partner, [new SyncCommand { OpenCase = OpenCase() }]));
        Assert.Equal(StatusCode.PermissionDenied, failure.StatusCode);
    }

    private static string CommandIdOf(SyncCommand command) =>
        command.OpenCase?.CommandId ?? command.AddSuspectIdentifier.CommandId;
}
