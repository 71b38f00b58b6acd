using System.CommandLine;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub cases ...`: every CaseService command, one call each, as the calling unit.
public static class CaseCommands
{
    public static Command Build(CliApp app)
    {
        var cases = new Command("cases", "Open and change your unit's cases, and read a case");
        cases.Add(Open(app));
        cases.Add(Show(app));
        cases.Add(AddIdentifier(app));
        cases.Add(LinkVictim(app));
        cases.Add(RequestHandoff(app));
        cases.Add(AnswerHandoff(app, accept: true));
        cases.Add(AnswerHandoff(app, accept: false));
        cases.Add(RetractIdentifier(app));
        cases.Add(Close(app));
        cases.Add(NotToCorrelate(app));
        cases.Add(Restrict(app));
        cases.Add(Review(app));
        cases.Add(EscalateHandoff(app));
        cases.Add(ChangePolicy(app));
        cases.Add(Grade(app));
        cases.Add(Correct(app));
        cases.Add(JoinCommands.Build(app));
        cases.Add(Erase(app));
        return cases;
    }

    private static Command Open(CliApp app)
    {
        var reference = new Option<string>("--reference", "-r") { Description = "The case's reference in your own system (unique per unit)", Required = true };
        var offence = new Option<string>("--offence") { Description = "Offence type: " + Vocabulary.OneOf(Vocabulary.OffenceWords), Required = true };
        var tlp = new Option<string>("--tlp") { Description = "Sharing: TLP 2.0, " + Vocabulary.OneOf(Vocabulary.TlpWords), Required = true };
        var handling = new Option<string>("--handling") { Description = "Handling code: " + Vocabulary.OneOf(Vocabulary.HandlingWords), DefaultValueFactory = _ => "h0" };
        var restrictions = new Option<string?>("--restrictions") { Description = "H3: the restrictions, in words" };
        var partners = new Option<string[]>("--partner") { Description = "A unit or partner that may learn whom to contact about an AMBER case (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var caseId = new Option<string?>("--case-id") { Description = "The case id to use, a random UUID version 4 (default: the hub assigns one; later commands can name the case by its reference)" };
        var commandId = Common.CommandIdOption();
        var command = new Command("open", "Open a case owned by your unit") { reference, offence, tlp, handling, restrictions, partners, caseId, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new OpenCaseRequest
            {
                Reference = run.Get(reference)!,
                OffenceType = Vocabulary.Required(Vocabulary.ParseOffence(run.Get(offence)), "--offence", run.Get(offence)!, Vocabulary.OffenceWords),
                SharingPolicy = Policy(run.Get(tlp)!, run.Get(handling)!, run.Get(restrictions), run.Get(partners) ?? []),
            };
            using var hub = run.Connect();
            request.CaseId = run.Get(caseId) ?? "";
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.OpenCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Opened case {result.CaseId} for {hub.Unit} (reference {request.Reference}, {Vocabulary.Word(request.SharingPolicy.Tlp)}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static SharingPolicy Policy(string tlp, string handling, string? restrictions, IEnumerable<string> partners)
    {
        var policy = new SharingPolicy
        {
            Tlp = Vocabulary.Required(Vocabulary.ParseTlp(tlp), "--tlp", tlp, Vocabulary.TlpWords),
            HandlingCode = Vocabulary.Required(Vocabulary.ParseHandling(handling), "--handling", handling, Vocabulary.HandlingWords),
            HandlingRestrictions = restrictions ?? "",
        };
        policy.PartnerUnits.AddRange(partners.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return policy;
    }

    private static Command Show(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var why = Common.Why();
        var command = new Command("show", "Show a case: identifiers, victim links (owner and auditors only) and handoffs") { caseArgument, why };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new GetCaseRequest { Justification = Common.Justification(run.Get(why)!) };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            var file = await hub.Cases.GetCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            // The hub answers in pages: the whole case is shown.
            for (var page = file; page.NextPageToken != "";)
            {
                request.PageToken = page.NextPageToken;
                page = await hub.Cases.GetCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                file.Identifiers.AddRange(page.Identifiers);
                file.VictimLinks.AddRange(page.VictimLinks);
            }
            CaseView.Render(run.Output, file);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AddIdentifier(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var gradingOption = GradingOption();
        var command = new Command("add-identifier", "Add a suspect identifier to a case; prints its canonical key and any new correlations")
            { caseArgument, kind, value, platform, observedAt, key, expected, commandId, gradingOption };
        app.Handle(command, async (run, cancellation) =>
        {
            var identifier = Common.Identifier(run, kind, value, platform, observedAt, key);
            using var hub = run.Connect();
            var request = new AddSuspectIdentifierRequest { Identifier = identifier, Grading = Vocabulary.ParseGrading(run.Get(gradingOption)) };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.AddSuspectIdentifierAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            var correlated = result.Correlations switch
            {
                0 => "no other case holds it yet",
                1 => "correlated with 1 other case: see `evidencehub feed`",
                var n => $"correlated with {n} other cases: see `evidencehub feed`",
            };
            Report(run, result, $"Added {result.Identifier?.Key} to case {result.CaseId} (version {result.Version}); " + correlated
                + (result.Common ? "; it is flagged common (held by so many cases that it no longer correlates)" : "") + ".");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command LinkVictim(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var victim = new Option<string>("--victim") { Description = "The victim's pseudonymous reference in your system (never a name)", Required = true };
        var ageBand = new Option<string>("--age-band") { Description = "Age band: " + Vocabulary.OneOf(Vocabulary.AgeBandWords), Required = true };
        var country = new Option<string>("--country") { Description = "The victim's country (ISO 3166-1 alpha-2, e.g. NL)", Required = true };
        var firstContact = new Option<string?>("--first-contact") { Description = "Date of first contact (YYYY-MM-DD)" };
        var contactedBy = new Option<string?>("--contacted-by") { Description = "The key of the case's identifier that made contact, e.g. account:snapchat:some_handle" };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var gradingOption = GradingOption();
        var command = new Command("link-victim", "Link a victim (pseudonymous reference, age band, country) to a case")
            { caseArgument, victim, ageBand, country, firstContact, contactedBy, expected, commandId, gradingOption };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new LinkVictimRequest
            {
                VictimReference = run.Get(victim)!,
                AgeBand = Vocabulary.Required(Vocabulary.ParseAgeBand(run.Get(ageBand)), "--age-band", run.Get(ageBand)!, Vocabulary.AgeBandWords),
                Country = run.Get(country)!,
                FirstContactDate = Common.Date(run.Get(firstContact), "--first-contact"),
                ContactedBy = run.Get(contactedBy) ?? "",
                Grading = Vocabulary.ParseGrading(run.Get(gradingOption)),
            };
            using var hub = run.Connect();
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.LinkVictimAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Linked victim {request.VictimReference} to case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RequestHandoff(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var target = new Option<string>("--to") { Description = "The unit asked to take the case over", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (e.g. the suspect lives in their country)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("request-handoff", "Ask another unit to take over the lead of a case") { caseArgument, target, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new RequestHandoffRequest { TargetUnit = run.Get(target)!, Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.RequestHandoffAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Requested handoff {result.HandoffId} of case {result.CaseId} to {request.TargetUnit}; they answer with " +
                                $"`evidencehub cases accept-handoff {result.CaseId} {result.HandoffId}`.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AnswerHandoff(CliApp app, bool accept)
    {
        var caseArgument = Common.CaseArgument();
        var handoff = new Argument<string>("handoff") { Description = "The handoff id (from the request, or your feed)" };
        var reason = new Option<string>("--reason") { Description = "Why you decline", Required = !accept };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = accept
            ? new Command("accept-handoff", "Accept a handoff addressed to your unit: you become the lead") { caseArgument, handoff, expected, commandId }
            : new Command("decline-handoff", "Decline a handoff addressed to your unit") { caseArgument, handoff, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var (caseId, caseReference) = Common.Case(run.Get(caseArgument));
            CommandResult result;
            if (accept)
            {
                var request = new AcceptHandoffRequest { CaseId = caseId, CaseReference = caseReference, HandoffId = run.Get(handoff) };
                if (run.Get(expected) is { } version) request.ExpectedVersion = version;
                request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
                result = await hub.Cases.AcceptHandoffAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            }
            else
            {
                var request = new DeclineHandoffRequest { CaseId = caseId, CaseReference = caseReference, HandoffId = run.Get(handoff), Reason = run.Get(reason)! };
                if (run.Get(expected) is { } version) request.ExpectedVersion = version;
                request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
                result = await hub.Cases.DeclineHandoffAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            }
            Report(run, result, accept
                ? $"Accepted handoff {run.Get(handoff)}: {hub.Unit} now leads case {result.CaseId} (version {result.Version})."
                : $"Declined handoff {run.Get(handoff)} of case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RetractIdentifier(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var key = new Argument<string>("key") { Description = "The identifier's key, as `cases show` prints it" };
        var reason = new Option<string>("--reason") { Description = "Why it was wrong (told to every unit that learnt of it)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("retract-identifier", "Withdraw an identifier added by mistake; units told of a correlation on it are told of the retraction")
            { caseArgument, key, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new RetractSuspectIdentifierRequest { IdentifierKey = run.Get(key), Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.RetractSuspectIdentifierAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Retracted {request.IdentifierKey} from case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Close(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var reason = new Option<string>("--reason") { Description = "Why the case is closed", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("close", "Close a case; a closed case takes no more changes") { caseArgument, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new CloseCaseRequest { Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.CloseCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Closed case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command NotToCorrelate(CliApp app)
    {
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var reason = new Option<string>("--reason") { Description = "Why the value means nothing for correlation (a decoy, a police number, a support address)", Required = true };
        var commandId = Common.CommandIdOption();
        var command = new Command("not-to-correlate", "Mark a value your unit knows to be meaningless: your cases no longer correlate on it")
            { kind, value, platform, observedAt, key, reason, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new MarkNotToCorrelateRequest { Identifier = Common.Identifier(run, kind, value, platform, observedAt, key), Reason = run.Get(reason)! };
            using var hub = run.Connect();
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.MarkNotToCorrelateAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            if (run.Output.Json) run.Output.Message(result);
            // The hub keeps the mark by the identifier's pseudonym, never by value.
            else run.Output.Line($"{hub.Unit} no longer correlates on {run.Get(key) ?? run.Get(value)} (pseudonym {result.IdentifierKey}){(result.Replayed ? " (already marked: replayed)" : "")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// restrict CASE [--identifier KEY | --victim-link ID] --reason … [--legal-basis …] [--lift]
    private static Command Restrict(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var identifier = new Option<string>("--identifier") { Description = "Restrict one identifier of the case, by its key (e.g. email:a@b.nl)" };
        var victimLink = new Option<string>("--victim-link") { Description = "Restrict one victim link of the case, by its id" };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var legalBasis = new Option<string>("--legal-basis") { Description = "The legal basis of a restriction (required unless --lift), e.g. \"LED Art. 16(3)(a)\"" };
        var lift = new Option<bool>("--lift") { Description = "Lift the restriction instead: the data matches again, and correlations missed meanwhile are found" };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("restrict", "Restrict a case, one identifier or one victim link (LED Art. 16(3)): kept as evidence, no longer matched or disclosed")
            { caseArgument, identifier, victimLink, reason, legalBasis, lift, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var (key, link) = (run.Get(identifier), run.Get(victimLink));
            if (key is not null && link is not null) throw new UsageException("Give at most one of --identifier and --victim-link.");
            using var hub = run.Connect();
            var (caseId, caseReference) = Common.Case(run.Get(caseArgument));
            run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var what = key is not null ? $"identifier {key}" : link is not null ? $"victim link {link}" : "the whole case";
            CommandResult result;
            if (run.Get(lift))
            {
                var request = new LiftRestrictionRequest { CommandId = run.CommandId, CaseId = caseId, CaseReference = caseReference, Reason = run.Get(reason)! };
                if (key is not null) request.IdentifierKey = key; else if (link is not null) request.VictimLinkId = link; else request.WholeCase = true;
                if (run.Get(expected) is { } version) request.ExpectedVersion = version;
                result = await hub.Cases.LiftRestrictionAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                Report(run, result, $"Lifted the restriction of {what} in case {result.CaseId} (version {result.Version}); {result.Correlations} correlations found again.");
            }
            else
            {
                var request = new RestrictDataRequest { CommandId = run.CommandId, CaseId = caseId, CaseReference = caseReference, Reason = run.Get(reason)!, LegalBasis = run.Get(legalBasis) ?? "" };
                if (key is not null) request.IdentifierKey = key; else if (link is not null) request.VictimLinkId = link; else request.WholeCase = true;
                if (run.Get(expected) is { } version) request.ExpectedVersion = version;
                result = await hub.Cases.RestrictDataAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                Report(run, result, $"Restricted {what} in case {result.CaseId} (version {result.Version}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Review(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var note = new Option<string>("--note") { Description = "What the review found: why the data is still needed", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("review", "Review a case you own (retention review): its next review falls three years (Retention:ReviewAfter) from now")
            { caseArgument, note, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new ReviewCaseRequest { Note = run.Get(note)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.ReviewCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Reviewed case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command EscalateHandoff(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var handoff = new Argument<string>("handoff") { Description = "The expired handoff's id (from the request, or your feed)" };
        var note = new Option<string>("--note") { Description = "Told to the target with the escalation", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("escalate-handoff", "Ask again, one escalation level higher, after your handoff request expired unanswered")
            { caseArgument, handoff, note, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new EscalateHandoffRequest { HandoffId = run.Get(handoff), Note = run.Get(note)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.EscalateHandoffAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Escalated handoff {result.HandoffId} of case {result.CaseId}: the target is asked again (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ChangePolicy(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var tlp = new Option<string>("--tlp") { Description = "The new TLP 2.0 level: " + Vocabulary.OneOf(Vocabulary.TlpWords), Required = true };
        var handling = new Option<string>("--handling") { Description = "Handling code: " + Vocabulary.OneOf(Vocabulary.HandlingWords), DefaultValueFactory = _ => "h0" };
        var restrictions = new Option<string?>("--restrictions") { Description = "H3: the restrictions, in words" };
        var partners = new Option<string[]>("--partner") { Description = "A unit or partner that may learn whom to contact about an AMBER case (repeat for more; the whole new list)", AllowMultipleArgumentsPerToken = false };
        var reason = new Option<string>("--reason") { Description = "Why (told to every unit and partner that may no longer use what it learned)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("policy", "Change a case's sharing policy: units and partners that learned more than it now allows are told, and units that may now see a correlation are told of it")
            { caseArgument, tlp, handling, restrictions, partners, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new ChangeSharingPolicyRequest
            {
                SharingPolicy = Policy(run.Get(tlp)!, run.Get(handling)!, run.Get(restrictions), run.Get(partners) ?? []), Reason = run.Get(reason)!,
            };
            using var hub = run.Connect();
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.ChangeSharingPolicyAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Case {result.CaseId} is now shared {Vocabulary.Word(request.SharingPolicy.Tlp)} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// erase CASE (--victim-link ID | --identifier KEY | --whole-case) --basis … --reason …
    private static Command Erase(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var link = new Option<string>("--victim-link") { Description = "The victim link to erase (its id, as GetCase shows it)" };
        var identifier = new Option<string>("--identifier") { Description = "The identifier to erase from the case, by its key (e.g. phone:+31612345678) or pseudonym" };
        var wholeCase = new Option<bool>("--whole-case")
        {
            Description = "Erase the whole case instead: its texts, victim references and identifier values can never be read again, and it takes no more commands",
        };
        var reason = new Option<string>("--reason") { Description = "Why, for auditors (never personal data: it stays readable)", Required = true };
        var basis = new Option<string>("--basis") { Description = "Legal basis: " + Vocabulary.OneOf(Vocabulary.ErasureBasisWords), Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("erase",
                "Erase a victim link (--victim-link), an identifier (--identifier) or the whole case (--whole-case) for good (LED Art. 16): what it held can never be read again; the audit log still verifies")
            { caseArgument, link, identifier, wholeCase, reason, basis, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var (linkId, key, whole) = (run.Get(link), run.Get(identifier), run.Get(wholeCase));
            if (new[] { linkId is not null, key is not null, whole }.Count(given => given) != 1)
                throw new UsageException("say what to erase: exactly one of --victim-link ID, --identifier KEY and --whole-case");
            using var hub = run.Connect();
            var basisText = run.Get(basis)!;
            var legalBasis = Vocabulary.Required(Vocabulary.ParseErasureBasis(basisText), "--basis", basisText, Vocabulary.ErasureBasisWords);
            var (caseId, caseReference) = Common.Case(run.Get(caseArgument));
            run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            if (whole)
            {
                var eraseCase = new EraseCaseRequest { CommandId = run.CommandId, CaseId = caseId, CaseReference = caseReference, Reason = run.Get(reason)!, LegalBasis = legalBasis };
                if (run.Get(expected) is { } caseVersion) eraseCase.ExpectedVersion = caseVersion;
                var erasedCase = await hub.Cases.EraseCaseAsync(eraseCase, deadline: hub.Deadline, cancellationToken: cancellation);
                Report(run, erasedCase, $"Erased case {erasedCase.CaseId} (version {erasedCase.Version}): its keys are destroyed.");
                return ExitCodes.Ok;
            }
            if (key is not null)
            {
                var erase = new EraseSuspectIdentifierRequest
                {
                    CommandId = run.CommandId, CaseId = caseId, CaseReference = caseReference, IdentifierKey = key, Reason = run.Get(reason)!, LegalBasis = legalBasis,
                };
                if (run.Get(expected) is { } identifierVersion) erase.ExpectedVersion = identifierVersion;
                var erased = await hub.Cases.EraseSuspectIdentifierAsync(erase, deadline: hub.Deadline, cancellationToken: cancellation);
                Report(run, erased, $"Erased identifier {key} from case {erased.CaseId} (version {erased.Version}); the units told of its correlations get a notice.");
                return ExitCodes.Ok;
            }
            var request = new EraseVictimLinkRequest { CommandId = run.CommandId, CaseId = caseId, CaseReference = caseReference, VictimLinkId = linkId!, Reason = run.Get(reason)!, LegalBasis = legalBasis };
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            var result = await hub.Cases.EraseVictimLinkAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Erased victim link {result.VictimLinkId} of case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Report(Invocation run, CommandResult result, string sentence)
    {
        if (run.Output.Json) { run.Output.Message(result); return; }
        run.Output.Line(sentence + (result.Replayed ? " (replayed: this command id was already applied; nothing changed)" : ""));
    }

    private static Option<string?> GradingOption() => new("--grading")
    {
        Description = "SIENA grading: source A, B, C or X, information 1 to 4, and fact or assessment, e.g. B2-fact (default: X4-assessment, cannot be judged)",
    };

    private static Command Grade(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var identifier = new Option<string?>("--identifier") { Description = "The key of the identifier to regrade, as `cases show` prints it" };
        var victimLink = new Option<string?>("--victim-link") { Description = "The id of the victim link to regrade" };
        var grading = new Option<string>("--grading") { Description = "The new grading, e.g. A1-fact or C3-assessment", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (told to every unit told of the identifier)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("grade", "Regrade an identifier or a victim link; units told of the identifier are told of the new grading")
            { caseArgument, identifier, victimLink, grading, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new RegradeDataRequest { Grading = Vocabulary.ParseGrading(run.Get(grading)), Reason = run.Get(reason)! };
            switch (run.Get(identifier), run.Get(victimLink))
            {
                case ({ } key, null): request.IdentifierKey = key; break;
                case (null, { } link): request.VictimLinkId = link; break;
                default: throw new UsageException("name what to regrade: --identifier KEY or --victim-link ID");
            }
            using var hub = run.Connect();
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.RegradeDataAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Graded {request.IdentifierKey}{request.VictimLinkId} {Vocabulary.Word(request.Grading)} in case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// `cases correct identifier …` and `cases correct victim …` (LED Art. 16).
    private static Command Correct(CliApp app)
    {
        var correct = new Command("correct", "Correct what a case holds: a wrongly typed identifier, or a victim link's details");
        correct.Add(CorrectIdentifier(app));
        correct.Add(CorrectVictim(app));
        return correct;
    }

    private static Command CorrectIdentifier(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var wrong = new Argument<string>("key") { Description = "The wrongly typed identifier's key, as `cases show` prints it" };
        var (kind, value, platform, observedAt, key) = (Common.Kind(), Common.Value(), Common.Platform(), Common.ObservedAt(), Common.IdentifierKey());
        var reason = new Option<string>("--reason") { Description = "What was wrong (told to every unit told of the old value)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var gradingOption = GradingOption();
        var command = new Command("identifier", "Replace a wrongly typed identifier: the old one stops matching, units told of it are told of the correction")
            { caseArgument, wrong, kind, value, platform, observedAt, key, reason, expected, commandId, gradingOption };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new ReplaceSuspectIdentifierRequest
            {
                IdentifierKey = run.Get(wrong), Identifier = Common.Identifier(run, kind, value, platform, observedAt, key),
                Grading = Vocabulary.ParseGrading(run.Get(gradingOption)), Reason = run.Get(reason)!,
            };
            using var hub = run.Connect();
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.ReplaceSuspectIdentifierAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Replaced {request.IdentifierKey} by {result.Identifier?.Key} in case {result.CaseId} (version {result.Version}); "
                + $"{result.Correlations} new correlations.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CorrectVictim(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var link = new Argument<string>("victim-link") { Description = "The victim link's id" };
        var ageBand = new Option<string?>("--age-band") { Description = "Age band: " + Vocabulary.OneOf(Vocabulary.AgeBandWords) };
        var country = new Option<string?>("--country") { Description = "The victim's country (ISO 3166-1 alpha-2)" };
        var firstContact = new Option<string?>("--first-contact") { Description = "Date of first contact (YYYY-MM-DD), or 'unknown'" };
        var contactedBy = new Option<string?>("--contacted-by") { Description = "The key of the case's identifier that made contact, or 'unknown'" };
        var reason = new Option<string>("--reason") { Description = "What was wrong", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("victim", "Correct a victim link's age band, country, first contact date or contacting identifier")
            { caseArgument, link, ageBand, country, firstContact, contactedBy, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new CorrectVictimLinkRequest { VictimLinkId = run.Get(link), Country = run.Get(country) ?? "", Reason = run.Get(reason)! };
            if (run.Get(ageBand) is { } band) request.AgeBand = Vocabulary.Required(Vocabulary.ParseAgeBand(band), "--age-band", band, Vocabulary.AgeBandWords);
            if (run.Get(firstContact) is { } date)
            {
                if (date.Equals("unknown", StringComparison.OrdinalIgnoreCase)) request.ClearFirstContactDate = true;
                else request.FirstContactDate = Common.Date(date, "--first-contact");
            }
            if (run.Get(contactedBy) is { } by) request.ContactedBy = by.Equals("unknown", StringComparison.OrdinalIgnoreCase) ? "" : by;
            using var hub = run.Connect();
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.CorrectVictimLinkAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Corrected victim link {request.VictimLinkId} in case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }
}
