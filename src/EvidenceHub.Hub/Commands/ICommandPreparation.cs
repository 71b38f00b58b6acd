namespace EvidenceHub.Hub.Commands;

/// Work done once in a burst's transaction before its commands name their keys (media: the near-match lock and
/// catch-up).
public interface ICommandPreparation
{
    Task Prepare(Marten.IDocumentSession session, CancellationToken cancellation);
}
