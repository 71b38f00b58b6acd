using Grpc.Core;

namespace EvidenceHub.Hub.Audit;

/// How refused calls and items read in the access log, wherever they are recorded.
public static class RefusalRecords
{
    public const string UndecodableRequest = "undecodable request";

    /// "nothing (refused: InvalidArgument reference)": the code and the reason (ErrorInfo) or the fields at fault, all
    /// the hub's own names, never caller text.
    public static string Nothing(Google.Rpc.Status status)
    {
        var why = status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason
                  ?? string.Join(", ", status.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []);
        return $"nothing (refused: {(StatusCode)status.Code}{(why.Length > 0 ? " " + why : "")})";
    }

    /// Refused, or Failed when the status says the hub failed (not the caller).
    public static AccessOutcome OutcomeOf(Google.Rpc.Status status) => (StatusCode)status.Code switch
    {
        StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DataLoss => AccessOutcome.Failed,
        _ => AccessOutcome.Refused,
    };
}
