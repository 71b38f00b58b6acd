namespace EvidenceHub.Hub.Commands;

/// An event of one of the hub's own streams (neither the case's nor an identifier's), e.g. the notices a sharing
/// change sends: units never replay it, so it may name what the case's owner may not see.
public interface IHubStreamEvent
{
    Guid StreamId { get; }
}
