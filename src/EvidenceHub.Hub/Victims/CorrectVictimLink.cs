using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Victims;

/// The owner corrects a victim link's age band, country, first contact date or contacting identifier (LED Art. 16).
/// The event keeps the details before and after, so it names what it corrects. A victim link's details never leave
/// the owning unit (other units see only counts by country), so no other unit is told; the case summary's counts
/// follow a corrected country. Details that are already as stated are no change: nothing is appended.
public sealed record CorrectVictimLink(
    Guid VictimLinkId, AgeBand? AgeBand, string? Country, DateOnly? FirstContactDate, bool ClearFirstContactDate,
    string? ContactedBy, bool ContactedBySet, string Reason) : Command
{
    public static CorrectVictimLink From(CorrectVictimLinkRequest request, Caller caller, CaseTarget target, DateTimeOffset now, Erasure.IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var linkId = RequestFields.Id(request.VictimLinkId, "victim_link_id");
        AgeBand? ageBand = request.AgeBand == 0 ? null : RequestFields.Enum<AgeBand>((int)request.AgeBand, "age_band");
        var country = request.Country.Trim().Length == 0 ? null : RequestFields.Country(request.Country, "country");
        var firstContact = LinkVictim.FirstContactDateOf(request.FirstContactDate, now);
        if (firstContact is not null && request.ClearFirstContactDate)
            throw Rejection.InvalidArgument("clear_first_contact_date", "cannot be set with a first_contact_date");
        var contactedBy = request.HasContactedBy ? LinkVictim.ContactedByOf(request.ContactedBy) : null;
        if (ageBand is null && country is null && firstContact is null && !request.ClearFirstContactDate && !request.HasContactedBy)
            throw Rejection.InvalidArgument("age_band", "nothing to correct: set at least one of age_band, country, first_contact_date, clear_first_contact_date, contacted_by");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new CorrectVictimLink(linkId, ageBand, country, firstContact, request.ClearFirstContactDate, contactedBy, request.HasContactedBy, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target, Pseudonyms = pseudonyms,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    /// The match key the contacting identifier is locked and found by.
    public Erasure.IdentifierPseudonym Pseudonyms { get; init; } = null!;

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => ContactedBy is { } key ? [Pseudonyms.MatchKeyOf(key)] : [];

    /// The contacting identifier is compared opened, and a new one sealed under the link's own subject.
    public override bool ReadsSealedFields => true;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("CorrectVictimLink seals what it stores: it decides with the case's subject keys.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var victim = CaseRules.EnsureNotErased(current.Victims.FirstOrDefault(v => v.VictimLinkId == VictimLinkId)
            ?? throw Rejection.NotFound("victim link", VictimLinkId.ToString(), "victim_link_id"));
        LinkVictim.EnsureCaseHolds(current, ContactedBy, index, Pseudonyms);
        var before = new VictimDetails(victim.AgeBand, victim.Country, victim.FirstContactDate, victim.ContactedBy);
        var after = new VictimDetails(
            AgeBand ?? before.AgeBand,
            Country ?? before.Country,
            ClearFirstContactDate ? null : FirstContactDate ?? before.FirstContactDate,
            ContactedBySet ? StatedContact(victim, keys) : before.ContactedBy);
        // The request names the link's details: erasing the link drops this receipt's fingerprint too.
        var answer = new CommandResult { VictimLinkId = VictimLinkId.ToString() };
        // Why is sealed under the link's own subject: erasing the link erases its corrections' reasons too.
        IReadOnlyList<object> events = after == before
            ? []
            : [new VictimLinkCorrected(current.Id, VictimLinkId, before, after, keys.Seal(victim.VictimReference.Subject, nameof(VictimLinkCorrected.Reason), Reason))];
        return new(events, answer) { Subject = victim.VictimReference.Subject };
    }

    /// The stated contacting identifier sealed, or the one the link holds when it is the same (no change).
    private Sealed? StatedContact(CaseVictim victim, SubjectKeyRing keys)
    {
        const string field = nameof(VictimDetails.ContactedBy);
        if (ContactedBy is null) return null;
        if (victim.ContactedBy is { } held && held.Open(keys, field) == ContactedBy) return held;
        return keys.Seal(victim.VictimReference.Subject, field, ContactedBy);
    }
}
