using System.CommandLine;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Cli.Import;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub lookup`: hit / no-hit for one identifier or a file of them, raw or as blind tokens.
public static class LookupCommand
{
    private sealed record Item(string Id, string Shown, IdentifierQuery Query);

    public static Command Build(CliApp app)
    {
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var file = new Option<string?>("--file", "-f") { Description = "Many identifiers through BatchLookup: one key per line, or a CSV with a header of key or kind,value,platform[,observed_at][,item]" };
        var blind = new Option<bool>("--blind") { Description = "Send blind tokens instead of values (OPRF: the value never leaves this machine and the hub never sees it). Needs canonical keys (--key or a key column)" };
        var hmac = new Option<bool>("--hmac") { Description = "With --blind: the deprecated HMAC tokens under a key the hub hands every participant (for hubs without an OPRF key)" };
        var why = Common.Why();
        var caseReference = new Option<string?>("--case-ref") { Description = "Your own case reference, recorded with the justification" };
        var command = new Command("lookup", """
            Is this identifier known at the hub? A hit tells whom to contact (unit, country, case reference) and, as the
            case's sharing policy allows, more; never victims' data. Exit code 0 on a hit, 1 on no hit.
            Raw mode sends the value and the hub canonicalises it (a national phone number is read in your unit's country).
            Blind mode (--blind) blinds each canonical key here, has the hub evaluate it with its OPRF key (RFC 9497), and
            sends the resulting token instead: the hub learns neither the value nor a hit unless it holds it, and you never
            hold its key (--hmac: the older HMAC tokens instead). The key must then be exactly canonical, as the hub prints it: phone:+31612345678 (E.164), email:name@example.com (lower case), account:snapchat:handle
            (lower case, no @), iban:NL91ABNA0417164300 (no spaces), wallet:btc:<address> (eth: lower case).
            """) { kind, value, platform, observedAt, key, file, blind, hmac, why, caseReference };

        app.Handle(command, async (run, cancellation) =>
        {
            var justification = Common.Justification(run.Get(why)!, run.Get(caseReference));
            var observed = Common.Moment(run.Get(observedAt), "--observed-at");
            using var hub = run.Connect();
            Func<string, IdentifierQuery>? blindFor = null;
            if (run.Get(hmac) && !run.Get(blind)) throw new UsageException("--hmac goes with --blind");
            if (run.Get(blind) && !run.Get(hmac))
            {
                // The canonical key stands in the query until the hub has evaluated all of them at once (Oprf below).
                blindFor = k => IdentifierKeys.CanonicalProblem(k) is { } problem
                    ? throw new UsageException($"'{k}' is not canonical, so its blind token would never match: {problem}")
                    : new IdentifierQuery { BlindToken = k.Trim() };
            }
            else if (run.Get(blind))
            {
                var keys = await hub.Lookups.GetBlindingKeysAsync(new GetBlindingKeysRequest(), deadline: hub.Deadline, cancellationToken: cancellation);
                var current = IdentifierKeys.CurrentKey(keys);
                blindFor = k => IdentifierKeys.CanonicalProblem(k) is { } problem
                    ? throw new UsageException($"'{k}' is not canonical, so its blind token would never match: {problem}")
                    : new IdentifierQuery { BlindToken = IdentifierKeys.BlindToken(current.KeyId, current.Key.ToByteArray(), k.Trim()) };
            }

            if (run.Get(file) is { } path)
            {
                if (run.Get(kind) is not null || run.Get(value) is not null || run.Get(key) is not null)
                    throw new UsageException("give either --file or one identifier, not both");
                var items = ReadItems(path, blindFor, observed);
                if (run.Get(blind) && !run.Get(hmac)) await Oprf(hub, items, justification, cancellation);
                return await Batch(run, hub, items, justification, cancellation);
            }

            Item item;
            if (blindFor is not null)
            {
                var keyText = run.Get(key) ?? throw new UsageException("--blind needs --key with the canonical key, e.g. --key phone:+31612345678");
                item = new Item("1", keyText, blindFor(keyText));
                if (!run.Get(hmac)) await Oprf(hub, [item], justification, cancellation);
            }
            else
            {
                var input = Common.Identifier(run, kind, value, platform, observedAt, key);
                item = new Item("1", run.Get(key) ?? $"{Vocabulary.Word(input.Kind)} {input.Value}" + (input.Platform.Length > 0 ? $" on {input.Platform}" : ""), new IdentifierQuery { Raw = input });
            }
            var answer = await hub.Lookups.LookupAsync(new LookupRequest { Identifier = item.Query, Justification = justification },
                deadline: hub.Deadline, cancellationToken: cancellation);
            answer.ItemId = item.Id;
            if (run.Output.Json) run.Output.Message(answer);
            else Show(run.Output, item.Shown, answer);
            return answer.Hit ? ExitCodes.Ok : ExitCodes.Negative;
        });
        return command;
    }

    /// Replaces each item's canonical key with its OPRF token.
    private static async Task Oprf(HubConnection hub, List<Item> items, Justification justification, CancellationToken cancellation)
    {
        var tokens = await OprfBlinding.Tokens(hub, items.Select(i => i.Query.BlindToken).ToList(), justification, cancellation);
        for (var i = 0; i < items.Count; i++) items[i].Query.BlindToken = tokens[i];
    }

    private static List<Item> ReadItems(string path, Func<string, IdentifierQuery>? blindFor, DateTimeOffset? observed)
    {
        if (!File.Exists(path)) throw new UsageException($"--file: no file {path}");
        var lines = File.ReadAllLines(path);
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')) ?? "";
        var header = first.Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var items = new List<Item>();
        if (header.Contains("key") || header.Contains("kind"))
        {
            var records = Csv.Read(new StringReader(string.Join('\n', lines))).Where(r => !r.Fields[0].TrimStart().StartsWith('#')).ToList();
            var columns = records[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
            string Field(Csv.Record r, string name) => columns.IndexOf(name) is var i and >= 0 && i < r.Fields.Count ? r.Fields[i].Trim() : "";
            foreach (var record in records.Skip(1))
            {
                var id = Field(record, "item") is { Length: > 0 } given ? given : $"line {record.Line}";
                var keyText = Field(record, "key");
                try
                {
                    if (blindFor is not null)
                    {
                        if (keyText.Length == 0) throw new UsageException($"line {record.Line}: blind mode needs the key column");
                        items.Add(new Item(id, keyText, blindFor(keyText)));
                    }
                    else if (keyText.Length > 0)
                        items.Add(new Item(id, keyText, new IdentifierQuery { Raw = IdentifierKeys.ToInput(keyText, observed) }));
                    else
                    {
                        var kindText = Field(record, "kind");
                        var input = new SuspectIdentifierInput
                        {
                            Kind = Vocabulary.ParseKind(kindText) ?? throw new UsageException($"line {record.Line}: kind '{kindText}' is not {Vocabulary.OneOf(Vocabulary.KindWords)}"),
                            Value = Field(record, "value"),
                            Platform = Field(record, "platform"),
                        };
                        if ((Common.Moment(Field(record, "observed_at"), "observed_at") ?? observed) is { } at)
                            input.ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);
                        items.Add(new Item(id, $"{kindText} {input.Value}" + (input.Platform.Length > 0 ? $" on {input.Platform}" : ""), new IdentifierQuery { Raw = input }));
                    }
                }
                catch (UsageException e) when (!e.Message.StartsWith("line ", StringComparison.Ordinal))
                {
                    throw new UsageException($"line {record.Line}: {e.Message}");
                }
            }
        }
        else
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var keyText = lines[i].Trim();
                if (keyText.Length == 0 || keyText.StartsWith('#')) continue;
                try
                {
                    items.Add(new Item($"line {i + 1}", keyText, blindFor?.Invoke(keyText) ?? new IdentifierQuery { Raw = IdentifierKeys.ToInput(keyText, observed) }));
                }
                catch (UsageException e) { throw new UsageException($"line {i + 1}: {e.Message}"); }
            }
        }
        if (items.Count == 0) throw new UsageException($"--file: {path} holds no identifiers");
        return items;
    }

    private static async Task<int> Batch(Invocation run, HubConnection hub, List<Item> items, Justification justification, CancellationToken cancellation)
    {
        using var call = hub.Lookups.BatchLookup(deadline: hub.Deadline, cancellationToken: cancellation);
        var writing = Task.Run(async () =>
        {
            var first = true;
            foreach (var item in items)
            {
                await call.RequestStream.WriteAsync(new BatchLookupRequest { Identifier = item.Query, ItemId = item.Id, Justification = first ? justification : null }, cancellation);
                first = false;
            }
            await call.RequestStream.CompleteAsync();
        }, cancellation);
        var byId = items.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First());
        var answers = new List<LookupAnswer>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync(cancellation))
        {
            answers.Add(answer);
            if (run.Output.Json) run.Output.Message(answer);
        }
        await writing;

        var (hits, errors) = (answers.Count(a => a.Hit), answers.Count(a => a.Error is not null));
        if (!run.Output.Json)
        {
            var table = Output.Table("item", "identifier", "answer", "contact");
            foreach (var answer in answers)
            {
                var shown = byId.TryGetValue(answer.ItemId, out var item) ? item.Shown : "";
                var verdict = answer.Error is not null ? "error: " + HubErrors.Describe(answer.Error) : answer.Hit ? (answer.Common ? "HIT (common)" : "HIT") : "no hit";
                table.AddRow(Output.Cell(answer.ItemId), Output.Cell(shown), Output.Cell(verdict),
                    Output.Cell(string.Join("\n", answer.Disclosures.Select(Contact))));
            }
            run.Output.Render(table);
            run.Output.Line($"{answers.Count} asked: {hits} hit, {answers.Count - hits - errors} no hit, {errors} could not be answered.");
        }
        if (answers.Count != items.Count)
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, $"the hub answered {answers.Count} of {items.Count} identifiers"));
        return errors > 0 ? ExitCodes.Partial : hits > 0 ? ExitCodes.Ok : ExitCodes.Negative;
    }

    private static string Contact(Disclosure d) =>
        $"{d.OwnerUnit} ({d.OwnerCountry}) case {d.CaseReference}, {Vocabulary.Word(d.Tlp)} {Vocabulary.Word(d.HandlingCode)}";

    public static void Show(Output output, string shown, LookupAnswer answer)
    {
        if (!answer.Hit) { output.Line($"No hit for {shown}."); return; }
        output.Line($"HIT for {shown}: held in {answer.Disclosures.Count} case(s) you may know of" + (answer.Common ? " (flagged common: held by very many cases)" : "") + ".");
        var table = Output.Table("contact unit", "country", "case reference", "sharing", "kind", "first seen", "victims", "victim countries");
        foreach (var d in answer.Disclosures)
            table.AddRow(Output.Cell(d.OwnerUnit), Output.Cell(d.OwnerCountry), Output.Cell(d.CaseReference),
                Output.Cell($"{Vocabulary.Word(d.Tlp)} {Vocabulary.Word(d.HandlingCode)}" + (d.HandlingRestrictions.Length > 0 ? $" ({d.HandlingRestrictions})" : "")),
                Output.Cell(d.Kind == IdentifierKind.Unspecified ? "" : Vocabulary.Word(d.Kind)),
                Output.Cell(Output.Time(d.FirstSeen) is { Length: > 10 } seen ? seen[..10] : ""),
                Output.Cell(d.Kind == IdentifierKind.Unspecified ? "" : d.VictimCount.ToString()),
                Output.Cell(string.Join(" ", d.VictimCountries)));
        output.Render(table);
    }
}
