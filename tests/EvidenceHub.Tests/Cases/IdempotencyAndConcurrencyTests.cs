using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

[Collection(CasesHub.Name)]
public sealed class IdempotencyAndConcurrencyTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    private async Task<IReadOnlyList<JasperFx.Events.IEvent>> EventsOf(string caseId)
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Events.FetchStreamAsync(Guid.Parse(caseId));
    }

    [Fact]
    public async Task A_retried_command_returns_the_original_result_and_appends_nothing()
    {
        var open = OpenCase();
        var first = await nl.OpenCaseAsync(open);
        var retry = await nl.OpenCaseAsync(open);
        Assert.True(retry.Replayed);
        Assert.Equal((first.CaseId, first.Version), (retry.CaseId, retry.Version));

        var handoff = new RequestHandoffRequest { CommandId = NewId(), CaseId = first.CaseId, TargetUnit = "BE-FCCU", Reason = "r" };
        var requested = await nl.RequestHandoffAsync(handoff);
        var again = await nl.RequestHandoffAsync(handoff);
        Assert.Equal(requested.HandoffId, again.HandoffId);
        Assert.True(again.Replayed);

        Assert.Equal(2, (await EventsOf(first.CaseId)).Count);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_command_append_it_once()
    {
        var caseId = await nl.OpenedCase();
        var add = AddIdentifier(caseId, IdentifierKind.EmailAddress, "Offender@Example.com");
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => nl.AddSuspectIdentifierAsync(add).ResponseAsync));

        Assert.All(results, r => Assert.Equal(2, r.Version));
        Assert.Equal(2, (await EventsOf(caseId)).Count);
    }

    [Fact]
    public async Task A_command_id_reused_for_a_different_command_is_refused()
    {
        var caseId = await nl.OpenedCase();
        var add = AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.com");
        await nl.AddSuspectIdentifierAsync(add);
        add.Identifier.Value = "b@example.com";

        var (code, field, _) = await Failure(() => nl.AddSuspectIdentifierAsync(add).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, code);
        Assert.Equal("command_id", field);
        Assert.Equal(2, (await EventsOf(caseId)).Count);
    }

    [Fact]
    public async Task A_stale_expected_version_gets_failed_precondition_with_the_current_version()
    {
        var caseId = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.com"));
        var stale = AddIdentifier(caseId, IdentifierKind.EmailAddress, "b@example.com");
        stale.ExpectedVersion = 1;

        var (code, _, status) = await Failure(() => nl.AddSuspectIdentifierAsync(stale).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal("2", status.GetDetail<Google.Rpc.ErrorInfo>().Metadata["current_version"]);
        Assert.Equal(2, (await EventsOf(caseId)).Count);

        stale.ExpectedVersion = 2;
        var accepted = await nl.AddSuspectIdentifierAsync(stale);
        Assert.Equal(3, accepted.Version);
    }

    [Fact]
    public async Task Concurrent_writers_on_one_case_either_succeed_or_are_told_to_retry_and_versions_add_up()
    {
        var caseId = await nl.OpenedCase();
        var attempts = Enumerable.Range(0, 40).Select(async i =>
        {
            var add = AddIdentifier(caseId, IdentifierKind.EmailAddress, $"writer{i}@example.com");
            if (i % 2 == 0) add.ExpectedVersion = 1;
            try { await nl.AddSuspectIdentifierAsync(add); return StatusCode.OK; }
            catch (RpcException failure) { return failure.StatusCode; }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.All(outcomes, code => Assert.Contains(code, new[] { StatusCode.OK, StatusCode.FailedPrecondition, StatusCode.Aborted }));
        var succeeded = outcomes.Count(code => code == StatusCode.OK);
        Assert.InRange(succeeded, 1, 40);
        var events = await EventsOf(caseId);
        Assert.Equal(1 + succeeded, events.Count);
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(1 + succeeded, file.Version);
        Assert.Equal(succeeded, file.Identifiers.Count);
    }

    [Fact]
    public async Task Every_event_records_unit_user_time_correlation_and_command()
    {
        var cases = new CaseService.CaseServiceClient(hub.Channel(hub.CertificateOf("NL-TBKK"), user: "j.devries"));
        var open = OpenCase();
        var headers = new Metadata { { "x-correlation-id", "ticket-4711" } };
        await cases.OpenCaseAsync(open, headers);

        var opened = Assert.Single(await EventsOf(open.CaseId));
        Assert.Equal("NL-TBKK/j.devries", opened.UserName);
        Assert.Equal("ticket-4711", opened.CorrelationId);
        Assert.Equal(open.CommandId, opened.CausationId);
        Assert.Equal("NL-TBKK", opened.GetHeader("unit")?.ToString());
        Assert.Equal("j.devries", opened.GetHeader("user")?.ToString());
        Assert.InRange(opened.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
