using System.CommandLine;
using System.Globalization;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub feed`: what the hub has for your unit (correlations, retractions, handoffs). Remembers the last
/// position in a state file, so each run shows only what is new; --follow keeps the stream open like `tail -f`.
public static class FeedCommand
{
    public static Command Build(CliApp app)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep following new items until interrupted (Ctrl+C), reconnecting if the hub goes away" };
        var from = new Option<long?>("--from") { Description = "Start after this position instead of the remembered one (0: from the beginning)" };
        var state = new Option<string?>("--state") { Description = "The file that remembers the last position (default ~/.local/state/evidencehub/feed-<unit>.position)" };
        var noState = new Option<bool>("--no-state") { Description = "Neither read nor write the state file" };
        var command = new Command("feed", "Show your unit's feed: correlations with other units' cases, retractions, handoff requests and answers")
            { follow, from, state, noState };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var statePath = run.Get(noState) ? null : run.Get(state) ?? Path.Combine(Terminal.StateDirectory(run.Terminal), $"feed-{hub.Unit}.position");
            var after = run.Get(from) ?? (statePath is not null ? ReadPosition(statePath) : 0);
            if (after < 0) throw new UsageException("--from: a position is 0 or more");
            var following = run.Get(follow);
            var shown = 0;
            var retry = TimeSpan.FromSeconds(1);
            while (true)
            {
                try
                {
                    using var call = hub.Feed.Subscribe(new SubscribeRequest { AfterPosition = after, StopAtEnd = !following },
                        deadline: following ? null : hub.Deadline, cancellationToken: cancellation);
                    await foreach (var item in call.ResponseStream.ReadAllAsync(cancellation))
                    {
                        if (run.Output.Json) run.Output.Message(item);
                        else run.Output.Line(Describe(item));
                        after = item.Position;
                        shown++;
                        if (statePath is not null) WritePosition(statePath, after);
                        retry = TimeSpan.FromSeconds(1);
                    }
                    break;
                }
                catch (RpcException e) when (following && e.StatusCode == StatusCode.Unavailable && !cancellation.IsCancellationRequested)
                {
                    run.Output.Note($"evidencehub: the feed connection was lost ({e.Status.Detail}); reconnecting after position {after} in {retry.TotalSeconds:0}s");
                    try { await Task.Delay(retry, cancellation); } catch (OperationCanceledException) { break; }
                    retry = TimeSpan.FromSeconds(Math.Min(retry.TotalSeconds * 2, 30));
                }
                catch (Exception e) when (following && cancellation.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
                {
                    // Ctrl+C ends a follow normally: the position is saved.
                    break;
                }
            }
            if (!run.Output.Json && !following)
                run.Output.Note(shown == 0 ? $"Nothing new for {hub.Unit} after position {after}." : $"{shown} item(s); last position {after}" + (statePath is null ? "." : $", remembered in {statePath}."));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static string Describe(FeedItem item)
    {
        var head = $"#{item.Position} {Output.Time(item.At)}";
        return item.ItemCase switch
        {
            FeedItem.ItemOneofCase.Correlation => $"{head} CORRELATION {item.Correlation.IdentifierKey}: your case {item.Correlation.YourCaseReference} ({item.Correlation.YourCaseId}) " +
                                                  $"shares it with {Other(item.Correlation.OtherCase)}" + (item.Correlation.AfterWidening ? " (told after its owner widened its sharing)" : ""),
            FeedItem.ItemOneofCase.SharingNarrowed => $"{head} SHARING NARROWED {item.SharingNarrowed.OwnerUnit} case {item.SharingNarrowed.CaseReference} " +
                                                      $"({string.Join(", ", item.SharingNarrowed.IdentifierKeys)}): " +
                                                      (item.SharingNarrowed.StillVisible == RemainingDisclosure.None
                                                          ? "you may no longer use anything you learned of it"
                                                          : $"you may still see it ({item.SharingNarrowed.StillVisible.ToString().ToLowerInvariant()}), now {Vocabulary.Word(item.SharingNarrowed.Tlp)} {Vocabulary.Word(item.SharingNarrowed.HandlingCode)}") +
                                                      $" (\"{item.SharingNarrowed.Reason}\")",
            FeedItem.ItemOneofCase.Retraction => $"{head} RETRACTION {item.Retraction.IdentifierKey}: {item.Retraction.RetractingUnit} case {item.Retraction.RetractingCaseReference} " +
                                                 $"withdrew it ({item.Retraction.Reason}); it concerned your case {item.Retraction.YourCaseId}",
            FeedItem.ItemOneofCase.Handoff => $"{head} HANDOFF {Vocabulary.Word(item.Handoff.Status).ToUpperInvariant()} case {item.Handoff.CaseReference} ({item.Handoff.CaseId}): " +
                                              $"{item.Handoff.FromUnit} → {item.Handoff.TargetUnit}" + (item.Handoff.Reason.Length > 0 ? $", \"{item.Handoff.Reason}\"" : "") +
                                              (item.Handoff.Status == HandoffStatus.Requested ? $"; handoff id {item.Handoff.HandoffId}" : ""),
            FeedItem.ItemOneofCase.Review => $"{head} REVIEW {(item.Review.Overdue ? "OVERDUE" : "DUE")} case {item.Review.CaseReference} ({item.Review.CaseId}): " +
                                             $"review due {Output.Time(item.Review.ReviewDueAt)}" + (item.Review.Action.Length > 0 ? $"; the hub applied: {item.Review.Action}" : "") +
                                             (item.Review.Overdue ? "" : $"; review with `evidencehub cases review {item.Review.CaseId} --note …`"),
            FeedItem.ItemOneofCase.HandoffEscalation => $"{head} HANDOFF ESCALATED (level {item.HandoffEscalation.EscalationLevel}) case {item.HandoffEscalation.CaseReference} " +
                                                        $"({item.HandoffEscalation.CaseId}) from {item.HandoffEscalation.FromUnit}: \"{item.HandoffEscalation.Note}\"; answer by " +
                                                        $"{Output.Time(item.HandoffEscalation.ExpiresAt)}; handoff id {item.HandoffEscalation.HandoffId}",
            FeedItem.ItemOneofCase.CoLead => $"{head} CO-LEAD {item.CoLead.Change.ToString().ToUpperInvariant()} case {item.CoLead.CaseReference} ({item.CoLead.CaseId}): " +
                                             $"{item.CoLead.CoLeadUnit}, by {item.CoLead.ByUnit}" + (item.CoLead.Reason.Length > 0 ? $", \"{item.CoLead.Reason}\"" : "") +
                                             (item.CoLead.Change == CoLeadChange.Invited ? $"; answer with `evidencehub cases join accept {item.CoLead.CaseId}` (or decline)" : ""),
            FeedItem.ItemOneofCase.Restriction => $"{head} {(item.Restriction.Lifted ? "RESTRICTION LIFTED" : "RESTRICTED")} {item.Restriction.OwnerUnit} case {item.Restriction.CaseReference}" +
                                                  (item.Restriction.WholeCase ? " (the whole case)" : $" ({string.Join(", ", item.Restriction.IdentifierKeys)})") +
                                                  (item.Restriction.Lifted ? ": you may use it again" : ": kept as evidence only, you may no longer use it") +
                                                  (item.Restriction.YourCaseIds.Count > 0 ? $"; it concerned your cases {string.Join(", ", item.Restriction.YourCaseIds)}" : ""),
            FeedItem.ItemOneofCase.Regrading => $"{head} REGRADED {item.Regrading.IdentifierKey}: {item.Regrading.RegradingUnit} case {item.Regrading.RegradingCaseReference} " +
                                                $"now grades it {Vocabulary.Word(item.Regrading.Grading)} (\"{item.Regrading.Reason}\"); it concerned your case {item.Regrading.YourCaseId}",
            FeedItem.ItemOneofCase.Erasure => $"{head} ERASED {item.Erasure.IdentifierKey}: {item.Erasure.ErasingUnit} case {item.Erasure.ErasingCaseReference} " +
                                               $"erased it (LED Art. 16); what you were told of that case's holding may no longer be used; it concerned your case {item.Erasure.YourCaseId}",
            FeedItem.ItemOneofCase.Correction => $"{head} CORRECTED {item.Correction.IdentifierKey}: {item.Correction.CorrectingUnit} case {item.Correction.CorrectingCaseReference} " +
                                                 $"says it was wrong (\"{item.Correction.Reason}\")" +
                                                 (item.Correction.ReplacementKey.Length > 0 ? $"; the right one is {item.Correction.ReplacementKey}" : "") +
                                                 $"; it concerned your case {item.Correction.YourCaseId}",
            FeedItem.ItemOneofCase.CaseErased => $"{head} CASE ERASED {item.CaseErased.OwnerUnit} case {item.CaseErased.CaseReference} ({Vocabulary.Word(item.CaseErased.LegalBasis)})" +
                                                 (item.CaseErased.IdentifierKeys.Count > 0 ? $" ({string.Join(", ", item.CaseErased.IdentifierKeys)})" : "") +
                                                 ": erase what you learned of it" +
                                                 (item.CaseErased.YourCaseIds.Count > 0 ? $"; it concerned your cases {string.Join(", ", item.CaseErased.YourCaseIds)}" : ""),
            FeedItem.ItemOneofCase.Takedown when item.Takedown.Status == TakedownStatus.Withdrawn =>
                $"{head} TAKEDOWN WITHDRAWN {item.Takedown.RequestId} from {item.Takedown.RequestingUnit} ({item.Takedown.RequestingCountry}): \"{item.Takedown.WithdrawalReason}\"; nothing more to do",
            FeedItem.ItemOneofCase.Takedown => $"{head} TAKEDOWN REQUEST {item.Takedown.RequestId}" +
                                               (item.Takedown.Notification > 1 ? $" (notice {item.Takedown.Notification}, {TakedownCommand.Word(item.Takedown.Status)})" : "") +
                                               $" from {item.Takedown.RequestingUnit} ({item.Takedown.RequestingCountry}): {item.Takedown.Material.Count} media record(s)" +
                                               (item.Takedown.Locations.Count > 0 ? $" at {string.Join(" ", item.Takedown.Locations)}" : "") +
                                               (item.Takedown.Note.Length > 0 ? $", \"{item.Takedown.Note}\"" : "") +
                                               $"; see `evidencehub takedown notice {item.Takedown.RequestId}`, answer with `evidencehub takedown ack|removed|refuse {item.Takedown.RequestId}`",
            FeedItem.ItemOneofCase.TakedownAnswer => $"{head} TAKEDOWN {TakedownCommand.Word(item.TakedownAnswer.Status).ToUpperInvariant()} by {item.TakedownAnswer.Provider}: request " +
                                                     $"{item.TakedownAnswer.RequestId} for your case {item.TakedownAnswer.CaseReference} ({item.TakedownAnswer.CaseId})" +
                                                     (item.TakedownAnswer.Answer.Length > 0 ? $", \"{item.TakedownAnswer.Answer}\"" : ""),
            FeedItem.ItemOneofCase.TakedownWithdrawn => $"{head} TAKEDOWN WITHDRAWN BY THE HUB: request {item.TakedownWithdrawn.RequestId} to {item.TakedownWithdrawn.Provider} " +
                                                        $"for your case {item.TakedownWithdrawn.CaseReference}" +
                                                        (item.TakedownWithdrawn.CaseId.Length > 0 ? $" ({item.TakedownWithdrawn.CaseId})" : "") + $": {item.TakedownWithdrawn.Reason}",
            _ => $"{head} (an item this client does not know)",
        };
    }

    private static string Other(Disclosure d) =>
        $"{d.OwnerUnit} ({d.OwnerCountry}) case {d.CaseReference} [{Vocabulary.Word(d.Tlp)} {Vocabulary.Word(d.HandlingCode)}]" +
        // Victim counts only when the hub sent them (feed notices carry whom to contact, not the other case's summary).
        (d.VictimCount == 0 ? "" : $", {d.VictimCount} victim(s) in {string.Join(" ", d.VictimCountries)}");

    public static long ReadPosition(string path)
    {
        if (!File.Exists(path)) return 0;
        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw new UsageException($"the feed state file {path} holds '{text}', not a position; fix it, or pass --from");
    }

    /// Written beside and renamed over, so an interruption never leaves half a number.
    public static void WritePosition(string path, long position)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, position.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
