using System.Text.Json;

namespace EvidenceHub.Hub.Store;

/// The headers the hub writes on the events it appends: who acted, and which command appended them. Auditors read them
/// back (ReplayCase) and so does the holdings projection, so they are named here once.
public static class EventHeaders
{
    public const string Unit = "unit";
    public const string User = "user";
    public const string CommandId = "command_id";

    /// The acting unit and user of a stored event: from its headers, or else from its "UNIT/user" user name.
    public static (string Unit, string User) ActorOf(string? headersJson, string? userName)
    {
        if (headersJson is not null)
        {
            using var headers = JsonDocument.Parse(headersJson);
            if (headers.RootElement.ValueKind == JsonValueKind.Object
                && headers.RootElement.TryGetProperty(Unit, out var unit) && unit.ValueKind == JsonValueKind.String)
                return (unit.GetString()!, headers.RootElement.TryGetProperty(User, out var user) && user.ValueKind == JsonValueKind.String ? user.GetString()! : "");
        }
        var actor = userName ?? "";
        var slash = actor.IndexOf('/');
        return slash < 0 ? (actor, "") : (actor[..slash], actor[(slash + 1)..]);
    }
}
