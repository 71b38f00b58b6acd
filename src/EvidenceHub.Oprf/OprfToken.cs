using System.Text;

namespace EvidenceHub.Oprf;

/// The blind-lookup token of an identifier: its OPRF output under one of the hub's OPRF keys, written
/// "oprf1:<key id>:<base64url output>". The prefix keeps it apart from the older HMAC tokens ("<key id>.<mac>").
public static class OprfToken
{
    public const string Prefix = "oprf1:";

    /// 64 bytes in unpadded base64url.
    public const int EncodedOutputLength = 86;

    /// The OPRF input for an identifier: the UTF-8 bytes of its canonical key (e.g. "phone:+31612345678").
    public static byte[] Input(string identifierKey) => Encoding.UTF8.GetBytes(identifierKey);

    public static string Format(string keyId, ReadOnlySpan<byte> output) =>
        $"{Prefix}{keyId}:{Convert.ToBase64String(output).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";

    /// Splits a token into key id and encoded output; false if it is not of the form above.
    public static bool TryParse(string token, out string keyId, out string encodedOutput)
    {
        (keyId, encodedOutput) = ("", "");
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = token[Prefix.Length..];
        var colon = rest.IndexOf(':');
        if (colon <= 0) return false;
        (keyId, encodedOutput) = (rest[..colon], rest[(colon + 1)..]);
        return encodedOutput.Length == EncodedOutputLength && encodedOutput.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }
}
