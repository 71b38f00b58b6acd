using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;

namespace EvidenceHub.Hub.Sharing;

/// The owner changed the case's sharing policy, and why. Names no recipient: the owner replays its case, and who else
/// learned of it (other units' cases, partners' lookups) is not the owner's to see; the notices are on a stream of
/// their own (SharingNoticesSent) and the command's access record names the recipients for auditors.
public sealed record SharingPolicyChanged(Guid CaseId, SharingPolicy Old, SharingPolicy New, Sealed Reason) : ICaseEvent;

/// The notices one sharing change sends, on the case's notice stream (never replayed to units): to each unit or
/// partner that learned more than it may now use, and to each owner of a correlated case that may now see the
/// correlation it was not told of.
public sealed record SharingNoticesSent(Guid CaseId, Sealed Reason, IReadOnlyList<SharingNarrowed> Narrowed, IReadOnlyList<CorrelationWidened> Widened)
    : IHubStreamEvent
{
    public Guid StreamId => StreamIdFor(CaseId);

    /// A name-based id of the hub's own (RFC 9562 version 8), never a client's version 4 case id.
    public static Guid StreamIdFor(Guid caseId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("evidencehub/sharing-notices/" + caseId.ToString("N")));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// One recipient's narrowing notice: the case as the recipient learned it (owner then, reference, the identifiers by
/// which it learned of it, its own cases told of a correlation), what it may still see and under which terms (the
/// restrictions sealed under the case subject, opened when the feed delivers the notice). AskedByValue: those of the
/// identifiers it asked about by value itself (null: none).
public sealed record SharingNarrowed(
    string Unit, string OwnerUnit, string CaseReference, IReadOnlyList<string> Keys, IReadOnlyList<Guid> TheirCases,
    DisclosureLevel StillVisible, Tlp Tlp, HandlingCode HandlingCode, Sealed? HandlingRestrictions,
    IReadOnlyList<string>? AskedByValue = null);

/// A correlation told late, after a widening: to the unit owning the other case now, of the changed case as the new
/// policy discloses it.
public sealed record CorrelationWidened(string Key, IdentifierKind Kind, string Unit, Guid TheirCase, string TheirCaseReference, CaseParty Widened)
{
    /// The widened case's grading of the identifier, disclosed with the late correlation notice as with any other.
    public Quality.Grading? Grading { get; init; }
}
