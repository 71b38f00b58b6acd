using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Robustness;

/// In Sync and BatchLookup a bad command or item fails alone, whatever it throws, and the stream goes on.
[Collection(RobustnessHub.Name)]
public sealed class StreamIsolationTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private static readonly Justification Why = new() { Purpose = "stream isolation test" };

    private static IdentifierQuery Email(string value) =>
        new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = value } };

    [Fact]
    public async Task Bad_commands_in_a_sync_fail_alone_and_every_neighbour_is_answered()
    {
        var open = OpenCase();
        var badTime = AddIdentifier(open.CaseId, IdentifierKind.IpAddress, "192.0.2.7");
        badTime.Identifier.ObservedAt = new Timestamp { Seconds = 1_000_000_000_000 };
        var badDate = new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = open.CaseId, VictimReference = "V-1", AgeBand = AgeBand._16To17, Country = "NL",
            FirstContactDate = new Google.Type.Date { Year = 10000, Month = 1, Day = 1 },
        };
        var badVersion = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, "negative@example.com");
        badVersion.ExpectedVersion = -1;
        SyncCommand[] commands =
        [
            new() { OpenCase = open },
            new() { AddSuspectIdentifier = badTime },
            new() { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, "first@example.com") },
            new() { LinkVictim = badDate },
            new(),
            new() { AddSuspectIdentifier = badVersion },
            new() { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, "second@example.com") },
        ];

        using var call = nl.Sync();
        foreach (var command in commands) await call.RequestStream.WriteAsync(command);
        await call.RequestStream.CompleteAsync();
        var results = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(commands.Length, results.Count);
        int?[] expected = [null, (int)StatusCode.InvalidArgument, null, (int)StatusCode.InvalidArgument, (int)StatusCode.InvalidArgument, (int)StatusCode.InvalidArgument, null];
        Assert.Equal(expected, results.Select(r => r.Error?.Code));
        var stored = await nl.GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(["first@example.com", "second@example.com"], stored.Identifiers.Select(i => i.CanonicalValue).Order());
    }

    [Fact]
    public async Task A_command_that_throws_anything_fails_alone_in_a_burst()
    {
        var engine = hub.Factory.Services.GetRequiredService<CommandEngine>();
        var catalog = hub.Factory.Services.GetRequiredService<CommandCatalog>();
        var caller = new Caller("NL-TBKK", "NL", [Roles.Unit], "analyst", "CN=NL-TBKK");
        var caseId = await nl.OpenedCase();
        Command Add(string value) => catalog.Build(AddIdentifier(caseId, IdentifierKind.EmailAddress, value), caller, new Dictionary<string, Guid>());
        var broken = new ThrowingCommand { CommandId = NewId(), Caller = caller, Request = AddIdentifier(caseId, IdentifierKind.EmailAddress, "broken@example.com"),
            Case = new EvidenceHub.Hub.Cases.CaseTarget(Guid.Parse(caseId), null) };

        var outcomes = await engine.ExecuteBurst(caller, [Add("before@example.com"), broken, Add("after@example.com")], "test", CancellationToken.None);

        Assert.NotNull(outcomes[0].Result);
        Assert.IsType<InvalidOperationException>(outcomes[1].Failure);
        Assert.NotNull(outcomes[2].Result);
        var stored = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(["after@example.com", "before@example.com"], stored.Identifiers.Select(i => i.CanonicalValue).Order());
    }

    [Fact]
    public async Task A_later_batch_item_with_an_empty_purpose_keeps_the_first_justification()
    {
        using var call = hub.Lookups("US-HSI-C3").BatchLookup();
        var badTime = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.IpAddress, Value = "192.0.2.1", ObservedAt = new Timestamp { Nanos = -5 } } };
        BatchLookupRequest[] items =
        [
            new() { ItemId = "first", Justification = Why, Identifier = Email("a@example.com") },
            new() { ItemId = "empty purpose", Justification = new Justification { Purpose = "" }, Identifier = Email("b@example.com") },
            new() { ItemId = "bad time", Identifier = badTime },
            new() { ItemId = "control characters", Justification = new Justification { Purpose = "why\u0001" }, Identifier = Email("c@example.com") },
            new() { ItemId = "omitted", Identifier = Email("d@example.com") },
        ];
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(items.Select(i => i.ItemId), answers.Select(a => a.ItemId));
        Assert.Equal([null, null, (int)StatusCode.InvalidArgument, (int)StatusCode.InvalidArgument, null], answers.Select(a => a.Error?.Code));
    }

    private sealed record ThrowingCommand : Command
    {
        public override Decision Decide(EvidenceHub.Hub.Cases.CaseFile? state, EvidenceHub.Hub.Correlation.LockedIdentifiers index, DateTimeOffset now) =>
            throw new InvalidOperationException("a bug in one command");
    }
}
