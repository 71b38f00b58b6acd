using System.Text;
using System.Text.RegularExpressions;
using EvidenceHub.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace EvidenceHub.Tests.NonInterference;

/// What an observer saw, one line per answer, error, feed item or replayed event, normalised so that two worlds
/// compare equal exactly when the observer could not tell them apart: ids are replaced by their order of first
/// appearance and timestamps dropped. Feed positions, event sequences and log positions are compared as they are: a
/// counter that moved with events the observer may not see (a global one) is exactly what this suite must catch.
public sealed partial class Observation
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default
        .WithTypeRegistry(TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor)).WithFormatDefaultValues(false));

    private readonly List<string> lines = [];

    public IReadOnlyList<string> Lines => lines;

    public void Saw(string what, IMessage answer) => lines.Add($"{what}: {Json.Format(answer)}");

    public void Saw(string what, IEnumerable<IMessage> answers)
    {
        var i = 0;
        foreach (var answer in answers) Saw($"{what}[{i++}]", answer);
        lines.Add($"{what}: {i} messages");
    }

    public void Failed(string what, RpcException failure)
    {
        var trailers = string.Join("; ", failure.Trailers.Select(t => t.Key == "grpc-status-details-bin"
            ? $"{t.Key}={Json.Format(Google.Rpc.Status.Parser.ParseFrom(t.ValueBytes))}"
            : $"{t.Key}={(t.IsBinary ? Convert.ToBase64String(t.ValueBytes) : t.Value)}"));
        lines.Add($"{what}: FAILED {failure.StatusCode} \"{failure.Status.Detail}\" trailers [{trailers}]");
    }

    /// Calls and records the answer, or the failure with its details and trailers.
    public async Task Call<T>(string what, Func<Task<T>> call) where T : IMessage
    {
        try { Saw(what, await call()); }
        catch (RpcException failure) { Failed(what, failure); }
    }

    public async Task Stream<T>(string what, Func<Task<List<T>>> call) where T : IMessage
    {
        try { Saw(what, (await call()).Cast<IMessage>()); }
        catch (RpcException failure) { Failed(what, failure); }
    }

    /// Feed items as delivered, positions included.
    public void SawFeed(IReadOnlyList<FeedItem> items) => Saw("feed", items.Cast<IMessage>());

    /// Replayed events as delivered (sequence, log position and leaf hash included), with only the correlation id
    /// cleared: it is the trace id of the call that caused the event, random in each world.
    public void SawReplay(string what, IReadOnlyList<ReplayedEvent> events)
    {
        Saw(what, events.Select(e =>
        {
            var copy = e.Clone();
            copy.CorrelationId = "";
            return (IMessage)copy;
        }));
    }

    public void Note(string line) => lines.Add(line);

    /// The lines with ids numbered by first appearance, timestamps dropped and ciphertexts masked (sealed values differ by
    /// their random nonces in every run; what they hold is compared opened, in the readable form).
    public IReadOnlyList<string> Normalised()
    {
        var ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        return lines.Select(line =>
        {
            line = Timestamp().Replace(line, "<time>");
            line = Ciphertext().Replace(line, "${name}<sealed>");
            return Uuid().Replace(line, m =>
            {
                if (!ids.TryGetValue(m.Value, out var n)) ids[m.Value] = n = ids.Count;
                return $"<id{n}>";
            });
        }).ToList();
    }

    /// The first line where two observations differ, or null when they are equal.
    public static string? Difference(Observation a, Observation b)
    {
        var (x, y) = (a.Normalised(), b.Normalised());
        for (var i = 0; i < Math.Max(x.Count, y.Count); i++)
        {
            var (left, right) = (i < x.Count ? x[i] : "<nothing>", i < y.Count ? y[i] : "<nothing>");
            if (left != right)
                return new StringBuilder().AppendLine($"observation {i} differs:")
                    .AppendLine($"  with the hidden case:    {left}")
                    .AppendLine($"  without the hidden case: {right}").ToString();
        }
        return null;
    }

    [GeneratedRegex(@"(?<name>\\?""Ciphertext\\?"":\s*\\?"")[A-Za-z0-9+/=]+")]
    private static partial Regex Ciphertext();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")]
    private static partial Regex Timestamp();
}
