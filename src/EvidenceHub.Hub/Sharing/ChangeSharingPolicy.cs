using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Marten;
using SharingPolicy = EvidenceHub.Hub.Cases.SharingPolicy;
using Tlp = EvidenceHub.Hub.Cases.Tlp;
using HandlingCode = EvidenceHub.Hub.Cases.HandlingCode;

namespace EvidenceHub.Hub.Sharing;

/// The owner changes its case's sharing policy, with a reason. Narrowing reaches every unit and partner that learned
/// more than the new policy allows it (through a correlation notice, a lookup or a network answer): each is told once
/// what it may no longer use, of the case only as it learned it. Widening tells each owner of a correlated case that
/// may now see the correlation, and was not told of it, once. Both are decided here with the one disclosure rule,
/// per recipient, under the old policy and the new.
public sealed record ChangeSharingPolicy(SharingPolicy Policy, string Reason, IReadOnlySet<string> Auditors, CorrelationOptions Correlation) : SealsCaseText
{
    /// Who has learned what of the case, read before deciding (Prepared).
    public CaseAudience Audience { get; init; } = CaseAudience.Nobody;

    public static ChangeSharingPolicy From(ChangeSharingPolicyRequest request, Caller caller, CaseTarget target, UnitRegistry units, CorrelationOptions correlation)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var policy = OpenCase.SharingPolicyOf(request.SharingPolicy, units);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        // Auditors see every case on their surfaces: a change of policy takes nothing from them.
        var auditors = units.All.Where(u => u.Roles.Contains(Roles.Auditor)).Select(u => u.Id).ToHashSet();
        return new ChangeSharingPolicy(policy, reason, auditors, correlation)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override bool ReadsBeforeDeciding => true;

    /// Reads the audience only for the owner of an open case: any other caller is refused without it.
    public override async Task<Command> Prepared(IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation) =>
        state.OwnerUnit == Caller.UnitId && state.Status == Cases.CaseStatus.Open
            ? this with { Audience = await CaseAudience.Load(session, state, Correlation, cancellation) }
            : this;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var old = current.SharingPolicy;
        var oldRestrictions = SharingPolicyText.Open(old.HandlingRestrictions, keys);
        var restrictions = SharingPolicyText.Open(Policy.HandlingRestrictions, keys);
        if (Same(old, oldRestrictions, Policy, restrictions)) return new([], new CommandResult());

        // The restrictions are free text about the case too: sealed under its case subject, in every copy.
        var policy = SharingPolicyText.Sealing(Policy, current, keys);
        var before = CaseParty.Of(current);
        var after = before with
        {
            Tlp = policy.Tlp, HandlingCode = policy.HandlingCode, HandlingRestrictions = policy.HandlingRestrictions, PartnerUnits = policy.PartnerUnits,
        };
        var handoff = current.PendingHandoffAt(now) is { } pending ? new PendingHandoff(pending.HandoffId, pending.TargetUnit, pending.ExpiresAt) : null;
        DisclosureLevel Level(CaseParty party, string unit) => CaseDisclosure.Of(party, new Recipient(unit), handoff, now);

        var narrowed = Audience.Disclosures
            .Where(t => t.Unit != current.OwnerUnit && !Auditors.Contains(t.Unit))
            .GroupBy(t => t.Unit)
            .Select(told => Narrowing(told.Key, told.ToList(), Level(before, told.Key), Level(after, told.Key), current, old, policy,
                restrictions != oldRestrictions))
            .OfType<SharingNarrowed>()
            .OrderBy(n => n.Unit, StringComparer.Ordinal)
            .ToList();
        var widened = Audience.Correlations
            .Where(c => c.Other.Unit != current.OwnerUnit && !Auditors.Contains(c.Other.Unit))
            .Where(c => Level(before, c.Other.Unit) == DisclosureLevel.None && Level(after, c.Other.Unit) != DisclosureLevel.None)
            .Where(c => !Audience.Disclosures.Any(t => t.Unit == c.Other.Unit && t.TheirCase == c.Other.CaseId && t.Keys.Contains(c.Key) && t.Level != DisclosureLevel.None))
            .Select(c => new CorrelationWidened(c.Key, c.Kind, c.Other.Unit, c.Other.CaseId, c.Other.Reference, after)
                { Grading = c.Grading })
            .OrderBy(w => w.Unit, StringComparer.Ordinal).ThenBy(w => w.Key, StringComparer.Ordinal)
            .ToList();

        // The reason is free text about the case: sealed under its case subject, in the notices too (the feed opens it
        // when it delivers them), and named in the access record only by where it is kept.
        var reason = CaseText.Seal(current, keys, nameof(SharingPolicyChanged.Reason), Reason);
        List<object> events = [new SharingPolicyChanged(current.Id, old, policy, reason)];
        if (narrowed.Count + widened.Count > 0) events.Add(new SharingNoticesSent(current.Id, reason, narrowed, widened));
        return new(events, new CommandResult())
        {
            Record = new AccessNote(SealedReasonNote, $"change the sharing policy of case {current.Id} from {Describe(old)} to {Describe(Policy)}", Told(narrowed, widened)),
        };
    }

    /// The recipient's notice, if the new policy leaves it less than it may use now: what it learned, as far as the
    /// old policy still allowed it (a case it was already told to forget, or never saw, is never named again). Also
    /// when it may still see the case but under stricter terms (a higher TLP or handling code, other restrictions).
    /// policy: the new one, its restrictions sealed.
    private static SharingNarrowed? Narrowing(string unit, IReadOnlyList<CaseAudience.Told> told, DisclosureLevel before, DisclosureLevel after,
        CaseFile current, SharingPolicy old, SharingPolicy policy, bool otherRestrictions)
    {
        var mayUse = (DisclosureLevel)Math.Min((int)told.Max(t => t.Level), (int)before);
        if (mayUse == DisclosureLevel.None) return null;
        var stricter = after != DisclosureLevel.None && (policy.Tlp > old.Tlp || policy.HandlingCode > old.HandlingCode
            || (policy.HandlingCode == HandlingCode.H3 && otherRestrictions));
        if (after >= mayUse && !stricter) return null;
        // The owner it may still contact, or else the one it was told of.
        var owner = after != DisclosureLevel.None || told.Any(t => t.OwnerUnit == current.OwnerUnit) ? current.OwnerUnit : told[^1].OwnerUnit;
        var visible = after != DisclosureLevel.None;
        return new SharingNarrowed(unit, owner, current.Reference,
            told.SelectMany(t => t.Keys).Distinct().Order(StringComparer.Ordinal).ToArray(),
            told.Select(t => t.TheirCase).OfType<Guid>().Distinct().Order().ToArray(),
            after, visible ? policy.Tlp : default, visible ? policy.HandlingCode : default, visible ? policy.HandlingRestrictions : null,
            AskedByValue(told));
    }

    /// The identifiers the recipient itself asked about by value: its notice names them so (FeedIdentifierNames), a
    /// partner holding no case of its own to read its key from.
    private static IReadOnlyList<string>? AskedByValue(IReadOnlyList<CaseAudience.Told> told) =>
        told.Where(t => t.AskedByValue).SelectMany(t => t.Keys).Distinct().Order(StringComparer.Ordinal).ToArray() is { Length: > 0 } keys ? keys : null;

    public const string SealedReasonNote = "the owner's reason, kept sealed in the case's history";

    private static bool Same(SharingPolicy a, string aRestrictions, SharingPolicy b, string bRestrictions) =>
        a.Tlp == b.Tlp && a.HandlingCode == b.HandlingCode && aRestrictions == bRestrictions
        && a.PartnerUnits.ToHashSet().SetEquals(b.PartnerUnits);

    // The access log is never erased: it says that there are restrictions, never what they say.
    private static string Describe(SharingPolicy policy) =>
        $"TLP:{policy.Tlp} {policy.HandlingCode}{(policy.HandlingRestrictions is not null ? " (restrictions kept sealed in the case's history)" : "")}" +
        $" partners [{string.Join(", ", policy.PartnerUnits.Order(StringComparer.Ordinal))}]";

    /// For auditors: every recipient by name (LED Art. 25 asks for the recipients of a disclosure).
    private static string Told(IReadOnlyList<SharingNarrowed> narrowed, IReadOnlyList<CorrelationWidened> widened) =>
        (narrowed.Count == 0 ? "no narrowing notices" : $"narrowing notices to {string.Join(", ", narrowed.Select(n => $"{n.Unit} (still sees {n.StillVisible})"))}")
        + "; " + (widened.Count == 0 ? "no correlations told after widening"
            : $"correlations told after widening to {string.Join(", ", widened.Select(w => $"{w.Unit} (case {w.TheirCaseReference}, {w.Key})"))}");
}
