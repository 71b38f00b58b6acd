using EvidenceHub.Hub.Identity;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Lifecycle;

/// The hub itself, acting on time (expiring handoffs, telling owners of reviews, marking cases overdue), recorded on
/// its events as "hub:lifecycle/timed-work". No certificate can claim it: a caller's unit id is the registered unit
/// its certificate's common name names, registered units are configuration keys under "Units", and a configuration
/// key cannot contain ':' (it separates sections); UnitRegistry refuses such an id besides. It has no role, so no RPC
/// admits it either; the engine lets it address every case, and only the hub's own commands accept it.
public static class HubCaller
{
    public const string UnitId = "hub:lifecycle";

    public static readonly Caller Instance = new(UnitId, "", [], "timed-work", "");

    public static bool IsHub(this Caller caller) => ReferenceEquals(caller, Instance) || caller.UnitId == UnitId;

    /// A hub command's request: its deterministic command id, which alone tells one due thing from another.
    public static IMessage RequestFor(string commandId) => new StringValue { Value = commandId };
}
