using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EvidenceHub.Cli.Audit;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub audit ...`: the audit trail. Replay and as-of work for auditors and a case's owner; the access log,
/// checkpoints, verification and proofs are for auditors.
public static class AuditCommands
{
    public static Command Build(CliApp app)
    {
        var audit = new Command("audit", "Replay a case, see it as of a moment, read the access log, and check the tamper-evident log");
        audit.Add(Replay(app));
        audit.Add(AsOf(app));
        audit.Add(AccessLog(app));
        audit.Add(Checkpoint(app));
        audit.Add(Verify(app));
        audit.Add(Prove(app));
        audit.Add(Overdue(app));
        return audit;
    }

    private static Command Replay(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var why = Common.Why();
        var after = new Option<long>("--after-version") { Description = "Only events after this case version" };
        var owningUnit = OwningUnit();
        var command = new Command("replay", "Every event of a case, in order, as a timeline: who did what, when, in which call") { caseArgument, why, after, owningUnit };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var (caseId, reference) = Common.Case(run.Get(caseArgument));
            using var call = hub.Audit.ReplayCase(new ReplayCaseRequest
            {
                CaseId = caseId, CaseReference = reference, OwningUnit = run.Get(owningUnit) ?? "",
                Justification = Common.Justification(run.Get(why)!), AfterVersion = run.Get(after),
            }, deadline: hub.Deadline, cancellationToken: cancellation);
            var table = Output.Table("v", "time (UTC)", "unit / user", "event", "what", "log");
            var count = 0;
            await foreach (var e in call.ResponseStream.ReadAllAsync(cancellation))
            {
                count++;
                if (run.Output.Json) { run.Output.Message(e); continue; }
                table.AddRow(Output.Cell(e.Version.ToString()), Output.Cell(Output.Time(e.Timestamp)),
                    Output.Cell(e.User.Length > 0 ? $"{e.Unit} / {e.User}" : e.Unit), Output.Cell(e.EventType), Output.Cell(Summary(e.DataJson)),
                    Output.Cell(e.HasLogPosition ? $"#{e.LogPosition}" : "-"));
            }
            if (!run.Output.Json)
            {
                run.Output.Render(table.Title($"case {run.Get(caseArgument).Trim()}: {count} events"));
                run.Output.Note("The log column is the event's position in the tamper-evident log, shown to auditors only ('-' for a unit, and while the log trails the store by a moment); check one with `evidencehub audit prove --case <case> --version <v>`.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// Fields the other columns already show, or that only repeat another field of the event.
    private static readonly HashSet<string> Redundant = new(StringComparer.OrdinalIgnoreCase)
        { "caseId", "canonicalValue", "qualifier", "kind", "ownerCountry", "victimLinkId", "rawPlatform" };

    /// An event's data in one line: "name=value" pairs, nested objects flattened ("SharingPolicy.Tlp=Green").
    public static string Summary(string dataJson)
    {
        try
        {
            using var document = JsonDocument.Parse(dataJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return Shorten(dataJson);
            var parts = new List<string>();
            void Add(string prefix, JsonElement element)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (Redundant.Contains(property.Name)) continue;
                    var name = prefix + property.Name;
                    switch (property.Value.ValueKind)
                    {
                        case JsonValueKind.Null:
                        case JsonValueKind.String when property.Value.GetString()!.Length == 0:
                        case JsonValueKind.Array when property.Value.GetArrayLength() == 0:
                            break;
                        case JsonValueKind.Object:
                            Add(name + ".", property.Value);
                            break;
                        case JsonValueKind.String:
                            parts.Add($"{name}={property.Value.GetString()}");
                            break;
                        default:
                            parts.Add($"{name}={property.Value.GetRawText()}");
                            break;
                    }
                }
            }
            Add("", document.RootElement);
            return Shorten(string.Join(" ", parts));
        }
        catch (JsonException)
        {
            return Shorten(dataJson);
        }
    }

    /// For an auditor naming a case by its reference: the unit that gave it (a unit's own cases need none).
    private static Option<string?> OwningUnit() => new("--owner")
    {
        Description = "With a case reference, as an auditor: the unit whose reference it is",
    };

    private static string Shorten(string text) => text.Length > 160 ? text[..159] + "…" : text;

    private static Command AsOf(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var why = Common.Why();
        var at = new Option<string?>("--at") { Description = "The moment (ISO 8601, UTC unless an offset is given), e.g. 2025-03-01T12:00:00Z" };
        var version = new Option<long?>("--version") { Description = "Or: the case after exactly this many events" };
        var owningUnit = OwningUnit();
        var command = new Command("as-of", "The case exactly as it stood at a moment or a version, victim links included") { caseArgument, why, at, version, owningUnit };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new GetCaseAsOfRequest { Justification = Common.Justification(run.Get(why)!) };
            if (run.Get(at) is { } atText)
            {
                if (run.Get(version) is not null) throw new UsageException("give --at or --version, not both");
                request.AsOfTime = Timestamp.FromDateTimeOffset(Common.Moment(atText, "--at")!.Value);
            }
            else request.Version = run.Get(version) ?? throw new UsageException("give --at <moment> or --version <n>");
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            request.OwningUnit = run.Get(owningUnit) ?? "";
            using var hub = run.Connect();
            var file = await hub.Audit.GetCaseAsOfAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            // Identifiers (imported hashes included) come in pages; victim links and handoffs whole with each.
            for (var page = file; page.NextPageToken != "";)
            {
                request.PageToken = page.NextPageToken;
                page = await hub.Audit.GetCaseAsOfAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                file.Identifiers.AddRange(page.Identifiers);
            }
            CaseView.Render(run.Output, file, request.AsOfCase == GetCaseAsOfRequest.AsOfOneofCase.AsOfTime
                ? $"Case {file.CaseId} as it stood at {Output.Time(request.AsOfTime)}:" : $"Case {file.CaseId} as of version {request.Version}:");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AccessLog(CliApp app)
    {
        var why = Common.Why();
        var from = new Option<string?>("--from") { Description = "Records at or after this moment" };
        var to = new Option<string?>("--to") { Description = "Records before this moment" };
        var unit = new Option<string?>("--of-unit") { Description = "Only calls by this unit" };
        var caseOption = new Option<string?>("--case") { Description = "Only records about this case (id)" };
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var region = new Option<string?>("--region") { Description = "The country whose national format a --value phone number is in (default: your unit's)" };
        var max = new Option<int>("--max") { Description = "At most this many records (default and maximum 100000)" };
        var command = new Command("access-log", "Who consulted or disclosed what, when and why (LED Art. 25, CJIS 5.4); auditors only")
            { why, from, to, unit, caseOption, kind, value, platform, observedAt, key, region, max };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new QueryAccessLogRequest { Justification = Common.Justification(run.Get(why)!), Unit = run.Get(unit) ?? "", MaxRecords = run.Get(max), IdentifierRegion = run.Get(region) ?? "" };
            if (Common.Moment(run.Get(from), "--from") is { } f) request.From = Timestamp.FromDateTimeOffset(f);
            if (Common.Moment(run.Get(to), "--to") is { } t) request.To = Timestamp.FromDateTimeOffset(t);
            if (run.Get(key) is { } keyText) request.IdentifierKey = keyText;
            else if (run.Get(kind) is not null) request.Identifier = Common.Identifier(run, kind, value, platform, observedAt);
            using var hub = run.Connect();
            if (run.Get(caseOption) is { } caseText) request.CaseId = await Common.CaseId(hub, caseText, request.Justification, cancellation);
            using var call = hub.Audit.QueryAccessLog(request, deadline: hub.Deadline, cancellationToken: cancellation);
            var table = Output.Table("time (UTC)", "unit / user", "call", "outcome", "why", "asked", "disclosed");
            var count = 0;
            await foreach (var r in call.ResponseStream.ReadAllAsync(cancellation))
            {
                count++;
                if (run.Output.Json) { run.Output.Message(r); continue; }
                table.AddRow(Output.Cell(Output.Time(r.At)), Output.Cell(r.User.Length > 0 ? $"{r.Unit} / {r.User}" : r.Unit), Output.Cell(r.Operation),
                    Output.Cell(r.Outcome.ToString().ToLowerInvariant()), Output.Cell(r.Justification), Output.Cell(r.Asked), Output.Cell(r.Disclosed));
            }
            if (!run.Output.Json) run.Output.Render(table.Title($"{count} access records"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Overdue(CliApp app)
    {
        var why = Common.Why();
        var command = new Command("overdue", "Cases past their retention review date, most overdue first; auditors only") { why };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new ListOverdueCasesRequest { Justification = Common.Justification(run.Get(why)!) };
            var table = Output.Table("case", "owner", "reference", "status", "last change", "review due", "marked overdue");
            var count = 0;
            do
            {
                var page = await hub.Audit.ListOverdueCasesAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                foreach (var c in page.Cases)
                {
                    count++;
                    if (run.Output.Json) { run.Output.Message(c); continue; }
                    table.AddRow(Output.Cell(c.CaseId), Output.Cell(c.OwnerUnit), Output.Cell(c.CaseReference), Output.Cell(Vocabulary.Word(c.Status)),
                        Output.Cell(Output.Time(c.LastChangeAt)), Output.Cell(Output.Time(c.ReviewDueAt)), Output.Cell(c.MarkedOverdueAt is null ? "" : Output.Time(c.MarkedOverdueAt)));
                }
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            if (!run.Output.Json) run.Output.Render(table.Title($"{count} overdue cases"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string?> TrustKey() => new("--trust-key") { Description = "The hub's checkpoint public key (PEM) you trust; refuse checkpoints signed with any other" };

    private static Command Checkpoint(CliApp app)
    {
        var why = Common.Why();
        var size = new Option<long>("--size") { Description = "The checkpoint signed for exactly this many entries (default: the latest)" };
        var trust = TrustKey();
        var save = new Option<string?>("--save-key") { Description = "Save the hub's checkpoint public key (PEM) here, to pin it later with --trust-key" };
        var command = new Command("checkpoint", "Fetch a signed tree head of the log and check its signature here") { why, size, trust, save };
        app.Handle(command, async (run, cancellation) =>
        {
            var pinned = run.Get(trust) is { } trustPath ? LogProofs.ReadPinnedKey(trustPath) : null;
            using var hub = run.Connect();
            var checkpoint = await hub.Audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = Common.Justification(run.Get(why)!), TreeSize = run.Get(size) },
                deadline: hub.Deadline, cancellationToken: cancellation);
            var check = LogProofs.Verify(checkpoint, pinned);
            if (run.Get(save) is { } savePath) File.WriteAllText(savePath, checkpoint.PublicKeyPem);
            if (run.Output.Json)
                run.Output.Object(new
                {
                    treeSize = checkpoint.TreeSize, rootHash = Output.Hex(checkpoint.RootHash), timestamp = checkpoint.Timestamp.ToDateTimeOffset(),
                    keyId = Output.Hex(checkpoint.KeyId), signatureValid = check.Valid, problem = check.Valid ? null : check.Problem, keyPinned = pinned is not null,
                });
            else
            {
                run.Output.Fields([
                    ("tree size", checkpoint.TreeSize.ToString()),
                    ("root hash", Output.Hex(checkpoint.RootHash)),
                    ("signed at", Output.Time(checkpoint.Timestamp)),
                    ("key id", Output.Hex(checkpoint.KeyId)),
                    ("signature", check.Valid ? "valid (ECDSA P-256, checked here)" : "INVALID: " + check.Problem),
                    ("key", pinned is not null ? "the trusted key (--trust-key)" : "not pinned: save it with --save-key and pass --trust-key next time"),
                ]);
                if (run.Get(save) is { } saved) run.Output.Note($"Saved the checkpoint key to {saved}.");
            }
            return check.Valid ? ExitCodes.Ok : ExitCodes.Negative;
        });
        return command;
    }

    private static Command Verify(CliApp app)
    {
        var why = Common.Why();
        var command = new Command("verify", "Have the hub recompute every leaf and the tree from the stored events, and check every signed checkpoint") { why };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var result = await hub.Audit.VerifyLogAsync(new VerifyLogRequest { Justification = Common.Justification(run.Get(why)!) }, deadline: hub.Deadline, cancellationToken: cancellation);
            if (run.Output.Json) run.Output.Message(result);
            else if (result.Intact)
                run.Output.Line($"Log intact: {result.EntriesChecked} entries and {result.CheckpointsChecked} signed checkpoints recomputed; root {Output.Hex(result.RootHash)} over {result.TreeSize} entries.");
            else
                run.Output.Line($"LOG DAMAGED at position {(result.HasFirstBadPosition ? result.FirstBadPosition.ToString() : "?")} (event sequence {result.FirstBadSequence}): {result.Problem}");
            return result.Intact ? ExitCodes.Ok : ExitCodes.Negative;
        });
        return command;
    }

    private static Command Prove(CliApp app)
    {
        var why = Common.Why();
        var position = new Option<long?>("--position") { Description = "The log position to prove" };
        var caseOption = new Option<string?>("--case") { Description = "Or: prove an event of this case (with --version)" };
        var version = new Option<long?>("--version") { Description = "The case version whose event to prove" };
        var size = new Option<long>("--size") { Description = "Prove against the tree of this many entries (default: the latest checkpoint)" };
        var trust = TrustKey();
        var command = new Command("prove", """
            Check here, without trusting the hub, that an entry is in the signed log: recompute its leaf hash (and, for a
            case event, the hash of the event's data), walk the RFC 9162 inclusion path to the root, and check that root
            against the checkpoint's ECDSA signature. Exit code 0 when every check passes, 1 otherwise.
            """) { why, position, caseOption, version, size, trust };
        app.Handle(command, async (run, cancellation) =>
        {
            var pinned = run.Get(trust) is { } trustPath ? LogProofs.ReadPinnedKey(trustPath) : null;
            using var hub = run.Connect();
            var justification = Common.Justification(run.Get(why)!);
            var checks = new List<(string Check, bool Passed, string Detail)>();
            ReplayedEvent? replayed = null;
            long at;
            if (run.Get(caseOption) is { } caseText)
            {
                var v = run.Get(version) ?? throw new UsageException("--case needs --version (the event's case version, as `audit replay` shows it)");
                if (v < 1) throw new UsageException("--version: case versions start at 1");
                var caseId = await Common.CaseId(hub, caseText, justification, cancellation);
                using var call = hub.Audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId, Justification = justification, AfterVersion = v - 1 },
                    deadline: hub.Deadline, cancellationToken: cancellation);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellation)) { replayed = e; break; }
                if (replayed is null || replayed.Version != v) throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"case {caseText} has no version {v}"));
                if (!replayed.HasLogPosition)
                    throw new UsageException($"version {v} of the case is not in the log yet (the log trails the store by a moment); try again shortly");
                at = replayed.LogPosition;
            }
            else at = run.Get(position) ?? throw new UsageException("give --position, or --case with --version");

            var proof = await hub.Audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = justification, Position = at, TreeSize = run.Get(size) },
                deadline: hub.Deadline, cancellationToken: cancellation);
            var leaf = proof.Entry?.Leaf.ToByteArray() ?? [];
            var leafHash = LogProofs.LeafHash(leaf);
            checks.Add(("leaf hash", proof.Entry is not null && leafHash.AsSpan().SequenceEqual(proof.Entry.LeafHash.Span),
                $"SHA-256(0x00 || leaf) = {Convert.ToHexStringLower(leafHash)}"));

            if (replayed is not null)
            {
                var dataHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(replayed.DataJson)));
                string? leafDataHash = null;
                long leafSequence = -1;
                try
                {
                    using var leafJson = JsonDocument.Parse(leaf);
                    leafDataHash = leafJson.RootElement.GetProperty("data_sha256").GetString();
                    leafSequence = leafJson.RootElement.GetProperty("sequence").GetInt64();
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
                checks.Add(("event data", leafDataHash == dataHash && leafSequence == replayed.Sequence,
                    $"SHA-256 of the replayed event's data = {dataHash}; the leaf says {leafDataHash ?? "nothing"} for sequence {leafSequence}"));
            }

            var root = LogProofs.RootFromInclusionPath(proof.Position, proof.TreeSize, leafHash, proof.AuditPath.Select(p => p.ToByteArray()).ToList());
            checks.Add(("inclusion path", root is not null && root.AsSpan().SequenceEqual(proof.RootHash.Span),
                $"{proof.AuditPath.Count} hashes from position {proof.Position} lead to root {(root is null ? "(none: the path does not fit the tree)" : Convert.ToHexStringLower(root))}"));

            var checkpoint = await hub.Audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = justification, TreeSize = proof.TreeSize },
                deadline: hub.Deadline, cancellationToken: cancellation);
            var signed = LogProofs.Verify(checkpoint, pinned);
            checks.Add(("signed checkpoint", signed.Valid && root is not null && signed.RootHash.AsSpan().SequenceEqual(root),
                signed.Valid ? $"the hub signed root {Convert.ToHexStringLower(signed.RootHash)} for {signed.TreeSize} entries at {signed.Timestamp:yyyy-MM-dd HH:mm:ss}Z" : signed.Problem));

            var proven = checks.All(c => c.Passed);
            if (run.Output.Json)
                run.Output.Object(new
                {
                    position = proof.Position, treeSize = proof.TreeSize, proven, keyPinned = pinned is not null,
                    checks = checks.Select(c => new { check = c.Check, passed = c.Passed, detail = c.Detail }),
                    leaf = Encoding.UTF8.GetString(leaf),
                });
            else
            {
                var table = Output.Table("check", "result", "detail");
                foreach (var (check, passed, detail) in checks) table.AddRow(Output.Cell(check), Output.Cell(passed ? "ok" : "FAILED"), Output.Cell(detail));
                run.Output.Render(table.Title($"log position {proof.Position} in the tree of {proof.TreeSize} entries"));
                run.Output.Line(proven ? "Proven: the entry is in the signed log." : "NOT proven: see the failed checks.");
                if (pinned is null) run.Output.Note("The checkpoint key was not pinned (--trust-key): this proves consistency with the key the hub sent.");
            }
            return proven ? ExitCodes.Ok : ExitCodes.Negative;
        });
        return command;
    }
}
