namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Crypto wallet addresses: the chain is read from the address format and every checksum the format carries is
/// verified, so a mistyped address is refused instead of stored as a wallet nobody owns.
internal static class CryptoWalletCanonicalizer
{
    private const string AcceptedFormats =
        "accepted are Bitcoin (1…, 3…, bc1…), Litecoin (L…, M…, ltc1…), Dogecoin (D…, A…, 9…), Ethereum and other EVM chains " +
        "(0x and 40 hex digits), Tron (T…, 34 characters) and Monero (4… or 8…, 95 characters; integrated 4…, 106 characters)";

    /// Payment URI schemes (BIP-21 and its copies, EIP-681) as wallets and invoices print them.
    private static readonly Dictionary<string, string> UriSchemes = new(StringComparer.Ordinal)
    {
        ["bitcoin"] = "btc", ["litecoin"] = "ltc", ["dogecoin"] = "doge", ["ethereum"] = "eth", ["tron"] = "trx", ["monero"] = "xmr",
    };

    /// Base58Check version bytes of mainnet pay-to-pubkey-hash and pay-to-script-hash addresses.
    private static readonly Dictionary<byte, string> Base58Versions = new()
    {
        [0x00] = "btc", [0x05] = "btc", // '1…', '3…'; Litecoin's legacy '3…' addresses share 0x05 and count as btc unless a URI says otherwise
        [0x30] = "ltc", [0x32] = "ltc", // 'L…', 'M…'
        [0x1e] = "doge", [0x16] = "doge", // 'D…', 'A…'/'9…'
        [0x41] = "trx", // 'T…'
    };

    public static CanonicalizationResult Canonicalize(string value)
    {
        var text = value.Trim();
        string? uriChain = null;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            if (!UriSchemes.TryGetValue(text[..colon].ToLowerInvariant(), out uriChain))
                return Refuse.Value("not a known payment URI scheme (bitcoin:, litecoin:, dogecoin:, ethereum:, tron:, monero:); " + AcceptedFormats);
            text = text[(colon + 1)..];
            if (text.StartsWith("//", StringComparison.Ordinal)) text = text[2..];
            var query = text.IndexOf('?');
            if (query >= 0) text = text[..query];
            if (uriChain == "eth")
            {
                if (text.StartsWith("pay-", StringComparison.OrdinalIgnoreCase)) text = text[4..];
                // "ethereum:<token contract>/transfer?address=<recipient>" names a token contract, not the suspect's wallet.
                if (text.Contains('/')) return Refuse.Value("an EIP-681 URI that calls a contract function names no single wallet; send the recipient address");
                var chainId = text.IndexOf('@');
                if (chainId >= 0) text = text[..chainId];
            }
        }

        if (text.Length == 0) return Refuse.Value("the wallet address is empty");
        if (Refuse.HasWhitespaceOrControl(text)) return Refuse.Value("a wallet address must not contain spaces");

        var (chain, address, problem) = Recognise(text);
        if (problem is not null) return Refuse.Value(problem);
        if (uriChain is not null && uriChain != chain)
        {
            if (uriChain == "ltc" && chain == "btc" && address!.StartsWith('3')) chain = "ltc";
            else return Refuse.Value($"the URI scheme is for the {uriChain} chain but the address is on the {chain} chain");
        }
        return CanonicalizationResult.Accepted(IdentifierKind.CryptoWallet, address!, chain);
    }

    private static (string? Chain, string? Address, string? Problem) Recognise(string text)
    {
        var lower = text.ToLowerInvariant();

        if (lower.StartsWith("0x", StringComparison.Ordinal))
        {
            if (text.Length != 42 || !text[2..].All(char.IsAsciiHexDigit)) return Refused("an Ethereum address is '0x' followed by 40 hex digits");
            // A mixed-case address carries an EIP-55 checksum, but checking it needs Keccak-256, which .NET does not ship
            // (its SHA3-256 pads differently). The address itself is case-insensitive, so it is accepted and stored lower-case.
            // EVM chains (BNB Chain, Polygon, ...) share the address space, so they are all "eth".
            return ("eth", lower, null);
        }

        if (lower.StartsWith("bc1", StringComparison.Ordinal)) return Segwit(text, "bc", "btc");
        if (lower.StartsWith("ltc1", StringComparison.Ordinal)) return Segwit(text, "ltc", "ltc");
        if (lower.StartsWith("tb1", StringComparison.Ordinal) || lower.StartsWith("bcrt1", StringComparison.Ordinal) || lower.StartsWith("tltc1", StringComparison.Ordinal))
            return Refused("testnet addresses are not accepted; " + AcceptedFormats);

        // Monero: format check only, its checksum is Keccak-256 as well. Integrated addresses (standard address and payment
        // id) are matched as written.
        if ((text.Length == 95 && text[0] is '4' or '8') || (text.Length == 106 && text[0] == '4'))
            return Base58Check.IsBase58(text) ? ("xmr", text, null) : Refused("a Monero address contains only Base58 characters");

        var bytes = Base58Check.Decode(text);
        if (bytes is null || bytes.Length != 25 || !Base58Versions.TryGetValue(bytes[0], out var chain))
            return Refused("not a recognised wallet address; " + AcceptedFormats);
        if (Base58Check.DecodeChecked(text) is null)
            return Refused($"the address checksum ({chain}) does not match: probably a mistyped character");
        return (chain, text, null);
    }

    private static (string? Chain, string? Address, string? Problem) Segwit(string text, string hrp, string chain)
    {
        var problem = SegwitAddress.Problem(text, hrp);
        return problem is null ? (chain, text.ToLowerInvariant(), null) : Refused(problem);
    }

    private static (string? Chain, string? Address, string? Problem) Refused(string problem) => (null, null, problem);
}
