using EvidenceHub.Contracts.V1;
using EvidenceHub.Oprf;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Limits;

/// Every limit a caller controls, each configured small on an instance of its own over the suite's database.
[Collection(AccessHub.Name)]
public sealed class LimitsTests(HubFixture hub) : IAsyncLifetime
{
    private static readonly Justification Why = new() { Purpose = "checking a report" };
    private LimitedHub limited = null!;

    public Task InitializeAsync()
    {
        limited = new LimitedHub(hub,
            ("Limits:Cases:MaxActiveIdentifiers", "6"),
            ("Limits:Cases:MaxVictimLinks", "3"),
            ("Limits:Answers:CasePageSize", "2"),
            ("Limits:Answers:MaxCasePageSize", "3"),
            ("Limits:Answers:NetworkMaxIdentifiers", "4"),
            ("Limits:Answers:AccessRecordMaxIdentifierKeys", "2"),
            ("Limits:LookupQuota:Units:US-HSI-C3:PerHour", "1"),
            ("Limits:LookupQuota:Units:US-HSI-C3:Burst", "3"),
            ("Limits:LookupQuota:Units:CA-RCMP-NCECC:PerHour", "1"),
            ("Limits:LookupQuota:Units:CA-RCMP-NCECC:Burst", "4"),
            ("Limits:Streams:MaxSyncPerUnit", "1"),
            ("Limits:Streams:MaxBatchLookupPerUnit", "1"),
            ("Limits:Streams:MaxSubscribePerUnit", "1"),
            ("Limits:Streams:MaxReceiveMessageBytes", "65536"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await limited.DisposeAsync();

    private static AddSuspectIdentifierRequest Email(string caseId) => AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email());

    private static LinkVictimRequest Victim(string caseId) => new()
    {
        CommandId = NewId(), CaseId = caseId, VictimReference = "V-" + NewId()[..8], AgeBand = AgeBand._13To15, Country = "NL",
    };

    /// Long enough for any answer; a stream the hub wrongly left open fails the test (CANCELLED) instead of hanging it.
    private static CancellationToken Patience() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static ErrorInfo Info(Google.Rpc.Status status) => status.GetDetail<ErrorInfo>()!;

    [Fact]
    public async Task A_case_takes_no_more_active_identifiers_than_the_limit()
    {
        var nl = limited.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var emails = Enumerable.Range(0, 6).Select(_ => Unique.Email()).ToList();
        var added = new List<CommandResult>();
        foreach (var email in emails) added.Add(await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email)));

        var refused = await Failure(() => nl.AddSuspectIdentifierAsync(Email(caseId)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.Code);
        Assert.Equal("CASE_IDENTIFIER_LIMIT", Info(refused.Status).Reason);
        Assert.Equal("6", Info(refused.Status).Metadata["limit"]);

        // Adding one the case already holds is still harmless, and a retraction makes room.
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, emails[3]));
        await nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = added[0].Identifier.Key, Reason = "typo" });
        await nl.AddSuspectIdentifierAsync(Email(caseId));
    }

    [Fact]
    public async Task One_sync_burst_cannot_carry_a_case_past_its_identifier_limit()
    {
        var nl = limited.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        using var sync = nl.Sync();
        for (var i = 0; i < 9; i++) await sync.RequestStream.WriteAsync(new SyncCommand { AddSuspectIdentifier = Email(caseId) });
        await sync.RequestStream.CompleteAsync();
        var results = await sync.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(6, results.Count(r => r.Result is not null));
        Assert.All(results.Skip(6), r => Assert.Equal("CASE_IDENTIFIER_LIMIT", r.Error.GetDetail<ErrorInfo>().Reason));
    }

    [Fact]
    public async Task A_case_takes_no_more_victim_links_than_the_limit()
    {
        var nl = limited.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        for (var i = 0; i < 3; i++) await nl.LinkVictimAsync(Victim(caseId));

        var refused = await Failure(() => nl.LinkVictimAsync(Victim(caseId)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.Code);
        Assert.Equal("CASE_VICTIM_LINK_LIMIT", Info(refused.Status).Reason);
        Assert.Equal("3", Info(refused.Status).Metadata["limit"]);
    }

    [Fact]
    public async Task GetCase_pages_identifiers_and_victim_links_and_the_pages_add_up_to_the_case()
    {
        var nl = limited.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var keys = new List<string>();
        for (var i = 0; i < 5; i++) keys.Add((await nl.AddSuspectIdentifierAsync(Email(caseId))).Identifier.Key);
        await nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = keys[1], Reason = "typo" });
        var victims = new List<string>();
        for (var i = 0; i < 3; i++) victims.Add((await nl.LinkVictimAsync(Victim(caseId))).VictimLinkId);

        var pages = new List<Case>();
        var token = "";
        do
        {
            var page = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "review" }, PageToken = token });
            pages.Add(page);
            token = page.NextPageToken;
        } while (token != "" && pages.Count < 10);

        Assert.Equal(3, pages.Count); // the default page of 2: identifiers 2 + 2 + 1, victim links 2 + 1 + 0
        Assert.All(pages, p => Assert.True(p.Identifiers.Count <= 2 && p.VictimLinks.Count <= 2));
        Assert.Equal(keys, pages.SelectMany(p => p.Identifiers).Select(i => i.Key));
        Assert.NotNull(pages.SelectMany(p => p.Identifiers).Single(i => i.Key == keys[1]).RetractedAt);
        Assert.Equal(victims, pages.SelectMany(p => p.VictimLinks).Select(v => v.VictimLinkId));
        Assert.All(pages, p => Assert.Equal(3, p.VictimCount));

        // More than the maximum is read as the maximum.
        var large = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "review" }, PageSize = 1000 });
        Assert.Equal(3, large.Identifiers.Count);
        Assert.NotEqual("", large.NextPageToken);
    }

    [Fact]
    public async Task A_page_token_of_another_case_or_made_up_is_refused_naming_the_field()
    {
        var nl = limited.Cases("NL-TBKK");
        var (first, second) = (await nl.OpenedCase(), await nl.OpenedCase());
        for (var i = 0; i < 3; i++) await nl.AddSuspectIdentifierAsync(Email(first));
        var token = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = first, Justification = new() { Purpose = "review" } })).NextPageToken;
        Assert.NotEqual("", token);

        foreach (var (caseId, badToken) in new[] { (second, token), (first, "not-a-token"), (first, new string('A', 5000)) })
        {
            var refused = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "review" }, PageToken = badToken }).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, "page_token"), (refused.Code, refused.Field));
        }
        var negative = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = first, Justification = new() { Purpose = "review" }, PageSize = -1 }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "page_size"), (negative.Code, negative.Field));
    }

    [Fact]
    public async Task An_access_record_lists_a_bounded_number_of_identifier_keys_and_counts_the_rest()
    {
        var nl = limited.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        for (var i = 0; i < 3; i++) await nl.AddSuspectIdentifierAsync(Email(caseId));
        var page = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "review" }, PageSize = 3 });
        Assert.Equal(3, page.Identifiers.Count);

        var record = Assert.Single(await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "NL-TBKK" }),
            r => r.Operation == "GetCase");
        Assert.Equal(page.Identifiers.Take(2).Select(i => i.Pseudonym), record.IdentifierKeys);
        Assert.Contains("1 more identifier keys not listed", record.Disclosed);
    }

    [Fact]
    public async Task A_network_stops_at_the_identifier_limit_and_says_it_is_truncated()
    {
        var nl = limited.Cases("NL-TBKK");
        var shared = Unique.Email();
        var (first, second) = (await nl.OpenedCase(Tlp.Green), await nl.OpenedCase(Tlp.Green));
        await nl.AddSuspectIdentifierAsync(AddIdentifier(first, IdentifierKind.EmailAddress, shared));
        await nl.AddSuspectIdentifierAsync(AddIdentifier(second, IdentifierKind.EmailAddress, shared));
        for (var i = 0; i < 2; i++)
        {
            await nl.AddSuspectIdentifierAsync(Email(first));
            await nl.AddSuspectIdentifierAsync(Email(second));
        }

        // Five identifiers in all: the walk shows the first case (three) and stops within the second.
        var network = await limited.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { CaseId = first, Justification = Why });
        Assert.True(network.Truncated);
        Assert.Equal(4, network.Identifiers.Count);
        Assert.Equal(3, network.Cases.Single(c => c.IdentifierKeys.Count == 3).IdentifierKeys.Count);
    }

    [Fact]
    public async Task Lookups_beyond_the_unit_quota_are_refused_with_quota_failure_and_retry_info()
    {
        var partner = limited.Lookups("US-HSI-C3");
        var query = new LookupRequest { Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } }, Justification = Why };
        for (var i = 0; i < 3; i++) Assert.False((await partner.LookupAsync(query)).Hit);

        var refused = await Failure(() => partner.LookupAsync(query).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal("unit:US-HSI-C3", refused.Status.GetDetail<QuotaFailure>().Violations.Single().Subject);
        Assert.True(refused.Status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal("LOOKUP_QUOTA_EXCEEDED", Info(refused.Status).Reason);

        // The quota is the unit's: another unit still looks up.
        Assert.False((await limited.Lookups("NL-TBKK").LookupAsync(query)).Hit);
        // GetNetwork counts against the same quota.
        Assert.Equal(StatusCode.ResourceExhausted, (await Failure(() => partner.GetNetworkAsync(new GetNetworkRequest { Identifier = query.Identifier, Justification = Why }).ResponseAsync)).Code);
    }

    [Fact]
    public async Task Blinded_elements_are_charged_to_the_lookup_quota_one_each()
    {
        var partner = limited.Lookups("US-HSI-C3"); // a burst of 3
        EvaluateBlindedRequest Blinded(int count) => new()
        {
            Justification = Why,
            BlindedElements = { Enumerable.Range(0, count).Select(_ => ByteString.CopyFrom(Ristretto255Oprf.Blind(OprfToken.Input("email:" + Unique.Email())).Element)) },
        };

        // A refused request costs nothing: three calls with a bad element, each INVALID_ARGUMENT, leave the burst whole.
        for (var i = 0; i < 3; i++)
        {
            var bad = Blinded(2);
            bad.BlindedElements[1] = ByteString.CopyFrom(new byte[32]); // the identity element
            Assert.Equal((StatusCode.InvalidArgument, "blinded_elements[1]"), ((await Failure(() => partner.EvaluateBlindedAsync(bad).ResponseAsync)) is var f ? (f.Code, f.Field) : default));
        }
        Assert.Equal(2, (await partner.EvaluateBlindedAsync(Blinded(2))).EvaluatedElements.Count);
        // Two more than the one left: refused whole, nothing evaluated and nothing taken.
        var refused = await Failure(() => partner.EvaluateBlindedAsync(Blinded(2)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal("LOOKUP_QUOTA_EXCEEDED", Info(refused.Status).Reason);
        Assert.True(refused.Status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal("unit:US-HSI-C3", refused.Status.GetDetail<QuotaFailure>().Violations.Single().Subject);
        // The same quota as lookups: the one left is a lookup, and then nothing is left.
        var query = new LookupRequest { Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } }, Justification = Why };
        Assert.False((await partner.LookupAsync(query)).Hit);
        Assert.Equal(StatusCode.ResourceExhausted, (await Failure(() => partner.EvaluateBlindedAsync(Blinded(1)).ResponseAsync)).Code);
    }

    [Fact]
    public async Task A_batch_beyond_the_quota_answers_each_further_item_resource_exhausted_and_goes_on()
    {
        using var batch = limited.Lookups("CA-RCMP-NCECC").BatchLookup();
        for (var i = 0; i < 7; i++)
            await batch.RequestStream.WriteAsync(new BatchLookupRequest
            {
                ItemId = $"item-{i}", Justification = Why,
                Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } },
            });
        await batch.RequestStream.CompleteAsync();
        var answers = await batch.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"item-{i}"), answers.Select(a => a.ItemId));
        Assert.All(answers.Take(4), a => Assert.Null(a.Error));
        Assert.All(answers.Skip(4), a =>
        {
            Assert.Equal((int)StatusCode.ResourceExhausted, a.Error.Code);
            Assert.NotNull(a.Error.GetDetail<RetryInfo>());
            Assert.NotNull(a.Error.GetDetail<QuotaFailure>());
        });
    }

    [Fact]
    public async Task A_unit_holds_no_more_sync_streams_than_the_limit()
    {
        var nl = limited.Cases("NL-TBKK");
        using (var first = nl.Sync())
        {
            // The first stream is open on the hub: it has answered a command.
            await first.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
            Assert.True(await first.ResponseStream.MoveNext(Patience()));

            using var second = nl.Sync();
            var refused = await Failure(() => second.ResponseStream.MoveNext(Patience()));
            Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
            Assert.Equal("TOO_MANY_STREAMS", Info(refused.Status).Reason);

            // Another unit is not held back by this one's streams.
            using var other = limited.Cases("BE-FCCU").Sync();
            await other.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
            Assert.True(await other.ResponseStream.MoveNext(Patience()));
            await other.RequestStream.CompleteAsync();
            await first.RequestStream.CompleteAsync();
            Assert.False(await first.ResponseStream.MoveNext(Patience()));
        }

        // Closed streams no longer count.
        using var again = nl.Sync();
        await again.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
        Assert.True(await again.ResponseStream.MoveNext(Patience()));
        await again.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_unit_holds_no_more_batch_lookup_streams_than_the_limit()
    {
        var be = limited.Lookups("BE-FCCU");
        using var first = be.BatchLookup();
        await first.RequestStream.WriteAsync(new BatchLookupRequest
        {
            ItemId = "1", Justification = Why,
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } },
        });
        Assert.True(await first.ResponseStream.MoveNext(Patience()));

        using var second = be.BatchLookup();
        var refused = await Failure(() => second.ResponseStream.MoveNext(Patience()));
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal("TOO_MANY_STREAMS", Info(refused.Status).Reason);
        await first.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_unit_holds_no_more_feed_subscriptions_than_the_limit()
    {
        var feed = limited.Feed("BE-FCCU");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = await feed.LastPosition();
        using var first = feed.Subscribe(new SubscribeRequest { AfterPosition = start }, cancellationToken: cancel.Token);
        // The first subscription is open once it has delivered an item.
        var caseId = await hub.Cases("CA-RCMP-NCECC").OpenedCase();
        await hub.Cases("CA-RCMP-NCECC").RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "yours" });
        Assert.True(await first.ResponseStream.MoveNext(cancel.Token));

        using var second = feed.Subscribe(new SubscribeRequest { AfterPosition = start });
        var refused = await Failure(() => second.ResponseStream.MoveNext(Patience()));
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal("TOO_MANY_STREAMS", Info(refused.Status).Reason);
        await cancel.CancelAsync();
    }

    [Fact]
    public async Task A_hub_configured_with_a_limit_that_is_not_positive_refuses_to_start_and_names_it()
    {
        await using var factory = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki)) host.UseSetting(key, value);
            host.UseSetting("Limits:Streams:MaxSyncPerUnit", "0");
        });
        var failure = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Limits:Streams:MaxSyncPerUnit must be positive (is 0)", failure.ToString());
    }

    [Fact]
    public async Task A_message_larger_than_the_configured_maximum_is_refused()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => limited.Cases("NL-TBKK").GetCaseAsync(
            new GetCaseRequest { CaseId = NewId(), Justification = new() { Purpose = new string('x', 100_000) } }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }
}
