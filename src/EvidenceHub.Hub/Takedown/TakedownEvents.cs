using EvidenceHub.Hub.Commands;

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
public sealed record TakedownFiled(
    Guid RequestId, Guid CaseId, string RequestingUnit, string RequestingCountry, string Provider, IReadOnlyList<TakedownItem> Material,
    IReadOnlyList<string> Locations, string? Note, DateTimeOffset At) : ITakedownEvent;

/// The hub sent an open request to its provider again (notification 2, 3, …), Takedown:RenotifyInterval after the last.
public sealed record TakedownRenotified(Guid RequestId, string Provider, int Notification, bool Acknowledged, DateTimeOffset At) : ITakedownEvent;

public sealed record TakedownAcknowledged(Guid RequestId, string Provider, string? Note, DateTimeOffset At) : ITakedownEvent;

public sealed record TakedownRemoved(Guid RequestId, string Provider, string? Note, DateTimeOffset At) : ITakedownEvent;

public sealed record TakedownRefused(Guid RequestId, string Provider, string Reason, DateTimeOffset At) : ITakedownEvent;

public sealed class TakedownOptions
{
    /// An open request (acknowledged or not) is sent to its provider again this long after the last notice, until the
    /// provider reports removal or refuses (Project Arachnid re-sends every 24 hours until the material is gone).
    public TimeSpan RenotifyInterval { get; set; } = TimeSpan.FromHours(24);

    /// At most this many media records and locations per request.
    public int MaxMediaPerRequest { get; set; } = 100;
    public int MaxLocationsPerRequest { get; set; } = 100;
}
