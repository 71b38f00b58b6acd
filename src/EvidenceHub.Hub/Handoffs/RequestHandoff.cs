using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// The owner asks another unit to take the case over; the request stands for HandoffOptions.PendingFor.
public sealed record RequestHandoff(UnitRegistration Target, string Reason, Guid NewHandoffId, TimeSpan PendingFor) : SealsCaseText
{
    public static RequestHandoff From(RequestHandoffRequest request, Caller caller, CaseTarget target, UnitRegistry units, HandoffOptions options)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var targetId = RequestFields.RequiredText(request.TargetUnit, "target_unit", 64);
        var unit = units.Find(targetId) ?? throw Rejection.NotFound("unit", targetId, "target_unit");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new RequestHandoff(unit, reason, Guid.CreateVersion7(), options.PendingFor)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        if (Target.Id == Caller.UnitId)
            throw Rejection.InvalidArgument("target_unit", "a unit cannot hand a case off to itself");
        if (!Target.Roles.Contains(Roles.Unit))
            throw Rejection.InvalidArgument("target_unit", $"unit '{Target.Id}' cannot lead cases (it has no '{Roles.Unit}' role)");
        if (current.PendingHandoffAt(now) is { } open)
            throw Rejection.FailedPrecondition("HANDOFF_ALREADY_OPEN",
                $"Case {current.Id} already has an open handoff ({open.HandoffId}) to {open.TargetUnit}.", ("handoff_id", open.HandoffId.ToString()));
        return new([new HandoffRequested(current.Id, NewHandoffId, Caller.UnitId, Target.Id, CaseText.Seal(current, keys, nameof(HandoffRequested.Reason), Reason), now + PendingFor)],
            new CommandResult { HandoffId = NewHandoffId.ToString() });
    }
}
