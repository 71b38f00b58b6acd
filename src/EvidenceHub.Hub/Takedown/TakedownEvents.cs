using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Takedown;

/// One media record of a request: its identifier keys ("sha256:…", "pdq:…") and its category.
public sealed record TakedownItem(IReadOnlyList<string> Keys, int Category);

/// Every event of a takedown request is on the request's own stream (named by its id), never on the case's: the
/// provider's answers touch no case, and the case's version and review date do not move with them.
public interface ITakedownEvent : IHubStreamEvent
{
    Guid RequestId { get; }
    Guid IHubStreamEvent.StreamId => RequestId;
}

/// A unit asked a hosting party to remove media of its case. The first notice to the provider is this event itself.
/// Every free text of a request (the unit's note, the provider's answers, a withdrawal's reason) is sealed under the
/// case's own subject (CaseText), so that erasing the case makes all of it unreadable, at the provider's side too.
public sealed record TakedownFiled(
    Guid RequestId, Guid CaseId, string RequestingUnit, string RequestingCountry, string Provider, IReadOnlyList<TakedownItem> Material,
    IReadOnlyList<string> Locations, Sealed? Note, DateTimeOffset At) : ITakedownEvent;

/// The hub sent an open request to its provider again (notification 2, 3, …), Takedown:RenotifyInterval after the last.
public sealed record TakedownRenotified(Guid RequestId, string Provider, int Notification, bool Acknowledged, DateTimeOffset At) : ITakedownEvent;

/// A provider's answers. Their words are sealed like the unit's note; null when there are none, or when the case's key
/// was already destroyed (the case erased), so that nothing could be sealed under it.
public sealed record TakedownAcknowledged(Guid RequestId, string Provider, Sealed? Note, DateTimeOffset At) : ITakedownEvent;

public sealed record TakedownRemoved(Guid RequestId, string Provider, Sealed? Note, DateTimeOffset At) : ITakedownEvent;

public sealed record TakedownRefused(Guid RequestId, string Provider, Sealed? Reason, DateTimeOffset At) : ITakedownEvent;

/// Why a request was withdrawn: by its requesting unit, or by the hub once the material was no longer the case's to
/// ask about.
public enum TakedownWithdrawal { ByRequestingUnit = 1, MediaRetracted = 2, HashNotHeld = 3, HashRestricted = 4, CaseRestricted = 5, CaseErased = 6 }

/// The request ends without the provider's answer: it need not remove the material any more and is notified no more.
/// Reason: the requesting unit's words for the provider (sealed); null for the hub's own withdrawals, whose cause says why.
public sealed record TakedownWithdrawn(Guid RequestId, string Provider, TakedownWithdrawal Cause, Sealed? Reason, DateTimeOffset At) : ITakedownEvent;

public sealed class TakedownOptions
{
    /// An open request (acknowledged or not) is sent to its provider again this long after the last notice, until the
    /// provider reports removal or refuses (Project Arachnid re-sends every 24 hours until the material is gone).
    public TimeSpan RenotifyInterval { get; set; } = TimeSpan.FromHours(24);

    /// At most this many media records and locations per request.
    public int MaxMediaPerRequest { get; set; } = 100;
    public int MaxLocationsPerRequest { get; set; } = 100;
}
