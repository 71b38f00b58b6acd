using System.Diagnostics;
using System.Security.Cryptography;
using EvidenceHub.Hub.Audit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EvidenceHub.Tests.Audit;

public sealed class CheckpointKeyTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("evidencehub-key-").FullName;

    [Fact]
    public void The_hub_creates_a_missing_key_with_its_public_half_and_signs_with_the_same_key_after_a_restart()
    {
        var path = Path.Combine(directory, "checkpoint-key.pem");
        using var first = Signer(path);
        Assert.True(File.Exists(path));
        Assert.Equal(first.PublicKeyPem, File.ReadAllText(Path.Combine(directory, "checkpoint-key.pub.pem")));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        using var restarted = Signer(path);
        Assert.Equal(first.KeyId, restarted.KeyId);
        var root = SHA256.HashData("root"u8);
        var checkpoint = first.Sign(42, root, DateTimeOffset.UtcNow);
        Assert.True(CheckpointSigner.Verify(restarted.PublicKey, checkpoint.TreeHead, checkpoint.Signature));
        Assert.False(CheckpointSigner.Verify(restarted.PublicKey, CheckpointSigner.TreeHead(43, root, checkpoint.SignedAt), checkpoint.Signature));
    }

    [Fact]
    public void The_ops_script_makes_a_key_the_hub_signs_with_and_prints_its_key_id()
    {
        if (!File.Exists("/usr/bin/openssl") && !File.Exists("/usr/local/bin/openssl")) return; // the script needs openssl
        var script = Path.Combine(RepositoryRoot(), "ops", "audit-key.sh");
        var path = Path.Combine(directory, "ops-key.pem");
        var run = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        run.Environment["Audit__SigningKeyPath"] = path;
        using var process = Process.Start(run)!;
        var printed = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);

        using var signer = Signer(path);
        Assert.Contains(signer.PublicKeyPem.Trim(), printed);
        Assert.Contains($"key id: {Convert.ToHexStringLower(signer.KeyId)}", printed);
        Assert.Contains($"note key: {signer.NoteVerifier}", printed);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CheckpointSigner.NotePathFor(path)));
    }

    private static CheckpointSigner Signer(string path) =>
        new(new ConfigurationBuilder().AddInMemoryCollection([new("Audit:SigningKeyPath", path)]).Build(), NullLogger<CheckpointSigner>.Instance);

    private static string RepositoryRoot()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        while (here is not null && !File.Exists(Path.Combine(here.FullName, "EvidenceHub.sln"))) here = here.Parent;
        return here?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}

/// Finding 13: the checkpoint keys are created 0600 from the first byte, and a key file others may read is refused.
public sealed class CheckpointKeyFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("evidencehub-keyfile-").FullName;

    [Fact]
    public void Both_keys_are_created_0600_and_a_loose_existing_key_stops_the_start()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Path.Combine(directory, "checkpoint-key.pem");
        using (var created = Signer(path))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CheckpointSigner.NotePathFor(path)));
            Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
            using var again = Signer(path);
            Assert.Equal(created.NoteVerifier.ToString(), again.NoteVerifier.ToString());
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var refused = Assert.Throws<InvalidOperationException>(() => Signer(path));
        Assert.Contains(path, refused.Message);
        Assert.Contains("chmod 600", refused.Message);

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(CheckpointSigner.NotePathFor(path), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Throws<InvalidOperationException>(() => Signer(path));
    }

    private static CheckpointSigner Signer(string path) =>
        new(new ConfigurationBuilder().AddInMemoryCollection([new("Audit:SigningKeyPath", path)]).Build(), NullLogger<CheckpointSigner>.Instance);

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
