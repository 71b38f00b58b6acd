using EvidenceHub.Hub.Identity;
using Marten;

namespace EvidenceHub.Hub.Store;

public static class ActingSession
{
    /// A session whose events record who acts (unit/user) and in which call (correlation id).
    public static IDocumentSession SessionFor(this IDocumentStore store, Caller caller, string correlationId)
    {
        var session = store.LightweightSession();
        session.CorrelationId = correlationId;
        session.LastModifiedBy = caller.Actor;
        session.SetHeader(EventHeaders.Unit, caller.UnitId);
        session.SetHeader(EventHeaders.User, caller.User);
        return session;
    }
}
