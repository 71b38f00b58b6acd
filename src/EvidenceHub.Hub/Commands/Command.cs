using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// A validated request, ready for the engine (CommandEngine): who issues it, what it changes, the identifiers it needs
/// locked, and its decider. Deciders are pure: they read the state, the locked identifiers and the time the engine
/// passes, and return the events and the answer. Events go to the case's stream, except identifier events
/// (IIdentifierEvent), which go to their identifier's stream.
public abstract record Command
{
    public required string CommandId { get; init; }
    public required Caller Caller { get; init; }
    /// The request as sent: its fingerprint tells a retry from another command under the same id.
    public required IMessage Request { get; init; }

    /// The case the command changes; null for a command on an identifier alone (MarkNotToCorrelate).
    public CaseTarget? Case { get; init; }
    public Guid? CaseId => Case?.Id;

    /// Checked where every request becomes a command: a negative version is bad input, not a stale one.
    public long? ExpectedVersion { get; init => field = RequestFields.ExpectedVersion(value); }

    /// How a stored answer is read back for a retry: the catalog's result type, or the hub's own commands' (CommandResult).
    public virtual MessageParser ResultParser => CommandCatalog.KindOf(Request).Result.Parser;

    /// OpenCase: the only command that needs its case not to exist yet.
    public virtual bool OpensCase => false;

    /// Extra documents written in the same transaction (e.g. the claim on a case reference).
    public virtual IReadOnlyList<object> Documents => [];

    /// The identifiers whose index entries the command decides on, given the case; they are locked and read first.
    public virtual IReadOnlyList<string> KeysToLock(CaseFile? state) => [];

    /// A command on the whole case (RestrictData on a case): every identifier its case holds is locked and read too.
    public virtual bool LocksEveryIdentifierOfItsCase => false;

    /// What the command must read beyond its case and the identifier index before it decides (who has learned what of
    /// the case, for ChangeSharingPolicy): called with the case only when the caller may see it, inside the command's
    /// transaction, and such a command always runs alone. Returns the command with what it read.
    public virtual bool ReadsBeforeDeciding => false;

    public virtual Task<Command> Prepared(Marten.IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation) =>
        Task.FromResult(this);

    /// Work a command needs done in its transaction before it names its keys (media: the near-match lock and catch-up);
    /// one preparation serves a whole burst.
    public virtual ICommandPreparation? Preparation => null;

    /// Gets null when the case does not exist yet (only OpenCase accepts that) or the command has no case.
    public abstract Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now);

    /// The answer as its receipt stores it for retries: an identifier it names keeps its kind and pseudonym only, so
    /// that no receipt holds a value (receipts outlive erasures of the values they answered about).
    public virtual IMessage Receipted(IMessage result)
    {
        if (result is not Contracts.V1.CommandResult { Identifier: { } identifier } answer) return result;
        var stored = answer.Clone();
        stored.Identifier = Identifiers.IdentifierMapping.Receipted(identifier);
        return stored;
    }

    /// A command that reads sealed fields of its case (e.g. to compare victim references) gets the case's subject keys,
    /// loaded with its state; one that only seals new values needs none loaded.
    public virtual bool ReadsSealedFields => false;

    /// The decider of a command that seals personal data (SubjectKeyRing.NewSubject, Seal) or reads sealed fields; the
    /// engine stores the keys it creates in the transaction of its events.
    public virtual Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now) => Decide(state, index, now);

    /// Commands other than OpenCase need the case to exist (the engine checks it first; this keeps deciders total).
    protected CaseFile Existing(CaseFile? state) => state ?? throw Case.GetValueOrDefault().NotFound();
}
