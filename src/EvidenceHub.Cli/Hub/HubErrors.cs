using System.Net.Http;
using System.Security.Authentication;
using Google.Rpc;
using Grpc.Core;

namespace EvidenceHub.Cli.Hub;

/// Turns a gRPC failure into one plain sentence that names the bad field (from google.rpc BadRequest) or the rule
/// (ErrorInfo, PreconditionFailure), and the exit code a script can rely on.
public static class HubErrors
{
    public static int ExitCode(StatusCode code) => code switch
    {
        StatusCode.OK => ExitCodes.Ok,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => ExitCodes.InvalidArgument,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => ExitCodes.NotAllowed,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.Aborted => ExitCodes.Conflict,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unreachable,
        StatusCode.Cancelled => ExitCodes.Interrupted,
        _ => ExitCodes.HubFailed,
    };

    public static string Describe(RpcException failure, Uri hub)
    {
        var status = failure.GetRpcStatus();
        if (status is not null) return Describe(status);
        return failure.StatusCode switch
        {
            StatusCode.Unauthenticated =>
                "the hub did not accept the client certificate (is it signed by the hub's CA, and is its unit registered at the hub?)",
            StatusCode.Unavailable => $"cannot reach the hub at {hub}: {Reason(failure)}",
            StatusCode.DeadlineExceeded => $"the hub at {hub} did not answer in time",
            // The hub's role check answers with a bare HTTP 403, which arrives without a message of its own.
            StatusCode.PermissionDenied when failure.Status.Detail.Contains("403", StringComparison.Ordinal) =>
                "the hub refused: this unit's roles (unit, partner, auditor) do not allow this call",
            StatusCode.PermissionDenied => "the hub refused: " + (failure.Status.Detail is { Length: > 0 } d ? d : "this unit's roles do not allow this call"),
            _ => $"{Code(failure.StatusCode)}: {failure.Status.Detail}",
        };
    }

    /// The google.rpc.Status the hub sent (also what Sync and BatchLookup carry per item).
    public static string Describe(Google.Rpc.Status status)
    {
        var parts = new List<string>();
        var badRequest = status.GetDetail<BadRequest>();
        if (badRequest is { FieldViolations.Count: > 0 })
            parts.AddRange(badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        else
            parts.Add(status.Message);
        var info = status.GetDetail<ErrorInfo>();
        if (info is not null && info.Metadata.TryGetValue("current_version", out var current))
            parts.Add($"the case is at version {current}");
        return string.Join("; ", parts.Distinct());
    }

    /// The field a status blames, for the rejected-rows file; null when it blames none.
    public static string? Field(Google.Rpc.Status status) => status.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;

    public static string Code(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT", StatusCode.NotFound => "NOT_FOUND", StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED", StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION", StatusCode.OutOfRange => "OUT_OF_RANGE", StatusCode.Aborted => "ABORTED",
        StatusCode.Unavailable => "UNAVAILABLE", StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED", StatusCode.Internal => "INTERNAL",
        StatusCode.Cancelled => "CANCELLED", StatusCode.Unimplemented => "UNIMPLEMENTED",
        _ => code.ToString().ToUpperInvariant(),
    };

    /// The innermost cause of a transport failure (refused connection, TLS trust), which says what to fix.
    private static string Reason(RpcException failure)
    {
        Exception? e = failure.Status.DebugException;
        string? reason = null;
        while (e is not null)
        {
            reason = e switch
            {
                AuthenticationException => "the TLS handshake failed (is --ca the hub's CA, and does the hub address match its certificate?)",
                HttpRequestException { InnerException: null } h => h.Message,
                System.Net.Sockets.SocketException s => s.Message,
                _ => reason,
            };
            if (e is AuthenticationException) break;
            e = e.InnerException;
        }
        return reason ?? failure.Status.Detail;
    }
}
