namespace EvidenceHub.Cli;

/// What the process exit code tells a script. Stable: documented in docs/cli.md and `evidencehub --help`.
public static class ExitCodes
{
    public const int Ok = 0;
    /// The question was answered and the answer is "no": no hit, a log that is not intact, a proof that does not verify.
    public const int Negative = 1;
    /// The command line, a file or the configuration is wrong; nothing was sent, or the hub was not consulted for it.
    public const int Usage = 2;
    /// The hub refused the input (INVALID_ARGUMENT, OUT_OF_RANGE); the message names the field.
    public const int InvalidArgument = 3;
    public const int NotFound = 4;
    /// UNAUTHENTICATED or PERMISSION_DENIED: the certificate, the unit's role or the case's owner does not allow it.
    public const int NotAllowed = 5;
    /// ALREADY_EXISTS, FAILED_PRECONDITION (a stale expected version), ABORTED.
    public const int Conflict = 6;
    /// The hub could not be reached (connection, TLS, UNAVAILABLE, DEADLINE_EXCEEDED).
    public const int Unreachable = 7;
    /// A bulk command finished, but some rows or items were rejected (see the summary and the rejected-rows file).
    public const int Partial = 8;
    /// The hub failed (INTERNAL or anything unexpected).
    public const int HubFailed = 9;
    /// Interrupted (Ctrl+C); a re-run carries on safely.
    public const int Interrupted = 130;

    public const string Help = """
        Exit codes: 0 ok (lookup: a hit; verify: intact) · 1 answered "no" (no hit, log not intact, proof fails)
          2 usage or configuration · 3 input refused by the hub (the field is named) · 4 not found
          5 not allowed (certificate, role, owner) · 6 conflict (already exists, stale version) · 7 hub unreachable
          8 partly done (some rows or items rejected) · 9 hub failed · 130 interrupted
        """;
}

/// A problem found before anything was sent: a bad option, an unreadable file, a missing certificate.
public sealed class UsageException(string message) : Exception(message);
