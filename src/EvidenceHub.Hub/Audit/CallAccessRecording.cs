namespace EvidenceHub.Hub.Audit;

/// Whether the call in progress already wrote its own access record, so that the recorders below add none.
public static class CallAccessRecording
{
    private sealed class Flag { public bool Recorded; }

    private static readonly AsyncLocal<Flag?> Current = new();

    public static void Begin() => Current.Value = new Flag();

    public static bool Recorded => Current.Value?.Recorded ?? false;

    // Sets a field of the object the caller's context holds, which a child flow can do (it cannot replace the value).
    internal static void MarkRecorded()
    {
        if (Current.Value is { } flag) flag.Recorded = true;
    }
}
