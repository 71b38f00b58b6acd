using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Handoffs;

public static class HandoffRequests
{
    public static CaseCommand Request(Caller caller, RequestHandoffRequest request, Guid caseId, UnitRegistry units, TimeProvider clock, HandoffOptions options)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var targetId = Fields.RequiredText(request.TargetUnit, "target_unit", 64);
        var target = units.Find(targetId) ?? throw Rejection.NotFound("unit", targetId, "target_unit");
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        var newHandoffId = Guid.CreateVersion7();
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, _) => HandoffDecisions.Request(CaseRequests.Existing(current, caseId), caller, target, reason, newHandoffId, clock.GetUtcNow(), options),
            Describe: (_, _, _) => new CommandResult { HandoffId = newHandoffId.ToString() });
    }

    public static CaseCommand Accept(Caller caller, AcceptHandoffRequest request, Guid caseId, TimeProvider clock)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var handoffId = Fields.Id(request.HandoffId, "handoff_id");
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, _) => HandoffDecisions.Accept(CaseRequests.Existing(current, caseId), caller, handoffId, clock.GetUtcNow()),
            Describe: (_, _, _) => new CommandResult { HandoffId = handoffId.ToString() });
    }

    public static CaseCommand Decline(Caller caller, DeclineHandoffRequest request, Guid caseId, TimeProvider clock)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var handoffId = Fields.Id(request.HandoffId, "handoff_id");
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, _) => HandoffDecisions.Decline(CaseRequests.Existing(current, caseId), caller, handoffId, reason, clock.GetUtcNow()),
            Describe: (_, _, _) => new CommandResult { HandoffId = handoffId.ToString() });
    }

    public static CaseCommand Cancel(Caller caller, CancelHandoffRequest request, Guid caseId, TimeProvider clock)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var handoffId = Fields.Id(request.HandoffId, "handoff_id");
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, _) => HandoffDecisions.Cancel(CaseRequests.Existing(current, caseId), caller, handoffId, reason, clock.GetUtcNow()),
            Describe: (_, _, _) => new CommandResult { HandoffId = handoffId.ToString() });
    }

    /// The handoff as it stands at the given moment (a request past its deadline shows as expired).
    public static Handoff ToProto(CaseHandoff handoff, DateTimeOffset now) => new()
    {
        HandoffId = handoff.HandoffId.ToString(),
        FromUnit = handoff.FromUnit,
        TargetUnit = handoff.TargetUnit,
        Reason = handoff.Reason,
        Status = (Contracts.V1.HandoffStatus)(int)handoff.StatusAt(now),
        RequestedAt = Timestamp.FromDateTimeOffset(handoff.RequestedAt),
        AnsweredAt = handoff.AnsweredAt is { } answered ? Timestamp.FromDateTimeOffset(answered) : null,
        DeclineReason = handoff.DeclineReason ?? "",
        ExpiresAt = handoff.ExpiresAt == default ? null : Timestamp.FromDateTimeOffset(handoff.ExpiresAt),
    };
}
