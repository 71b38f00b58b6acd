using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;

namespace EvidenceHub.Hub.Victims;

/// The owner or a co-lead ties a pseudonymous victim to the case, never a name. A victim reference already linked by
/// the same unit is the same victim: linking it again appends nothing (references come from each unit's own system).
/// The reference and the contacting identifier are sealed under a new subject key of the link's own, so that the link
/// can be erased alone (EraseVictimLink).
public sealed record LinkVictim(
    string VictimReference, AgeBand AgeBand, string Country, DateOnly? FirstContactDate, string? ContactedBy,
    Guid NewLinkId, CaseLimits Limits, Grading? Grading = null) : Command
{
    public const int MaxVictimReferenceLength = 64;
    public const int MaxContactedByLength = 512;

    /// The key of the case's identifier that made contact, as a request names it (LinkVictim, CorrectVictimLink).
    public static string? ContactedByOf(string contactedBy) =>
        RequestFields.Text(contactedBy, "contacted_by", MaxContactedByLength, required: false);

    /// The match key the contacting identifier is locked and found by (its pseudonym); the link seals the key as the
    /// request named it.
    public IdentifierPseudonym Pseudonyms { get; init; } = null!;

    /// The contacting identifier must be one the case holds (read, and locked, in the index, by its match key).
    public static void EnsureCaseHolds(CaseFile current, string? contactedBy, LockedIdentifiers index, IdentifierPseudonym pseudonyms)
    {
        if (contactedBy is { } key && index.HoldingOf(current.Id, pseudonyms.MatchKeyOf(key)) is null)
            throw Rejection.InvalidArgument("contacted_by", $"case {current.Id} holds no identifier with key '{LogText.Quote(key)}'");
    }

    /// now: today, for the first contact date (a date in the future is bad input).
    public static LinkVictim From(LinkVictimRequest request, Caller caller, CaseTarget target, DateTimeOffset now, CaseLimits limits, IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var reference = RequestFields.RequiredText(request.VictimReference, "victim_reference", MaxVictimReferenceLength);
        var ageBand = RequestFields.Enum<AgeBand>((int)request.AgeBand, "age_band");
        var country = RequestFields.Country(request.Country, "country");
        var firstContact = FirstContactDateOf(request.FirstContactDate, now);
        var grading = GradingMapping.Of(request.Grading);
        var contactedBy = ContactedByOf(request.ContactedBy);
        return new LinkVictim(reference, ageBand, country, firstContact, contactedBy, Guid.CreateVersion7(), limits, grading)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target, Pseudonyms = pseudonyms,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    // The identifier the victim was contacted by must be the case's: read (and locked) in the index.
    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => ContactedBy is { } key ? [Pseudonyms.MatchKeyOf(key)] : [];

    /// The references already linked are compared opened, with the case's keys.
    public override bool ReadsSealedFields => true;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("LinkVictim seals what it stores: it decides with the case's subject keys.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureLeadMayAdd(current, Caller);
        var coLead = current.OwnerUnit == Caller.UnitId ? null : Caller.UnitId;
        EnsureCaseHolds(current, ContactedBy, index, Pseudonyms);
        // An erased link is never matched (its key is gone): the same reference linked again is a new link.
        if (current.Victims.FirstOrDefault(v => !v.IsErased && v.LinkedByCoLead == coLead
                && v.VictimReference.Open(keys, nameof(VictimLinked.VictimReference)) == VictimReference) is { } linked)
            return new([], new CommandResult { VictimLinkId = linked.VictimLinkId.ToString() }) { Subject = linked.VictimReference.Subject };
        if (current.Victims.Count(v => !v.IsErased) >= Limits.MaxVictimLinks) throw CaseLimitReached.VictimLinks(current.Id, Limits.MaxVictimLinks);

        var subject = keys.NewSubject(current.Id, SubjectKind.VictimLink);
        var linkedNow = new VictimLinked(current.Id, NewLinkId, subject, keys.Seal(subject, nameof(VictimLinked.VictimReference), VictimReference),
            AgeBand, Country, FirstContactDate, ContactedBy is { } contactedBy ? keys.Seal(subject, nameof(VictimLinked.ContactedBy), contactedBy) : null,
            Grading, coLead);
        return new([linkedNow], new CommandResult { VictimLinkId = NewLinkId.ToString() }) { Subject = subject };
    }

    internal static DateOnly? FirstContactDateOf(Google.Type.Date? date, DateTimeOffset now)
    {
        if (RequestFields.Date(date, "first_contact_date") is not { } first) return null;
        if (first.Year < 1990) throw Rejection.InvalidArgument("first_contact_date", $"{first:yyyy-MM-dd} is before 1990");
        // A day of slack for time zones: the unit's today may be our tomorrow.
        if (first > DateOnly.FromDateTime(now.UtcDateTime).AddDays(1))
            throw Rejection.InvalidArgument("first_contact_date", "lies in the future");
        return first;
    }
}
