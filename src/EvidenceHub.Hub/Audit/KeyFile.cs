namespace EvidenceHub.Hub.Audit;

/// Private key files: created 0600 from the first byte (a temporary file opened with that mode, then renamed into
/// place, so no reader ever sees a partial or a loose file), and refused when their group or others may read them.
public static class KeyFile
{
    private const UnixFileMode Loose = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// The file's text, or null when there is none; throws when others than its owner may read or change it.
    public static string? Read(string path)
    {
        if (!File.Exists(path)) return null;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & Loose) != 0)
            throw new InvalidOperationException(
                $"The key file {path} may be read or changed by its group or others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}): " +
                $"a signing key must be readable by the hub's user only. Run `chmod 600 {path}` (and consider the key exposed), then start again.");
        return File.ReadAllText(path);
    }

    public static void Create(string path, string content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(content);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
