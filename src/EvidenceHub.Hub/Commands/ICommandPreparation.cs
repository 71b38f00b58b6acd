namespace EvidenceHub.Hub.Commands;

/// Work done once in a burst's transaction before its commands name their keys (media: the near-match lock and
/// catch-up).
public interface ICommandPreparation
{
    /// commands: the whole burst, which the preparation may read what its own commands need for.
    Task Prepare(Marten.IDocumentSession session, IReadOnlyList<Command> commands, CancellationToken cancellation);
}
