using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Quality;

/// The owner regrades an identifier or a victim link of its case. Every unit told of a correlation on the identifier
/// through this case is told of its new grading; a victim link's details never left the owning unit, so nobody else is
/// told of its grading either. The grading it already has is no change: nothing is appended.
public sealed record RegradeData(string? IdentifierKey, Guid? VictimLinkId, Grading Grading, string Reason) : SealsCaseText
{
    public static RegradeData From(RegradeDataRequest request, Caller caller, CaseTarget target, Erasure.IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var (key, link) = request.TargetCase switch
        {
            RegradeDataRequest.TargetOneofCase.IdentifierKey => (pseudonyms.MatchKeyOf(RequestFields.RequiredText(request.IdentifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength)), (Guid?)null),
            RegradeDataRequest.TargetOneofCase.VictimLinkId => (null, RequestFields.Id(request.VictimLinkId, "victim_link_id")),
            _ => throw Rejection.InvalidArgument("identifier_key", "is required: the identifier_key or the victim_link_id of what is regraded"),
        };
        var grading = GradingMapping.Required(request.Grading);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new RegradeData(key, link, grading, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => IdentifierKey is { } key ? [key] : [];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        if (VictimLinkId is { } linkId)
        {
            var victim = CaseRules.EnsureNotErased(current.Victims.FirstOrDefault(v => v.VictimLinkId == linkId)
                ?? throw Rejection.NotFound("victim link", linkId.ToString(), "victim_link_id"));
            return Grading.Of(victim.Grading) == Grading
                ? new([], new CommandResult())
                : new([new VictimLinkRegraded(current.Id, linkId, Grading, CaseText.Seal(current, keys, nameof(VictimLinkRegraded.Reason), Reason))], new CommandResult());
        }
        var key = IdentifierKey!;
        var held = index.HoldingOf(current.Id, key) ?? throw Rejection.NotFound("identifier", key, "identifier_key");
        Media.ImportedMedia.EnsureNotImported(held);
        if (Grading.Of(held.Grading) == Grading) return new([], new CommandResult());
        var recipients = index.ToldThrough(key, current.Id);
        var reason = CaseText.Seal(current, keys, nameof(IdentifierRegraded.Reason), Reason);
        IReadOnlyList<object> events = recipients.Count == 0
            ? [new IdentifierRegraded(current.Id, key, Grading, reason)]
            : [new IdentifierRegraded(current.Id, key, Grading, reason), new CorrelationRegraded(key, CaseParty.Of(current), Grading, reason, recipients)];
        return new(events, new CommandResult());
    }
}
