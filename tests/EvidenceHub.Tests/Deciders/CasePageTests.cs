using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Limits;
using Google.Rpc;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Tests.Deciders;

/// GetCase's pages without a database: a batch's hashes (one case version) are paged by file row and key, so a page
/// that ends inside a batch goes on where it ended; the token is bound to its case and refused when it is not one the
/// hub gave out.
public sealed class CasePageTests
{
    private static readonly Guid CaseId = Guid.NewGuid();
    private static readonly AnswerLimits Limits = new() { CasePageSize = 3, MaxCasePageSize = 10 };
    private static readonly CaseFile File = CaseFile.Evolve(null, Opened(CaseId, Nl), DeciderSpec.Now)!;

    private static (CaseIdentifier, CasePage.Position) Hash(long version, long row, int ordinal) =>
        (new CaseIdentifier(IdentifierKind.FileHashSha256, $"sha256:{version}-{row}-{ordinal}", Guid.Empty, null!, null, null!, null, DeciderSpec.Now, "NL-TBKK")
            { AddedAtVersion = version }, new CasePage.Position(version, row, ordinal));

    /// A holding at version 2, a batch of three rows of two keys at version 3, a holding at version 4.
    private static readonly (CaseIdentifier, CasePage.Position)[] Listed =
        [Hash(2, 0, 0), Hash(3, 7, 1), Hash(3, 7, 2), Hash(3, 8, 1), Hash(3, 8, 2), Hash(3, 9, 1), Hash(3, 9, 2), Hash(4, 0, 0)];

    private static Case Page(string token, int size)
    {
        var page = CasePage.Of(size, token, CaseId, Limits);
        var answer = new Case();
        // As the reader gives them: everything from the page's position on (here: filtered by it, unordered).
        page.Fill(answer, File, Listed.Where(l => l.Item2.CompareTo(page.After) > 0).Reverse(), withVictims: false, new SubjectKeyRing([]));
        return answer;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Pages_that_end_inside_a_batch_yield_every_identifier_once_and_in_order(int size)
    {
        var keys = new List<string>();
        var token = "";
        do
        {
            var answer = Page(token, size);
            Assert.InRange(answer.Identifiers.Count, 1, size);
            keys.AddRange(answer.Identifiers.Select(i => i.Key));
            token = answer.NextPageToken;
        } while (token.Length > 0);

        Assert.Equal(Listed.Select(l => l.Item1.Key), keys);
    }

    private static string Token(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TheoryData<string> NotGivenOut => new()
    {
        "not a token", "%%%", new string('A', 400), Token($"{CaseId:N}.3.7"), Token($"{CaseId:N}.3.7.1"), Token($"{CaseId:N}.-3.7.1.0"),
        Token($"{CaseId:N}.3.7.5.0"), Token($"{CaseId:N}.03.7.1.0"), Token($"{CaseId:N}.3.7.1.0.0"), Token($"{CaseId:N}. 3.7.1.0"),
        Token($"{CaseId:N}.3.7.1.99999999999"), Token($"{CaseId}.3.7.1.0"), Token("x.3.7.1.0"),
    };

    [Theory]
    [MemberData(nameof(NotGivenOut))]
    public void A_token_the_hub_did_not_give_out_is_invalid_argument_naming_page_token(string token)
    {
        var refused = Assert.Throws<Rejection>(() => CasePage.Of(2, token, CaseId, Limits));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"),
            ((StatusCode)refused.Status.Code, refused.Status.GetDetail<BadRequest>()?.FieldViolations.Single().Field));
    }

    [Fact]
    public void A_token_of_another_case_is_refused_for_this_one()
    {
        var token = Page("", 2).NextPageToken;
        Assert.Equal(new CasePage.Position(3, 7, 1), CasePage.Of(2, token, CaseId, Limits).After);
        var refused = Assert.Throws<Rejection>(() => CasePage.Of(2, token, Guid.NewGuid(), Limits));
        Assert.Equal("page_token", refused.Status.GetDetail<BadRequest>()?.FieldViolations.Single().Field);
    }
}
