using System.Security.Cryptography;

namespace EvidenceHub.Media.Pdq;

/// <summary>The exact-match hashes hash lists carry (ICSE, CAID, VICS, NCMEC): lower-case hex of the file's bytes.</summary>
public sealed record FileHashes(string Sha256, string Sha1, string Md5)
{
    public static FileHashes Of(string path)
    {
        using var file = File.OpenRead(path);
        return Of(file);
    }

    /// <summary>One pass over the stream for all three.</summary>
    public static FileHashes Of(Stream content)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[81920];
        int read;
        while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
        {
            sha256.AppendData(buffer, 0, read);
            sha1.AppendData(buffer, 0, read);
            md5.AppendData(buffer, 0, read);
        }
        return new FileHashes(Hex(sha256), Hex(sha1), Hex(md5));

        static string Hex(IncrementalHash hash) => Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
