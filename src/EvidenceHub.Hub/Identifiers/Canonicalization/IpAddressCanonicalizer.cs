using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// IP addresses: one spelling per address (dotted quad for IPv4, compressed lower-case for IPv6, IPv4-mapped IPv6 as
/// IPv4), always with the moment it was observed, since an address names a subscriber only at a given time.
internal static partial class IpAddressCanonicalizer
{
    /// Strict dotted quad: IPAddress.TryParse also takes "1", "1.2.3", hex and octal ("010.1.1.1" is 8.1.1.1 there),
    /// which a unit never means.
    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")]
    private static partial Regex DottedQuad();

    [GeneratedRegex(@"^[0-9.]+:[0-9]+$")]
    private static partial Regex IPv4WithPort();

    public static CanonicalizationResult Canonicalize(string value, DateTimeOffset? observedAt)
    {
        if (observedAt is null) return Refuse.ObservedAt("an IP address needs the moment it was observed");
        // A zero timestamp is what an unset field decodes to, not a real observation.
        if (observedAt.Value <= DateTimeOffset.UnixEpoch) return Refuse.ObservedAt("the observation time is not set (at or before 1970-01-01)");

        var text = value.Trim();
        if (Refuse.HasWhitespaceOrControl(text)) return Refuse.Value("an IP address must not contain spaces");
        if (IPv4WithPort().IsMatch(text) || (text.StartsWith('[') && text.Contains("]:", StringComparison.Ordinal)))
            return Refuse.Value("send the IP address without a port");
        if (text.StartsWith('[') && text.EndsWith(']')) text = text[1..^1];

        IPAddress address;
        if (text.Contains(':'))
        {
            if (text.Contains('%')) return Refuse.Value("an IPv6 zone (%…) is local to one machine; send the address without it");
            if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
                return Refuse.Value("not a valid IPv6 address");
            address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        }
        else
        {
            if (!DottedQuad().IsMatch(text)) return Refuse.Value("an IPv4 address is four decimal numbers 0-255 separated by dots, without leading zeros");
            address = IPAddress.Parse(text);
        }

        if (SharedRange(address) is { } range)
            return Refuse.Value($"addresses in the {range} range are shared by countless unrelated networks and would link unrelated cases");
        return CanonicalizationResult.Accepted(IdentifierKind.IpAddress, address.ToString());
    }

    /// Addresses that are not globally unique: matching on them across cases would only produce false hits.
    private static string? SharedRange(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "'this network' (0.0.0.0/8)",
                [10, ..] => "private (10.0.0.0/8)",
                [100, >= 64 and <= 127, ..] => "carrier-grade NAT (100.64.0.0/10)",
                [127, ..] => "loopback (127.0.0.0/8)",
                [169, 254, ..] => "link-local (169.254.0.0/16)",
                [172, >= 16 and <= 31, ..] => "private (172.16.0.0/12)",
                [192, 168, ..] => "private (192.168.0.0/16)",
                [>= 224 and <= 239, ..] => "multicast (224.0.0.0/4)",
                [>= 240, ..] => "reserved or broadcast (240.0.0.0/4)",
                _ => null,
            };
        }

        if (address.Equals(IPAddress.IPv6None)) return "unspecified (::)";
        if (address.Equals(IPAddress.IPv6Loopback)) return "loopback (::1)";
        if (address.IsIPv6LinkLocal) return "link-local (fe80::/10)";
        if (address.IsIPv6UniqueLocal) return "unique local (fc00::/7)";
        if (address.IsIPv6Multicast) return "multicast (ff00::/8)";
        return null;
    }
}
