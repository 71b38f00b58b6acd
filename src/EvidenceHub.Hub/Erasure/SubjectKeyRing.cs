using System.Diagnostics.CodeAnalysis;

namespace EvidenceHub.Hub.Erasure;

/// The data keys one command or one read holds: those it created and those it loaded. A subject absent from the ring
/// after loading was erased (its key destroyed). Lives for one request only: a ring kept longer would keep an erased
/// subject readable on this instance after another instance erased it.
public sealed class SubjectKeyRing
{
    private readonly Dictionary<Guid, byte[]> keys = [];
    private readonly List<SubjectKey> created = [];

    public SubjectKeyRing() { }

    public SubjectKeyRing(IEnumerable<SubjectKey> loaded)
    {
        foreach (var key in loaded) keys[key.Subject] = key.Key;
    }

    public bool Contains(Guid subject) => keys.ContainsKey(subject);

    public bool TryGet(Guid subject, [MaybeNullWhen(false)] out byte[] key) => keys.TryGetValue(subject, out key);

    /// A new subject with a fresh key, to be stored (SubjectKeyStore.Create) in the transaction that appends the
    /// events sealed under it: a key never exists without its events, nor an event without its key.
    public Guid NewSubject(Guid caseId, SubjectKind kind)
    {
        var key = new SubjectKey(Guid.CreateVersion7(), caseId, kind, SubjectCipher.NewKey());
        keys[key.Subject] = key.Key;
        created.Add(key);
        return key.Subject;
    }

    public Sealed Seal(Guid subject, string field, string plaintext) =>
        TryGet(subject, out var key)
            ? SubjectCipher.Seal(subject, key, field, plaintext)
            : throw new InvalidOperationException($"Subject {subject} is not in the ring (erased, or not loaded).");

    /// The keys made since the ring was built, for the command's transaction; taken once.
    public IReadOnlyList<SubjectKey> TakeCreated()
    {
        var taken = created.ToArray();
        created.Clear();
        return taken;
    }
}
