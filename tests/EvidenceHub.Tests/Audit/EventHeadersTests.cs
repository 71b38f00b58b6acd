using EvidenceHub.Hub.Store;

namespace EvidenceHub.Tests.Audit;

/// Who acted, as ReplayCase reads it back from a stored event.
public sealed class EventHeadersTests
{
    [Fact]
    public void The_headers_name_the_unit_and_the_user()
    {
        Assert.Equal(("NL-TBKK", "j.devries"), EventHeaders.ActorOf("""{"unit":"NL-TBKK","user":"j.devries","command_id":"c-1"}""", "BE-FCCU/other"));
    }

    [Fact]
    public void A_unit_without_a_user_has_an_empty_user()
    {
        Assert.Equal(("NL-TBKK", ""), EventHeaders.ActorOf("""{"unit":"NL-TBKK","user":7}""", null));
    }

    [Theory]
    [InlineData(null, "NL-TBKK/j.devries", "NL-TBKK", "j.devries")]
    [InlineData("""{"command_id":"c-1"}""", "NL-TBKK/j.devries", "NL-TBKK", "j.devries")]
    [InlineData("""{"unit":42}""", "NL-TBKK", "NL-TBKK", "")]
    [InlineData("[]", null, "", "")]
    [InlineData("null", "NL-TBKK/team/j", "NL-TBKK", "team/j")]
    public void Without_a_unit_header_the_user_name_says_who(string? headers, string? userName, string unit, string user)
    {
        Assert.Equal((unit, user), EventHeaders.ActorOf(headers, userName));
    }
}
