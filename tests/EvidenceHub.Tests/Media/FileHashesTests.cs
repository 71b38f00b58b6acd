using EvidenceHub.Media.Pdq;

namespace EvidenceHub.Tests.Media;

public class FileHashesTests
{
    [Fact]
    public void The_three_digests_of_abc_are_the_published_test_vectors()
    {
        var hashes = FileHashes.Of(new MemoryStream("abc"u8.ToArray()));

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hashes.Sha256);
        Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", hashes.Sha1);
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", hashes.Md5);
    }

    [Fact]
    public void A_file_larger_than_the_read_buffer_hashes_like_its_bytes()
    {
        var bytes = new byte[200_003];
        new Random(7).NextBytes(bytes);

        var hashes = FileHashes.Of(new MemoryStream(bytes));

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), hashes.Sha256);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes)), hashes.Md5);
    }
}
