namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// File hashes (SHA-256, SHA-1, MD5) and PDQ perceptual hashes: lower-case hex of the exact length, with an optional
/// "sha256:" / "md5:" / "pdq:" prefix as tools print them.
internal static class DigestCanonicalizer
{
    private sealed record Format(string Name, int HexLength, string[] Prefixes, string[] Meaningless);

    private static readonly Format Sha256 = new("SHA-256", 64, ["sha256:", "sha-256:"],
        [new string('0', 64), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]);
    private static readonly Format Md5 = new("MD5", 32, ["md5:"],
        [new string('0', 32), "d41d8cd98f00b204e9800998ecf8427e"]);
    private static readonly Format Sha1 = new("SHA-1", 40, ["sha1:", "sha-1:"],
        [new string('0', 40), "da39a3ee5e6b4b0d3255bfef95601890afd80709"]);
    private static readonly Format Pdq = new("PDQ", 64, ["pdq:"], [new string('0', 64)]);

    private static readonly string[] AllPrefixes = [.. Sha256.Prefixes, .. Md5.Prefixes, .. Sha1.Prefixes, .. Pdq.Prefixes, "sha512:", "sha-512:"];

    /// Hex lengths of other digests, to tell the unit what it probably sent instead.
    private static readonly Dictionary<int, string> OtherDigests = new() { [32] = "an MD5", [40] = "a SHA-1", [64] = "a SHA-256 or PDQ", [128] = "a SHA-512" };

    public static CanonicalizationResult Canonicalize(IdentifierKind kind, string value)
    {
        var format = kind switch
        {
            IdentifierKind.FileHashSha256 => Sha256,
            IdentifierKind.FileHashMd5 => Md5,
            IdentifierKind.FileHashSha1 => Sha1,
            _ => Pdq,
        };

        var text = value.Trim().ToLowerInvariant();
        var prefix = AllPrefixes.FirstOrDefault(p => text.StartsWith(p, StringComparison.Ordinal));
        if (prefix is not null)
        {
            if (!format.Prefixes.Contains(prefix)) return Refuse.Value($"the prefix '{Errors.LogText.Quote(prefix)}' does not belong to a {format.Name} hash");
            text = text[prefix.Length..];
        }

        if (!text.All(char.IsAsciiHexDigit)) return Refuse.Value($"a {format.Name} hash contains only hex digits 0-9 and a-f");
        if (text.Length != format.HexLength)
        {
            var hint = OtherDigests.TryGetValue(text.Length, out var other) ? $" (this looks like {other} hash)" : "";
            return Refuse.Value($"a {format.Name} hash has {format.HexLength} hex digits, got {text.Length}{hint}");
        }
        // The empty file's digest and an all-zero placeholder occur in countless unrelated cases.
        if (format.Meaningless.Contains(text)) return Refuse.Value($"this {format.Name} value (all zeros or the empty file) identifies nothing");

        return CanonicalizationResult.Accepted(kind, text);
    }
}
