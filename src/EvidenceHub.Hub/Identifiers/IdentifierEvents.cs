using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Quality;

namespace EvidenceHub.Hub.Identifiers;

/// A suspect identifier was tied to a case. Key is what it is matched on: the keyed pseudonym of its canonical key
/// (IdentifierPseudonym.MatchKeyOf), never the value. The canonical value, the raw form the unit sent and when it was
/// observed are sealed under the holding's own subject key (Subject: one case's holding of one identifier), so that
/// erasing the holding destroys them and nothing else; the plaintext key is the kind, qualifier and canonical value
/// together. Kind, qualifier (platform or chain) and grading stay readable: correlation and disclosure need them.
public sealed record SuspectIdentifierAdded(
    Guid CaseId,
    IdentifierKind Kind,
    string Key,
    Guid Subject,
    Sealed CanonicalValue,
    string? Qualifier,
    Sealed RawValue,
    Sealed? RawPlatform,
    Sealed? ObservedAt,
    Grading? Grading = null) : ICaseEvent
{
    /// The event for a new holding: a new subject in the ring, every personal field sealed under it.
    public static SuspectIdentifierAdded Sealing(Guid caseId, CanonicalIdentifier identifier, string matchKey, RawIdentifier raw, Grading? grading, SubjectKeyRing keys)
    {
        var subject = keys.NewSubject(caseId, SubjectKind.IdentifierHolding);
        return new SuspectIdentifierAdded(caseId, identifier.Kind, matchKey, subject,
            keys.Seal(subject, nameof(CanonicalValue), identifier.Value), identifier.Qualifier,
            keys.Seal(subject, nameof(RawValue), raw.Value),
            raw.Platform is { } platform ? keys.Seal(subject, nameof(RawPlatform), platform) : null,
            raw.ObservedAt is { } observed ? keys.Seal(subject, nameof(ObservedAt), observed.ToString("O")) : null,
            grading);
    }
}

/// The owning unit withdrew an identifier as wrong: it no longer matches, and correlations on it are retracted.
/// Names the identifier as the case held it, so that the case file can keep showing it, marked, without keeping
/// every active identifier; the reason is sealed under the holding's subject (it is about that identifier).
/// ReplacedBy names (by match key) the identifier that corrects it, when it was retracted as wrongly typed
/// (ReplaceSuspectIdentifier); Recontacted then holds the victim links contacted by the wrong one, each with the
/// replacement sealed under the link's own subject (the file cannot open and compare them itself).
public sealed record SuspectIdentifierRetracted(Guid CaseId, string Key, Sealed Reason, CaseIdentifier? Identifier = null, string? ReplacedBy = null,
    IReadOnlyList<VictimRecontacted>? Recontacted = null) : ICaseEvent;

/// A victim link whose contacting identifier is now the one that replaced a wrongly typed identifier.
public sealed record VictimRecontacted(Guid VictimLinkId, Sealed ContactedBy);

/// The owner erased its case's holding of an identifier (LED Art. 16(2)): the holding's key is destroyed with this
/// event, so its values and its retraction reason never open again. Key is the match key (the pseudonym), never the
/// value; who and when are the event's headers and timestamp. Reason is the owner's own text about the erasure.
public sealed record SuspectIdentifierErased(
    Guid CaseId,
    string Key,
    Guid Subject,
    IdentifierKind Kind,
    ErasureBasis Basis,
    string Reason) : ICaseEvent, IErasesSubject;
