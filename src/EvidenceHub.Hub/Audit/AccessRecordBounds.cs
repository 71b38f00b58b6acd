namespace EvidenceHub.Hub.Audit;

/// Keeps one access record bounded however large the answer it describes (Limits:Answers:AccessRecordMaxIdentifierKeys).
public static class AccessRecordBounds
{
    /// Lists the first max identifier keys; the disclosure text counts the rest, so the record still says how many.
    public static AccessEntry WithIdentifierKeys(this AccessEntry entry, IReadOnlyList<string> keys, int max) =>
        keys.Count <= max
            ? entry with { IdentifierKeys = keys }
            : entry with
            {
                IdentifierKeys = keys.Take(max).ToArray(),
                Disclosed = $"{entry.Disclosed}; {keys.Count - max} more identifier keys not listed",
            };
}
