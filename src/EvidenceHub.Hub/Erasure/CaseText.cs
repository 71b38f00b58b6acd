using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;

namespace EvidenceHub.Hub.Erasure;

/// Free text that units write about a case (close, handoff, co-lead, review, restriction, regrading and sharing
/// reasons) is sealed under the case's own subject, made when the case opens (CaseOpened.TextSubject), so that erasing
/// the case (EraseCase) makes all of it unreadable. The field is the event's property name ("Reason", "Note"), which
/// is what SealedJson opens a replayed event's field as.
public static class CaseText
{
    public static Sealed Seal(CaseFile file, SubjectKeyRing keys, string field, string text) =>
        keys.Seal(file.TextSubject ?? throw new InvalidOperationException($"Case {file.Id} has no subject for its free text (opened before texts were sealed)."),
            field, text);

    public static Sealed? SealOptional(CaseFile file, SubjectKeyRing keys, string field, string? text) =>
        text is null ? null : Seal(file, keys, field, text);

    /// The text, "[erased]" once the case's key is gone, "" when there is none.
    public static string Open(Sealed? text, SubjectKeyRing keys, string field)
    {
        if (text is null) return "";
        try { return text.Open(keys, field); }
        catch (SealedValueDamaged) { return SealedJson.DamagedPlaceholder; }
    }
}

/// A command that writes free text about its case: it decides with the case's subject keys (loaded with the case, in
/// the same batch) and seals the text under the case subject.
public abstract record SealsCaseText : Command
{
    public override bool ReadsSealedFields => true;

    public sealed override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException($"{GetType().Name} seals free text: it decides with the case's subject keys.");

    public abstract override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now);
}
