using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Audit;

/// Finding 5 and 13, the pure rules: what the access log stores is storable and bounded.
public sealed class StorableTextTests
{
    [Theory]
    [InlineData("CN=NL\0TBKK", "CN=NL\uFFFDTBKK")]
    [InlineData("\u001b[31mred\u001b[0m", "\uFFFD[31mred\uFFFD[0m")]
    [InlineData("abc\u202Egfe", "abc\uFFFDgfe")]
    [InlineData("zero\u200Bwidth", "zero\uFFFDwidth")]
    [InlineData("line\nand\ttab", "line\nand\ttab")]
    [InlineData("pair \uD83D\uDE00 kept", "pair \uD83D\uDE00 kept")]
    public void Unstorable_and_invisible_characters_become_U_FFFD(string given, string stored) =>
        Assert.Equal(stored, AuditText.Storable(given, 100));

    [Fact]
    public void Lone_surrogates_become_U_FFFD()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate through the assembly's metadata.
        Assert.Equal("lone \uFFFD high", AuditText.Storable("lone " + (char)0xD800 + " high", 100));
        Assert.Equal("lone \uFFFD low", AuditText.Storable("lone " + (char)0xDC00 + " low", 100));
        Assert.Equal("end \uFFFD", AuditText.Storable("end " + (char)0xD83D, 100));
    }

    [Fact]
    public void Long_text_is_cut_to_its_bound_and_never_inside_a_surrogate_pair()
    {
        var cut = AuditText.Storable(new string('x', 30) + "\uD83D\uDE00" + new string('y', 100), 42);
        Assert.True(cut.Length <= 42);
        Assert.EndsWith(AuditText.Truncated, cut);
        Assert.False(char.IsHighSurrogate(cut[^(AuditText.Truncated.Length + 1)]));
    }

    [Fact]
    public void An_access_entry_is_storable_however_it_is_built()
    {
        var caller = new Caller("NL-TBKK", "NL", [Roles.Unit], "a\0b", "CN=x\0y" + new string('z', 5000));
        var entry = new AccessEntry(caller, "Op\0", EvidenceHub.Hub.Audit.AccessOutcome.Refused, "why\0", "asked\uD800", null, null, "c\0") { IdentifierKeys = ["k\0"] };
        var copy = entry with { Asked = "again\0" };
        Assert.Equal(("a\uFFFDb", "Op\uFFFD", "why\uFFFD", "asked\uFFFD", "c\uFFFD", "k\uFFFD"),
            (entry.Caller.User, entry.Operation, entry.Justification, entry.Asked, entry.CorrelationId, entry.IdentifierKeys[0]));
        Assert.True(entry.Caller.CertificateSubject.Length <= AccessEntry.MaxSubjectLength);
        Assert.Equal("again\uFFFD", copy.Asked);
    }
}

/// Finding 13: the evidencehub-user header and justifications, refused with INVALID_ARGUMENT naming the field.
[Collection(AuditHub.Name)]
public sealed class RecordedTextTests(HubFixture hub)
{
    [Theory]
    [InlineData("\u001b[2J\u001b[Hadmin")]  // ANSI escapes
    [InlineData("j.devries\u202Etxt.exe")] // bidi override
    [InlineData("j.de\u2066vries")]        // bidi isolate
    [InlineData("j.de\u200Bvries")]        // zero-width space
    [InlineData("NL-TBKK/chief")]          // a forged "UNIT/user" actor
    [InlineData("bell\u0007")]             // control character
    public async Task A_user_name_that_could_forge_or_hide_part_of_the_record_is_refused(string user)
    {
        var cases = new CaseService.CaseServiceClient(Channel(user));
        var failure = await Failure(() => cases.OpenCaseAsync(OpenCase()).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, Caller.UserHeader), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task A_user_name_over_128_characters_is_refused_not_silently_replaced()
    {
        var cases = new CaseService.CaseServiceClient(Channel(new string('u', 129)));
        var failure = await Failure(() => cases.OpenCaseAsync(OpenCase()).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, Caller.UserHeader), (failure.Code, failure.Field));
        var fine = new CaseService.CaseServiceClient(Channel("Jan de Vries (desk 4)"));
        Assert.NotEmpty((await fine.OpenCaseAsync(OpenCase())).CaseId);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("\u200B")]
    [InlineData("a\u200Bb")]
    [InlineData("?!")]
    [InlineData("ok\u202E")]
    public async Task A_justification_that_says_nothing_is_refused_by_every_reader(string why)
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var getCase = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = why } }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (getCase.Code, getCase.Field));
        var lookup = await Failure(() => hub.Lookups("US-HSI-C3").LookupAsync(new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "someone@example.org" } },
            Justification = new Justification { Purpose = why },
        }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (lookup.Code, lookup.Field));
        var audit = await Failure(() => hub.Audit("EU-AUDIT").VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = why } }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (audit.Code, audit.Field));
    }

    private GrpcChannel Channel(string user) =>
        GrpcChannel.ForAddress(hub.Factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new TestClientCertificate.Presenting(hub.CertificateOf("NL-TBKK"), "analyst", new RawUserHeader(user, hub.Factory.Server.CreateHandler())),
        });

    /// Replaces the user header with the exact text given (HttpClient would refuse to send some of it).
    private sealed class RawUserHeader(string user, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove(Caller.UserHeader);
            request.Headers.TryAddWithoutValidation(Caller.UserHeader, user);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
