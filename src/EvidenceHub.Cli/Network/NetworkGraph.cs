using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Network;

/// A suspect network as a picture: cases (boxes) linked to the identifiers they hold (ellipses). DOT for Graphviz,
/// and SVG either through Graphviz's `dot` or, where it is not installed, through a simple built-in two-column layout.
public static class NetworkGraph
{
    private static readonly Dictionary<IdentifierKind, string> KindColours = new()
    {
        [IdentifierKind.PhoneNumber] = "#f6d8ae", [IdentifierKind.EmailAddress] = "#e8d5f2", [IdentifierKind.PlatformAccount] = "#d5ecd4",
        [IdentifierKind.Iban] = "#f9c6c6", [IdentifierKind.CryptoWallet] = "#fde7a6", [IdentifierKind.IpAddress] = "#d6e4f0",
    };
    private const string CaseColour = "#dbe9f6";
    private const string OtherColour = "#eeeeee";

    private static string CaseNode(NetworkCase c) => $"case:{c.OwnerUnit}/{c.CaseReference}";
    private static string Colour(IdentifierKind kind) => KindColours.GetValueOrDefault(kind, OtherColour);

    public static string Dot(SuspectNetwork network)
    {
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var dot = new StringBuilder();
        dot.AppendLine("graph suspect_network {");
        dot.AppendLine("  graph [rankdir=LR, overlap=false, fontname=\"Helvetica\", label=" + Quote(Caption(network)) + ", labelloc=t];");
        dot.AppendLine("  node [fontname=\"Helvetica\", fontsize=10, style=filled];");
        foreach (var c in network.Cases)
            dot.AppendLine($"  {Quote(CaseNode(c))} [shape=box, style=\"rounded,filled\", fillcolor=\"{CaseColour}\", label={Quote($"{c.OwnerUnit} ({c.OwnerCountry})\n{c.CaseReference}")}];");
        foreach (var i in network.Identifiers)
            dot.AppendLine($"  {Quote("id:" + i.Key)} [shape=ellipse, fillcolor=\"{Colour(i.Kind)}\", label={Quote(i.Key)}{(i.CaseCount > 1 ? ", penwidth=2" : "")}];");
        foreach (var c in network.Cases)
            foreach (var key in c.IdentifierKeys)
                dot.AppendLine($"  {Quote(CaseNode(c))} -- {Quote("id:" + key)};");
        dot.AppendLine("}");
        return dot.ToString();
    }

    public static string Caption(SuspectNetwork network) =>
        $"{network.Cases.Count} cases, {network.Identifiers.Count} identifiers; victims: " +
        (network.VictimsByCountry.Count == 0 ? "none visible" : string.Join(", ", network.VictimsByCountry.Select(v => $"{v.Country} {v.Victims}"))) +
        (network.Truncated ? " (truncated)" : "");

    /// SVG from Graphviz when `dot` is installed (apt-get install graphviz), else from the built-in layout. Says which.
    public static (string Svg, string Layout) Svg(SuspectNetwork network, bool allowGraphviz)
    {
        if (allowGraphviz && RunDot(Dot(network)) is { } svg) return (svg, "graphviz dot");
        return (BuiltInSvg(network), "built-in layout");
    }

    private static string? RunDot(string dot)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dot", "-Tsvg")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(dot);
            process.StandardInput.Close();
            if (!process.WaitForExit(60_000)) { process.Kill(); return null; }
            return process.ExitCode == 0 ? output.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }

    /// Cases in the left column, identifiers in the right, each identifier placed near the cases that hold it
    /// (ordered by the mean row of its cases), so that shared identifiers sit between the cases they join.
    public static string BuiltInSvg(SuspectNetwork network)
    {
        const int rowHeight = 28, top = 50, boxHeight = 20, charWidth = 7, gap = 220, margin = 20;
        var cases = network.Cases.ToList();
        var caseRow = cases.Select((c, i) => (c, i)).ToDictionary(x => CaseNode(x.c), x => x.i);
        var holders = cases.SelectMany(c => c.IdentifierKeys.Select(k => (Key: k, Row: caseRow[CaseNode(c)]))).ToLookup(x => x.Key, x => x.Row);
        var identifiers = network.Identifiers
            .OrderBy(i => holders[i.Key].DefaultIfEmpty(0).Average()).ThenByDescending(i => i.CaseCount).ThenBy(i => i.Key, StringComparer.Ordinal)
            .ToList();

        string CaseLabel(NetworkCase c) => $"{c.OwnerUnit} ({c.OwnerCountry}) {c.CaseReference}";
        var caseWidth = cases.Select(c => CaseLabel(c).Length).DefaultIfEmpty(10).Max() * charWidth + 16;
        var idWidth = identifiers.Select(i => i.Key.Length).DefaultIfEmpty(10).Max() * charWidth + 16;
        var rows = Math.Max(cases.Count, identifiers.Count);
        // Spread the shorter column over the height of the longer one.
        double CaseY(int i) => top + (cases.Count <= 1 ? (rows - 1) / 2.0 : i * (rows - 1) / (double)(cases.Count - 1)) * rowHeight;
        double IdY(int i) => top + (identifiers.Count <= 1 ? (rows - 1) / 2.0 : i * (rows - 1) / (double)(identifiers.Count - 1)) * rowHeight;
        var idX = margin + caseWidth + gap;
        var width = idX + idWidth + margin;
        var height = top + Math.Max(rows, 1) * rowHeight + margin;
        var idRow = identifiers.Select((i, n) => (i.Key, n)).ToDictionary(x => x.Key, x => x.n);

        static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        static string E(string s) => WebUtility.HtmlEncode(s);
        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">");
        svg.AppendLine($"  <title>Suspect network: {E(Caption(network))}</title>");
        svg.AppendLine("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine($"  <text x=\"{margin}\" y=\"24\" font-size=\"14\" font-weight=\"bold\">{E(Caption(network))}</text>");
        svg.AppendLine("  <g stroke=\"#8a8a8a\" stroke-width=\"1\" fill=\"none\">");
        foreach (var (c, i) in cases.Select((c, i) => (c, i)))
            foreach (var key in c.IdentifierKeys)
                if (idRow.TryGetValue(key, out var r))
                {
                    var (x1, y1, x2, y2) = ((double)(margin + caseWidth), CaseY(i), (double)idX, IdY(r));
                    svg.AppendLine($"    <path d=\"M{F(x1)},{F(y1)} C{F(x1 + gap / 2.0)},{F(y1)} {F(x2 - gap / 2.0)},{F(y2)} {F(x2)},{F(y2)}\"/>");
                }
        svg.AppendLine("  </g>");
        foreach (var (c, i) in cases.Select((c, i) => (c, i)))
        {
            svg.AppendLine($"  <g><title>{E(CaseLabel(c))}: {c.IdentifierKeys.Count} identifiers</title>");
            svg.AppendLine($"    <rect x=\"{margin}\" y=\"{F(CaseY(i) - boxHeight / 2.0)}\" width=\"{caseWidth}\" height=\"{boxHeight}\" rx=\"5\" fill=\"{CaseColour}\" stroke=\"#4a6f94\"/>");
            svg.AppendLine($"    <text x=\"{margin + 8}\" y=\"{F(CaseY(i) + 4)}\">{E(CaseLabel(c))}</text></g>");
        }
        foreach (var (id, i) in identifiers.Select((id, i) => (id, i)))
        {
            svg.AppendLine($"  <g><title>{E(id.Key)}: held by {id.CaseCount} case(s)</title>");
            svg.AppendLine($"    <rect x=\"{idX}\" y=\"{F(IdY(i) - boxHeight / 2.0)}\" width=\"{idWidth}\" height=\"{boxHeight}\" rx=\"10\" fill=\"{Colour(id.Kind)}\" stroke=\"{(id.CaseCount > 1 ? "#333333" : "#999999")}\" stroke-width=\"{(id.CaseCount > 1 ? 2 : 1)}\"/>");
            svg.AppendLine($"    <text x=\"{idX + 8}\" y=\"{F(IdY(i) + 4)}\">{E(id.Key)}</text></g>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
