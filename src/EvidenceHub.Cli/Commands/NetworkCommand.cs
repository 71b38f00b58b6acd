using System.CommandLine;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Cli.Network;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub network`: the cases and identifiers connected to a case or an identifier, across units.
public static class NetworkCommand
{
    public static Command Build(CliApp app)
    {
        var caseOption = new Option<string?>("--case", "-c") { Description = "Start from this case (id, or your own reference)" };
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var blind = new Option<bool>("--blind") { Description = "Start from --key sent as an OPRF blind token (the key must be canonical)" };
        var why = Common.Why();
        var format = new Option<string>("--format") { Description = "table, tree, dot (Graphviz) or svg", DefaultValueFactory = _ => "table" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the DOT or SVG to this file instead of stdout" };
        var builtIn = new Option<bool>("--built-in-layout") { Description = "SVG: use the built-in layout even when Graphviz is installed" };
        var command = new Command("network", "Show the suspect network around a case or an identifier: which cases of which units share identifiers")
            { caseOption, kind, value, platform, observedAt, key, blind, why, format, output, builtIn };
        app.Handle(command, async (run, cancellation) =>
        {
            var formatText = run.Get(format)!.ToLowerInvariant();
            if (formatText is not ("table" or "tree" or "dot" or "svg")) throw new UsageException($"--format: '{formatText}' is not one of table, tree, dot, svg");
            using var hub = run.Connect();
            var request = new GetNetworkRequest { Justification = Common.Justification(run.Get(why)!) };
            if (run.Get(caseOption) is { } caseText)
            {
                if (run.Get(kind) is not null || run.Get(key) is not null) throw new UsageException("start from either --case or an identifier, not both");
                request.CaseId = await Common.CaseId(hub, caseText, request.Justification, cancellation);
            }
            else if (run.Get(blind))
            {
                var keyText = run.Get(key) ?? throw new UsageException("--blind needs --key");
                if (IdentifierKeys.CanonicalProblem(keyText) is { } problem) throw new UsageException($"--key: not canonical, so its blind token would never match: {problem}");
                request.Identifier = new IdentifierQuery { BlindToken = (await OprfBlinding.Tokens(hub, [keyText.Trim()], request.Justification, cancellation))[0] };
            }
            else
            {
                if (run.Get(kind) is null && run.Get(key) is null) throw new UsageException("give --case, or an identifier (--kind and --value, or --key)");
                request.Identifier = new IdentifierQuery { Raw = Common.Identifier(run, kind, value, platform, observedAt, key) };
            }
            var network = await hub.Lookups.GetNetworkAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);

            switch (formatText)
            {
                case "dot":
                    Emit(run, run.Get(output), NetworkGraph.Dot(network), "DOT");
                    break;
                case "svg":
                    var (svg, layout) = NetworkGraph.Svg(network, allowGraphviz: !run.Get(builtIn));
                    Emit(run, run.Get(output), svg, $"SVG ({layout})");
                    break;
                case "tree" when !run.Output.Json:
                    run.Output.Render(Tree(network));
                    break;
                default:
                    if (run.Output.Json) run.Output.Message(network);
                    else Tables(run.Output, network);
                    break;
            }
            return network.Cases.Count == 0 ? ExitCodes.Negative : ExitCodes.Ok;
        });
        return command;
    }

    private static void Emit(Invocation run, string? path, string text, string what)
    {
        if (path is null) { run.Terminal.Out.Write(text); return; }
        File.WriteAllText(path, text);
        run.Output.Note($"Wrote {what} to {path}.");
    }

    private static void Tables(Output output, SuspectNetwork network)
    {
        output.Line(NetworkGraph.Caption(network));
        var cases = Output.Table("unit", "country", "case reference", "identifiers");
        foreach (var c in network.Cases)
            cases.AddRow(c.OwnerUnit, c.OwnerCountry, Markup.Escape(c.CaseReference), c.IdentifierKeys.Count.ToString());
        output.Render(cases.Title("cases"));
        var identifiers = Output.Table("identifier key", "kind", "cases");
        foreach (var i in network.Identifiers.OrderByDescending(i => i.CaseCount).ThenBy(i => i.Key, StringComparer.Ordinal))
            identifiers.AddRow(Output.Cell(i.Key), Output.Cell(Vocabulary.Word(i.Kind)), Output.Cell(i.CaseCount.ToString()));
        output.Render(identifiers.Title("identifiers (shared ones first)"));
    }

    /// Countries → units → cases → identifiers; identifiers shared with other cases are marked.
    private static Tree Tree(SuspectNetwork network)
    {
        var counts = network.Identifiers.ToDictionary(i => i.Key, i => i.CaseCount);
        var tree = new Tree(Markup.Escape(NetworkGraph.Caption(network)));
        foreach (var country in network.Cases.GroupBy(c => c.OwnerCountry).OrderBy(g => g.Key))
        {
            var countryNode = tree.AddNode(Markup.Escape(country.Key));
            foreach (var unit in country.GroupBy(c => c.OwnerUnit).OrderBy(g => g.Key))
            {
                var unitNode = countryNode.AddNode(Markup.Escape(unit.Key));
                foreach (var c in unit)
                {
                    var caseNode = unitNode.AddNode(Markup.Escape($"case {c.CaseReference}"));
                    foreach (var key in c.IdentifierKeys.OrderByDescending(k => counts.GetValueOrDefault(k)).ThenBy(k => k, StringComparer.Ordinal))
                        caseNode.AddNode(Markup.Escape(counts.GetValueOrDefault(key) > 1 ? $"{key}  (shared by {counts[key]} cases)" : key));
                }
            }
        }
        return tree;
    }
}
