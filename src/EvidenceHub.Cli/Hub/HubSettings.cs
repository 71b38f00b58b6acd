using System.Text.Json;

namespace EvidenceHub.Cli.Hub;

/// How to reach the hub and as whom. Each setting comes from its option, else its environment variable, else the
/// config file (--config, EVIDENCEHUB_CONFIG, or ~/.config/evidencehub/config.json when present), else a default.
public sealed record HubSettings(
    Uri Hub, string? Unit, string? CertificatesDirectory, string? Certificate, string? Key, string? CertificatePassword,
    string? Authority, string? User, string? CorrelationId, TimeSpan? Timeout)
{
    public static readonly Uri DefaultHub = new("https://127.0.0.1:5443");

    public sealed record Given(
        string? Hub, string? Unit, string? Certificates, string? Certificate, string? Key, string? Authority,
        string? User, string? CorrelationId, string? Config, double? TimeoutSeconds);

    /// The config file's shape; relative paths in it are relative to the file.
    private sealed record ConfigFile(string? Hub, string? Unit, string? Certs, string? Cert, string? Key, string? Ca, string? User);

    public static HubSettings Resolve(Given given, Terminal terminal)
    {
        var (config, configDirectory) = ReadConfig(given.Config ?? terminal.Variable("EVIDENCEHUB_CONFIG"), terminal);
        string? FromConfigPath(string? path) => path is null ? null : Path.GetFullPath(path, configDirectory ?? Directory.GetCurrentDirectory());
        string? Path_(string? option, string variable, string? configured) =>
            option is not null ? Path.GetFullPath(option) : terminal.Variable(variable) is { } v ? Path.GetFullPath(v) : FromConfigPath(configured);

        var hubText = given.Hub ?? terminal.Variable("EVIDENCEHUB_URL") ?? config?.Hub;
        Uri hub = DefaultHub;
        if (hubText is not null && (!Uri.TryCreate(hubText, UriKind.Absolute, out hub!) || hub.Scheme is not ("https" or "http")))
            throw new UsageException($"--hub: '{hubText}' is not an https:// address (e.g. {DefaultHub})");

        var certificates = Path_(given.Certificates, "EVIDENCEHUB_CERTS", config?.Certs);
        var timeout = given.TimeoutSeconds ?? (double.TryParse(terminal.Variable("EVIDENCEHUB_TIMEOUT"), System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null);
        return new HubSettings(
            hub,
            given.Unit ?? terminal.Variable("EVIDENCEHUB_UNIT") ?? config?.Unit,
            certificates,
            Path_(given.Certificate, "EVIDENCEHUB_CERT", config?.Cert),
            Path_(given.Key, "EVIDENCEHUB_KEY", config?.Key),
            terminal.Variable("EVIDENCEHUB_CERT_PASSWORD"),
            Path_(given.Authority, "EVIDENCEHUB_CA", config?.Ca),
            given.User ?? terminal.Variable("EVIDENCEHUB_USER") ?? config?.User,
            given.CorrelationId ?? terminal.Variable("EVIDENCEHUB_CORRELATION_ID"),
            timeout is > 0 ? TimeSpan.FromSeconds(timeout.Value) : null);
    }

    /// The same hub, as another unit whose certificate lies in the certificates directory (the demo acts as many units).
    public HubSettings AsUnit(string unit) => this with { Unit = unit, Certificate = null, Key = null };

    private static (ConfigFile? Config, string? Directory) ReadConfig(string? path, Terminal terminal)
    {
        var explicitPath = path is not null;
        path ??= Path.Combine(Terminal.ConfigDirectory(terminal), "config.json");
        if (!File.Exists(path))
            return explicitPath ? throw new UsageException($"--config: no file {path}") : (null, null);
        try
        {
            var config = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), new JsonSerializerOptions
            {
                PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
            });
            return (config, Path.GetDirectoryName(Path.GetFullPath(path)));
        }
        catch (JsonException e)
        {
            throw new UsageException($"config file {path}: {e.Message}");
        }
    }
}
