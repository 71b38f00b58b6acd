using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Identity;

/// Every RPC of the case, lookup, feed, audit and hash-check services, called as a unit, a partner, an auditor and an
/// unknown party; and as a hosting party (provider), which may call CheckHashes, its feed and its takedown requests
/// and nothing else.
/// What is compared is whether the call passed authorization: OK, or any answer of the call itself (a missing handoff,
/// an empty log), as opposed to PERMISSION_DENIED or UNAUTHENTICATED.
[Collection(AccessHub.Name)]
public sealed class AuthorizationMatrixTests(HubFixture hub)
{
    public enum As { Unit, Partner, Auditor, Unknown, Provider }

    private GrpcChannel ChannelAs(As who) => who switch
    {
        As.Unit => hub.Channel(hub.CertificateOf("NL-TBKK")),
        As.Partner => hub.Channel(hub.CertificateOf("US-HSI-C3")),
        As.Auditor => hub.Channel(hub.CertificateOf("EU-AUDIT")),
        As.Provider => hub.Channel(hub.CertificateOf("NL-HOSTER-1")),
        _ => hub.Channel(ThrowawayPki.UntrustedClientCertificate("NL-TBKK")),
    };

    private static readonly Justification Why = new() { Purpose = "authorization matrix" };

    private async Task<StatusCode> Call(string rpc, As who)
    {
        var channel = ChannelAs(who);
        var cases = new CaseService.CaseServiceClient(channel);
        var lookups = new LookupService.LookupServiceClient(channel);
        var feed = new FeedService.FeedServiceClient(channel);
        var audit = new AuditService.AuditServiceClient(channel);
        var hashChecks = new HashCheckService.HashCheckServiceClient(channel);
        var takedowns = new TakedownService.TakedownServiceClient(channel);
        var nlCase = await hub.Cases("NL-TBKK").OpenedCase();
        var query = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } };
        try
        {
            switch (rpc)
            {
                case "OpenCase": await cases.OpenCaseAsync(OpenCase()); break;
                case "AddSuspectIdentifier": await cases.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, Unique.Email())); break;
                case "LinkVictim":
                    await cases.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = nlCase, VictimReference = "V-matrix", AgeBand = AgeBand._13To15, Country = "NL" });
                    break;
                case "RetractSuspectIdentifier":
                    await cases.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = nlCase, IdentifierKey = "email:" + Unique.Email(), Reason = "matrix" });
                    break;
                case "RequestHandoff":
                    await cases.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = nlCase, TargetUnit = "BE-FCCU", Reason = "matrix" });
                    break;
                case "AcceptHandoff":
                    await cases.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = nlCase, HandoffId = NewId() });
                    break;
                case "DeclineHandoff":
                    await cases.DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = nlCase, HandoffId = NewId(), Reason = "matrix" });
                    break;
                case "ReplayCase":
                    using (var replay = audit.ReplayCase(new ReplayCaseRequest { CaseId = nlCase, Justification = new() { Purpose = "authorization matrix" } }))
                        await replay.ResponseStream.ReadAllAsync().ToListAsync();
                    break;
                case "GetCaseAsOf": await audit.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = nlCase, Version = 1, Justification = new() { Purpose = "authorization matrix" } }); break;
                case "QueryAccessLog":
                    using (var records = audit.QueryAccessLog(new QueryAccessLogRequest { Justification = new() { Purpose = "authorization matrix" }, From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)) }))
                        await records.ResponseStream.ReadAllAsync().ToListAsync();
                    break;
                case "GetLogCheckpoint": await audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = new() { Purpose = "authorization matrix" } }); break;
                case "GetLogEntries":
                    using (var entries = audit.GetLogEntries(new GetLogEntriesRequest { Justification = new() { Purpose = "authorization matrix" }, MaxEntries = 1 }))
                        await entries.ResponseStream.ReadAllAsync().ToListAsync();
                    break;
                case "GetInclusionProof": await audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = new() { Purpose = "authorization matrix" }, Position = 0 }); break;
                case "GetConsistencyProof": await audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = new() { Purpose = "authorization matrix" }, FirstSize = 1 }); break;
                case "VerifyLog": await audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "authorization matrix" } }); break;
                case "GetCheckpointNote": await audit.GetCheckpointNoteAsync(new GetCheckpointNoteRequest { Justification = new() { Purpose = "authorization matrix" } }); break;
                case "AddCheckpointCosignature":
                    await audit.AddCheckpointCosignatureAsync(new AddCheckpointCosignatureRequest { TreeSize = 1, SignatureLine = "\u2014 matrix AAAAAAA=" });
                    break;
                case "RegradeData":
                    await cases.RegradeDataAsync(new RegradeDataRequest { CommandId = NewId(), CaseId = nlCase, IdentifierKey = "email:" + Unique.Email(), Grading = new(), Reason = "matrix" });
                    break;
                case "CorrectVictimLink":
                    await cases.CorrectVictimLinkAsync(new CorrectVictimLinkRequest { CommandId = NewId(), CaseId = nlCase, VictimLinkId = NewId(), Country = "BE", Reason = "matrix" });
                    break;
                case "ReplaceSuspectIdentifier":
                    await cases.ReplaceSuspectIdentifierAsync(new ReplaceSuspectIdentifierRequest { CommandId = NewId(), CaseId = nlCase, IdentifierKey = "email:" + Unique.Email(), Identifier = query.Raw, Reason = "matrix" });
                    break;
                case "CloseCase": await cases.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = nlCase, Reason = "r" }); break;
                case "RestrictData": await cases.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = nlCase, WholeCase = true, Reason = "r", LegalBasis = "LED Art. 16(3)" }); break;
                case "LiftRestriction": await cases.LiftRestrictionAsync(new LiftRestrictionRequest { CommandId = NewId(), CaseId = nlCase, WholeCase = true, Reason = "r" }); break;
                case "CancelHandoff":
                    var handoff = await hub.Cases("NL-TBKK").RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = nlCase, TargetUnit = "BE-FCCU", Reason = "matrix" });
                    await cases.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = nlCase, HandoffId = handoff.HandoffId, Reason = "matrix" });
                    break;
                case "EraseVictimLink":
                    var link = await hub.Cases("NL-TBKK").LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = nlCase, VictimReference = "V-matrix", AgeBand = AgeBand._13To15, Country = "NL" });
                    await cases.EraseVictimLinkAsync(new EraseVictimLinkRequest
                    {
                        CommandId = NewId(), CaseId = nlCase, VictimLinkId = link.VictimLinkId, LegalBasis = ErasureBasis.CourtOrder, Reason = "matrix",
                    });
                    break;
                case "EraseCase":
                    await cases.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = nlCase, LegalBasis = ErasureBasis.CourtOrder, Reason = "matrix" });
                    break;
                case "EraseSuspectIdentifier":
                    var email = Unique.Email();
                    await hub.Cases("NL-TBKK").AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, email));
                    await cases.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest
                    {
                        CommandId = NewId(), CaseId = nlCase, IdentifierKey = "email:" + email, LegalBasis = ErasureBasis.CourtOrder, Reason = "matrix",
                    });
                    break;
                case "GetCase": await cases.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = new() { Purpose = "matrix" } }); break;
                case "ChangeSharingPolicy":
                    await cases.ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
                    {
                        CommandId = NewId(), CaseId = nlCase, Reason = "matrix", SharingPolicy = new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H0 },
                    });
                    break;
                case "MarkNotToCorrelate": await cases.MarkNotToCorrelateAsync(new MarkNotToCorrelateRequest { CommandId = NewId(), Identifier = query.Raw, Reason = "r" }); break;
                case "Sync":
                    using (var sync = cases.Sync())
                    {
                        // As for BatchLookup: a refusal may beat the write; the answer is how the response stream ends.
                        try
                        {
                            await sync.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
                            await sync.RequestStream.CompleteAsync();
                        }
                        catch (Exception written) when (written is RpcException or InvalidOperationException) { }
                        await sync.ResponseStream.ReadAllAsync().ToListAsync();
                    }
                    break;
                case "ImportMedia":
                    using (var import = cases.ImportMedia())
                    {
                        try
                        {
                            await import.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = nlCase, Rows = { new MediaRow { Sha256 = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + new string('b', 32) } } });
                            await import.RequestStream.CompleteAsync();
                        }
                        catch (Exception written) when (written is RpcException or InvalidOperationException) { }
                        await import.ResponseStream.ReadAllAsync().ToListAsync();
                    }
                    break;
                case "Lookup": await lookups.LookupAsync(new LookupRequest { Identifier = query, Justification = Why }); break;
                case "BatchLookup":
                    using (var batch = lookups.BatchLookup())
                    {
                        // The hub may refuse the call before the request is written (a loaded machine lets that race
                        // either way): the call's answer is what its response stream ends with, not a failed write.
                        try
                        {
                            await batch.RequestStream.WriteAsync(new BatchLookupRequest { Identifier = query, Justification = Why });
                            await batch.RequestStream.CompleteAsync();
                        }
                        catch (Exception written) when (written is RpcException or InvalidOperationException) { }
                        await batch.ResponseStream.ReadAllAsync().ToListAsync();
                    }
                    break;
                case "GetNetwork": await lookups.GetNetworkAsync(new GetNetworkRequest { Identifier = query, Justification = Why }); break;
                case "GetBlindingKeys": await lookups.GetBlindingKeysAsync(new GetBlindingKeysRequest()); break;
                case "EvaluateBlinded":
                    await lookups.EvaluateBlindedAsync(new EvaluateBlindedRequest { BlindedElements = { Google.Protobuf.ByteString.CopyFrom(EvidenceHub.Oprf.Ristretto255Oprf.Blind("x"u8).Element) }, Justification = Why });
                    break;
                case "Subscribe":
                    using (var subscription = feed.Subscribe(new SubscribeRequest { StopAtEnd = true }))
                        await subscription.ResponseStream.ReadAllAsync().ToListAsync();
                    break;
                case "ReviewCase": await cases.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = nlCase, Note = "matrix" }); break;
                case "EscalateHandoff":
                    await cases.EscalateHandoffAsync(new EscalateHandoffRequest { CommandId = NewId(), CaseId = nlCase, HandoffId = NewId(), Note = "matrix" });
                    break;
                case "ListOverdueCases": await audit.ListOverdueCasesAsync(new ListOverdueCasesRequest { Justification = Why }); break;
                case "InviteCoLead": await cases.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = nlCase, CoLeadUnit = "BE-FCCU", Reason = "matrix" }); break;
                case "AnswerCoLeadInvitation":
                    // A case nobody invited the caller to: answered by the command itself (not found), past authorization.
                    await cases.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = NewId(), Answer = CoLeadAnswer.Accept });
                    break;
                case "LeaveCase": await cases.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = nlCase, Reason = "matrix" }); break;
                case "AddMedia": await cases.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = nlCase, Sha256 = new string('a', 64) }); break;
                case "RetractMedia": await cases.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = nlCase, FileHash = new string('a', 64), Reason = "matrix" }); break;
                case "CheckHashes": await hashChecks.CheckHashesAsync(new CheckHashesRequest { Questions = { new HashQuestion { Sha256 = new string('a', 64) } } }); break;
                case "FileTakedownRequest":
                    await cases.FileTakedownRequestAsync(new FileTakedownRequestRequest { CommandId = NewId(), CaseId = nlCase, Provider = "NL-HOSTER-1", Media = { new string('a', 64) } });
                    break;
                case "WithdrawTakedownRequest":
                    await cases.WithdrawTakedownRequestAsync(new WithdrawTakedownRequestRequest { CommandId = NewId(), CaseId = nlCase, RequestId = NewId(), Reason = "matrix" });
                    break;
                case "ListNotices": await takedowns.ListNoticesAsync(new ListNoticesRequest()); break;
                case "GetNotice": await takedowns.GetNoticeAsync(new GetNoticeRequest { RequestId = NewId() }); break;
                case "Acknowledge": await takedowns.AcknowledgeAsync(new AcknowledgeRequest { RequestId = NewId() }); break;
                case "ReportRemoved": await takedowns.ReportRemovedAsync(new ReportRemovedRequest { RequestId = NewId() }); break;
                case "Refuse": await takedowns.RefuseAsync(new RefuseRequest { RequestId = NewId(), Reason = "matrix" }); break;
                case "GetTakedownRequest": await takedowns.GetTakedownRequestAsync(new GetTakedownRequestRequest { RequestId = NewId(), Justification = Why }); break;
                case "ListTakedownRequests": await takedowns.ListTakedownRequestsAsync(new ListTakedownRequestsRequest { Justification = Why }); break;
                default: throw new ArgumentException(rpc);
            }
            return StatusCode.OK;
        }
        // Any other answer is the call's own: it passed authorization.
        catch (RpcException failure) { return failure.StatusCode is Denied or Unauthenticated ? failure.StatusCode : Ok; }
    }

    private const StatusCode Ok = StatusCode.OK, Denied = StatusCode.PermissionDenied, Unauthenticated = StatusCode.Unauthenticated;

    public static TheoryData<string, StatusCode, StatusCode, StatusCode> Matrix => new()
    {
        //                         unit     partner  auditor
        { "OpenCase",              Ok,      Denied,  Denied },
        { "AddSuspectIdentifier",  Ok,      Denied,  Denied },
        { "LinkVictim",            Ok,      Denied,  Denied },
        { "RetractSuspectIdentifier", Ok,   Denied,  Denied },
        { "RequestHandoff",        Ok,      Denied,  Denied },
        { "AcceptHandoff",         Ok,      Denied,  Denied },
        { "DeclineHandoff",        Ok,      Denied,  Denied },
        { "CloseCase",             Ok,      Denied,  Denied },
        { "RestrictData",          Ok,      Denied,  Denied },
        { "LiftRestriction",       Ok,      Denied,  Denied },
        { "CancelHandoff",         Ok,      Denied,  Denied },
        { "EraseVictimLink",       Ok,      Denied,  Denied },
        { "EraseCase",             Ok,      Denied,  Denied },
        { "EraseSuspectIdentifier", Ok,     Denied,  Denied },
        { "GetCase",               Ok,      Denied,  Ok },
        { "MarkNotToCorrelate",    Ok,      Denied,  Denied },
        { "ChangeSharingPolicy",   Ok,      Denied,  Denied },
        { "RegradeData",           Ok,      Denied,  Denied },
        { "CorrectVictimLink",     Ok,      Denied,  Denied },
        { "ReplaceSuspectIdentifier", Ok,   Denied,  Denied },
        { "Sync",                  Ok,      Denied,  Denied },
        { "Lookup",                Ok,      Ok,      Denied },
        { "BatchLookup",           Ok,      Ok,      Denied },
        { "GetNetwork",            Ok,      Ok,      Ok },
        { "GetBlindingKeys",       Ok,      Ok,      Denied },
        { "EvaluateBlinded",       Ok,      Ok,      Denied },
        { "Subscribe",             Ok,      Ok,      Denied },
        // A unit replays and reads back only its own cases; the access log and the log's proofs are the auditors'
        // (witnesses read the signed note and cosign it: tests/EvidenceHub.Tests/Audit/CheckpointNoteTests.cs).
        { "ReplayCase",            Ok,      Denied,  Ok },
        { "GetCaseAsOf",           Ok,      Denied,  Ok },
        { "QueryAccessLog",        Denied,  Denied,  Ok },
        { "GetLogCheckpoint",      Denied,  Denied,  Ok },
        { "GetLogEntries",         Denied,  Denied,  Ok },
        { "GetInclusionProof",     Denied,  Denied,  Ok },
        { "GetConsistencyProof",   Denied,  Denied,  Ok },
        { "VerifyLog",             Denied,  Denied,  Ok },
        { "GetCheckpointNote",     Denied,  Denied,  Ok },
        { "AddCheckpointCosignature", Denied, Denied, Denied },
        { "ReviewCase",            Ok,      Denied,  Denied },
        { "EscalateHandoff",       Ok,      Denied,  Denied },
        { "ListOverdueCases",      Denied,  Denied,  Ok },
        { "InviteCoLead",          Ok,      Denied,  Denied },
        { "AnswerCoLeadInvitation", Ok,     Denied,  Denied },
        { "LeaveCase",             Ok,      Denied,  Denied },
        { "AddMedia",              Ok,      Denied,  Denied },
        { "ImportMedia",           Ok,      Denied,  Denied },
        { "RetractMedia",          Ok,      Denied,  Denied },
        { "FileTakedownRequest",   Ok,      Denied,  Denied },
        { "WithdrawTakedownRequest", Ok,    Denied,  Denied },
        // Hosting parties' RPCs (the provider's column is the theory below).
        { "CheckHashes",           Denied,  Denied,  Denied },
        { "ListNotices",           Denied,  Denied,  Denied },
        { "GetNotice",             Denied,  Denied,  Denied },
        { "Acknowledge",           Denied,  Denied,  Denied },
        { "ReportRemoved",         Denied,  Denied,  Denied },
        { "Refuse",                Denied,  Denied,  Denied },
        // A takedown request's history: the requesting unit, the case's leads, auditors.
        { "GetTakedownRequest",    Ok,      Denied,  Ok },
        { "ListTakedownRequests",  Ok,      Denied,  Ok },
    };

    /// Every RPC of every service in the contract, by its descriptor: a service or method added later is covered too.
    private static IEnumerable<Google.Protobuf.Reflection.MethodDescriptor> AllMethods() =>
        typeof(CaseService).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(Google.Protobuf.Reflection.ServiceDescriptor))
            .SelectMany(p => ((Google.Protobuf.Reflection.ServiceDescriptor)p!.GetValue(null)!).Methods);

    public static TheoryData<string, string> EveryRpc
    {
        get
        {
            var rpcs = new TheoryData<string, string>();
            foreach (var method in AllMethods()) rpcs.Add(method.Service.FullName, method.Name);
            return rpcs;
        }
    }

    [Fact]
    public void The_matrix_names_every_rpc_of_every_service()
    {
        Assert.Equal(AllMethods().Select(m => m.Name).Order(), Matrix.Select(row => (string)row[0]).Order());
    }

    /// What a hosting party may call: hash checks, its feed (takedown notices) and its takedown requests.
    private static readonly HashSet<string> ProviderRpcs = ["CheckHashes", "Subscribe", "ListNotices", "GetNotice", "Acknowledge", "ReportRemoved", "Refuse"];

    /// A hosting party's certificate passes authorization for its own RPCs alone: every other RPC of every service,
    /// called with an empty request, is turned away before the request is read (so it never reads a case).
    [Theory]
    [MemberData(nameof(EveryRpc))]
    public async Task A_provider_may_call_hash_checks_its_feed_and_its_takedown_requests_and_nothing_else(string service, string rpc)
    {
        var method = AllMethods().Single(m => m.Service.FullName == service && m.Name == rpc);
        var expected = ProviderRpcs.Contains(rpc) ? Ok : Denied;
        Assert.Equal(expected, await RawCall(method, As.Provider));
        Assert.Equal(expected, await Call(rpc, As.Provider));
    }

    /// Deny by default: a method no service declares (as a method whose [Authorize] was forgotten would be) is refused
    /// to every certificate, and a caller without one is unauthenticated; no role reaches it.
    [Theory]
    [InlineData(As.Unit, Denied)]
    [InlineData(As.Partner, Denied)]
    [InlineData(As.Auditor, Denied)]
    [InlineData(As.Provider, Denied)]
    [InlineData(As.Unknown, Unauthenticated)]
    public async Task A_method_without_an_authorization_of_its_own_is_refused_to_every_role(As who, StatusCode expected)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "evidencehub.v1.CaseService", "NoSuchMethod", bytes, bytes);
        var failure = await Assert.ThrowsAsync<RpcException>(() => ChannelAs(who).CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), []).ResponseAsync);
        Assert.Equal(expected, failure.StatusCode);
    }

    private async Task<StatusCode> RawCall(Google.Protobuf.Reflection.MethodDescriptor descriptor, As who)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var method = new Method<byte[], byte[]>(type, descriptor.Service.FullName, descriptor.Name, bytes, bytes);
        var invoker = ChannelAs(who).CreateCallInvoker();
        async Task Complete(IClientStreamWriter<byte[]> requests)
        {
            // The hub may refuse the call before the request stream is closed.
            try { await requests.CompleteAsync(); } catch (Exception written) when (written is RpcException or InvalidOperationException) { }
        }
        try
        {
            switch (type)
            {
                case MethodType.Unary: await invoker.AsyncUnaryCall(method, null, new CallOptions(), []); break;
                case MethodType.ServerStreaming:
                    // A feed subscription that passes follows new items for ever: asked to stop at the end instead.
                    byte[] request = descriptor == FeedService.Descriptor.FindMethodByName("Subscribe") ? new SubscribeRequest { StopAtEnd = true }.ToByteArray() : [];
                    using (var call = invoker.AsyncServerStreamingCall(method, null, new CallOptions(), request))
                        await call.ResponseStream.ReadAllAsync().ToListAsync();
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, new CallOptions()))
                    {
                        await Complete(call.RequestStream);
                        await call.ResponseAsync;
                    }
                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, new CallOptions()))
                    {
                        await Complete(call.RequestStream);
                        await call.ResponseStream.ReadAllAsync().ToListAsync();
                    }
                    break;
            }
            return StatusCode.OK;
        }
        catch (RpcException failure) { return failure.StatusCode is Denied or Unauthenticated ? failure.StatusCode : Ok; }
    }

    public static TheoryData<string> CatalogCommands => new(EvidenceHub.Hub.Commands.CommandCatalog.Kinds.Select(k => k.Rpc));

    /// A command added to the catalog is in the matrix above, and is a national unit's alone: called with an empty
    /// request, a unit gets the command's own answer (bad input), everyone else is turned away before it is read.
    [Theory]
    [MemberData(nameof(CatalogCommands))]
    public async Task Each_command_of_the_catalog_is_a_units_alone(string rpc)
    {
        Assert.Contains(Matrix, row => (string)row[0] == rpc && (StatusCode)row[1] == Ok && (StatusCode)row[2] == Denied && (StatusCode)row[3] == Denied);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, CaseService.Descriptor.FullName, rpc, bytes, bytes);
        async Task<StatusCode> CallAs(As who)
        {
            try { await ChannelAs(who).CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), []); return StatusCode.OK; }
            catch (RpcException failure) { return failure.StatusCode is Denied or Unauthenticated ? failure.StatusCode : Ok; }
        }
        Assert.Equal((Ok, Denied, Denied, Unauthenticated), (await CallAs(As.Unit), await CallAs(As.Partner), await CallAs(As.Auditor), await CallAs(As.Unknown)));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_rpc_answers_each_kind_of_caller_as_expected(string rpc, StatusCode unit, StatusCode partner, StatusCode auditor)
    {
        Assert.Equal(
            (unit, partner, auditor, Unauthenticated),
            (await Call(rpc, As.Unit), await Call(rpc, As.Partner), await Call(rpc, As.Auditor), await Call(rpc, As.Unknown)));
    }
}
