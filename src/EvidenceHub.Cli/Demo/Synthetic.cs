using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Cli.Demo;

/// Made-up identifiers that pass the hub's checks: IBANs with correct check digits, Bitcoin addresses with a correct
/// Base58Check checksum over a random hash (a wallet nobody holds the key to), phone numbers in each country's mobile
/// numbering plan, and e-mail addresses only on the reserved example domains (RFC 2606).
public sealed class Synthetic(int seed)
{
    private readonly Random random = new(seed);

    public int Next(int max) => random.Next(max);
    public int Next(int min, int max) => random.Next(min, max);
    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
    public string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + random.Next(10))));

    public List<T> Shuffle<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    private static readonly string[] First = ["sunny", "lil", "cute", "chill", "misty", "luna", "nova", "cherry", "pixel", "dreamy", "sky", "angel", "velvet", "sugar", "moon", "peachy"];
    private static readonly string[] Second = ["vibes", "girl", "heart", "star", "kitty", "rose", "wave", "bae", "dancer", "skater", "gamer", "bunny", "blossom", "glow"];

    /// Handles such as fake profiles use: lower case, so that the handle is its own canonical form.
    public string Handle(HashSet<string> taken)
    {
        while (true)
        {
            var handle = $"{Pick(First)}{Pick(["_", ".", ""])}{Pick(Second)}{Pick(["_", ".", ""])}{Digits(Next(2, 5))}";
            if (taken.Add(handle)) return handle;
        }
    }

    /// Mobile numbers in E.164 in each country's mobile range (libphonenumber: NL 6[1-58]…, BE 4[7-9]…, DE 15[0-25-9]…, FR 6…, GB 740…).
    public string Mobile(string country) => country switch
    {
        "NL" => "+316" + Pick(["1", "2", "3", "4", "5"]) + Digits(7),
        "BE" => "+324" + Pick(["7", "8", "9"]) + Digits(7),
        "DE" => "+4915" + Pick(["1", "2", "7", "9"]) + Digits(8),
        "FR" => "+336" + Digits(8),
        "GB" => "+44740" + Digits(7),
        _ => throw new ArgumentException($"no mobile plan for {country}"),
    };

    /// A valid IBAN: the BBAN in the country's layout, then ISO 7064 MOD 97-10 check digits.
    public string Iban(string country)
    {
        var bban = country switch
        {
            "NL" => Pick(["ABNA", "RABO", "INGB", "TRIO", "KNAB"]) + Digits(10),
            "BE" => BelgianBban(),
            "DE" => Pick(["37040044", "50010517", "10010010", "20041133"]) + Digits(10),
            _ => throw new ArgumentException($"no IBAN layout for {country}"),
        };
        var numeric = string.Concat((bban + country + "00").Select(c => char.IsAsciiLetter(c) ? (c - 'A' + 10).ToString() : c.ToString()));
        var check = 98 - (int)(BigInteger.Parse(numeric) % 97);
        return $"{country}{check:D2}{bban}";
    }

    /// Belgian account numbers carry their own check: the first ten digits mod 97 (97 for 0).
    private string BelgianBban()
    {
        var first = Digits(10);
        var check = (int)(long.Parse(first) % 97);
        return first + (check == 0 ? 97 : check).ToString("D2");
    }

    /// Groups an IBAN in fours, as it is printed on statements ("NL91 ABNA 0417 1643 00").
    public static string Printed(string iban) => string.Join(' ', iban.Chunk(4).Select(c => new string(c)));

    /// A pay-to-pubkey-hash Bitcoin address over a random 160-bit hash: version 0x00, then the double-SHA-256 checksum.
    public string BitcoinAddress()
    {
        var payload = new byte[21];
        for (var i = 1; i < payload.Length; i++) payload[i] = (byte)random.Next(256);
        var checksum = SHA256.HashData(SHA256.HashData(payload));
        return Base58([.. payload, .. checksum.AsSpan(0, 4)]);
    }

    public string EthereumAddress() => "0x" + string.Concat(Enumerable.Range(0, 40).Select(_ => "0123456789abcdef"[random.Next(16)]));

    public string Email(string local) => $"{local}@{Pick(["example.com", "example.net", "example.org"])}";

    public DateOnly Date(DateOnly from, DateOnly to) => from.AddDays(random.Next(to.DayNumber - from.DayNumber + 1));

    private static string Base58(byte[] bytes)
    {
        const string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var text = new StringBuilder();
        while (value > 0)
        {
            text.Insert(0, alphabet[(int)(value % 58)]);
            value /= 58;
        }
        foreach (var b in bytes)
        {
            if (b != 0) break;
            text.Insert(0, '1');
        }
        return text.ToString();
    }
}
