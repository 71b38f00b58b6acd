namespace EvidenceHub.Hub.Erasure;

/// The legal ground an erasure relies on (Law Enforcement Directive 2016/680).
public enum ErasureBasis { UnlawfulProcessing = 1, LegalObligation = 2, RetentionExpired = 3, CourtOrder = 4 }

/// An event that erases one subject of a case: the engine destroys the subject's data key in the transaction that
/// appends it, and drops the fingerprints of the receipts of the commands about the subject.
public interface IErasesSubject
{
    Guid CaseId { get; }
    Guid Subject { get; }
}
