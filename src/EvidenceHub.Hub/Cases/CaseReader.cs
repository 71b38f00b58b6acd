using Google.Protobuf.WellKnownTypes;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Cases;

/// Reads one case for a caller: the case file loaded, what the caller may see of it decided on the file alone, the
/// answer, and its access record, stored before the answer leaves. A case the caller may not see answers exactly as
/// one that does not exist, and costs the same statements. Serves GetCase, GetCaseAsOf and ReplayCase.
public sealed class CaseReader(IQuerySession query, AccessLog accessLog, TimeProvider clock, IOptions<HubLimits> limits, IOptions<Lifecycle.RetentionOptions> retention)
{
    /// The case as it stands, one page of its identifiers and victim links at a time.
    public async Task<Case> Current(AccessEntry.Draft reading, CaseAddress address, int pageSize, string pageToken, CancellationToken cancellation)
    {
        var caller = reading.Caller;
        var target = await Target(reading, address, caller.UnitId, cancellation);
        var caseId = target.Id;
        reading = reading.Asking($"case {caseId}").AboutCase(caseId);
        var page = CasePage.Of(pageSize, pageToken, caseId, limits.Value.Answers);

        // The stream's version and the case file first, and the visibility decided on them alone: a case the caller may
        // not see then costs exactly what a missing one costs (its identifiers are never read). The version before the
        // file, so that a change in between can only make it stale (refused if sent back), never too new.
        var batch = query.CreateBatchQuery();
        var loadingStream = batch.Events.FetchStreamState(caseId);
        var loadingFile = batch.Load<CaseFile>(caseId);
        await batch.Execute(cancellation);
        // Only a case stream has a case file.
        var file = await loadingFile;
        var now = clock.GetUtcNow();
        var sees = file is null ? CaseView.None : CaseVisibility.Of(file, caller, now);
        if (sees == CaseView.None)
        {
            await accessLog.Record(reading.Refused(), cancellation);
            throw target.NotFound();
        }

        // Its identifiers (kept in the identifier holdings): this page, and the latest for the time of the last change.
        // Restricted identifiers and victim links are for the owner and auditors only (a handoff's target sees less).
        var all = sees == CaseView.Full;
        var holdings = query.CreateBatchQuery();
        // A holding stands alone at its version: it follows the page's last position when its version does.
        var loadingHoldings = holdings.Query<IdentifierHolding>().Where(h => h.CaseId == caseId && h.AddedAtVersion > page.After.Version && (all || !h.Restricted))
            .OrderBy(h => h.AddedAtVersion).Take(page.Size + 1).ToList();
        var loadingImported = holdings.Query<ImportedHolding>(Media.ImportedMedia.HoldingsOfCase(page.Size + 1, seesRestricted: all),
            page.After.Version, page.After.Row, page.After.Ordinal, caseId);
        var loadingLatest = holdings.Query<IdentifierHolding>().Where(h => h.CaseId == caseId).OrderByDescending(h => h.AddedAtVersion).FirstOrDefault();
        // The keys that open its free text, its identifiers and (for those who see them) its victim links.
        var loadingKeys = SubjectKeyStore.LoadCases(holdings, [caseId]);
        await holdings.Execute(cancellation);

        // The last change is the file's, or a later identifier's (adding one leaves the file as it was).
        var updatedAt = (await loadingLatest)?.AddedAt is { } latest && latest > file!.UpdatedAt ? latest : file!.UpdatedAt;
        var revision = new CaseRevision((await loadingStream)!.Version, updatedAt);
        var keys = await loadingKeys();
        var answer = CaseMapping.ToProto(file, [], revision, withVictims: false, now, keys);
        answer.ReviewDueAt = Timestamp.FromDateTimeOffset(Lifecycle.ReviewRules.DueAt(file, revision, retention.Value));
        if (!all) answer.VictimCount = file.Victims.Count(v => !v.Restricted && !v.IsErased);
        var held = (await loadingHoldings).Select(h => h.ToCaseIdentifier()).Select(i => (i, CasePage.Position.Of(i)));
        var imported = (await loadingImported).Select(h => (h.Holding.ToCaseIdentifier(), new CasePage.Position(h.Holding.AddedAtVersion, h.Row, h.Ordinal)));
        page.Fill(answer, file, held.Concat(imported), withVictims: all, keys);
        var disclosed = Disclosed(answer, sees) + (pageToken.Length > 0 ? " (a later page)" : "") +
                        (answer.NextPageToken.Length > 0 ? " (more pages follow)" : "");
        await accessLog.Record(Answered(reading, answer, disclosed), cancellation);
        return answer;
    }

    /// An imported hash as a holding, with its place in the case's list after its batch's version (ImportedMedia.HoldingsOfCase).
    private sealed record ImportedHolding(IdentifierHolding Holding, long Row, int Ordinal);

    /// The case a request names: by id, or by a reference through the claims of the unit that gave it. An unknown
    /// reference is refused like an unknown case, and the refusal recorded.
    public async Task<CaseTarget> Target(AccessEntry.Draft reading, CaseAddress address, string owningUnit, CancellationToken cancellation)
    {
        if (address.Reference is not { } named) return address.Resolve(new Dictionary<string, Guid>());
        var references = await CaseAddress.References(query, owningUnit, [named], cancellation);
        try { return address.Resolve(references); }
        catch (Rejection)
        {
            await accessLog.Record(reading.Asking($"case reference {named} of unit {owningUnit}").Refused(), cancellation);
            throw;
        }
    }

    /// The unit whose reference an audit request names: a unit names its own cases only; an auditor, who has none,
    /// names the owning unit.
    public static string OwningUnit(Caller caller, CaseAddress address, string owningUnit)
    {
        if (address.Reference is null)
            return owningUnit.Length == 0 ? caller.UnitId : throw Rejection.InvalidArgument("owning_unit", "is only for a case named by case_reference");
        if (owningUnit.Length == 0)
            return caller.Is(Roles.Auditor)
                ? throw Rejection.InvalidArgument("owning_unit", "is required with case_reference for an auditor: a reference is its owning unit's own")
                : caller.UnitId;
        if (!caller.Is(Roles.Auditor) && owningUnit != caller.UnitId)
            throw Rejection.InvalidArgument("owning_unit", "a unit names its own cases only (leave it empty)");
        return RequestFields.RequiredText(owningUnit, "owning_unit", 64);
    }

    /// The case as it stood at a past moment, with its handoffs as they stood then: one past its deadline at that
    /// moment shows as expired; its identifiers (imported hashes included) a page at a time (CaseMomentPage). Only for
    /// those who may read its history (see History).
    public async Task<Case> AsOf(AccessEntry.Draft reading, Guid caseId, CaseMoment moment, int pageSize, string pageToken, CancellationToken cancellation)
    {
        if (pageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var current = await HistoryVersion(reading.Caller, caseId, cancellation);
        if (moment.Version > current) throw Rejection.OutOfRange("version", $"case {caseId} has {current} versions");

        var events = moment.Version is { } version
            ? await query.Events.FetchStreamAsync(caseId, version: version, token: cancellation)
            : await query.Events.FetchStreamAsync(caseId, timestamp: moment.Time, token: cancellation);
        var (file, identifiers, revision) = CaseFile.Replay(events);
        if (file is null) throw Rejection.NotFound("case", caseId.ToString(), "as_of_time");

        // Today's keys, not those of the moment: a link, an identifier or a case erased since shows the placeholder in every past view too.
        var keys = await SubjectKeyStore.LoadCase(query, caseId, cancellation);
        var page = CaseMomentPage.Of(pageSize, pageToken, caseId, revision.Version, limits.Value.Answers);
        var (listed, nextPageToken) = await page.Read(query, identifiers, cancellation);
        var answer = CaseMapping.ToProto(file, listed, revision, withVictims: true, now: moment.Time ?? revision.UpdatedAt, keys);
        answer.ReviewDueAt = Timestamp.FromDateTimeOffset(Lifecycle.ReviewRules.DueAt(file, revision, retention.Value));
        answer.NextPageToken = nextPageToken;
        var disclosed = Disclosed(answer, CaseView.Full) + (pageToken.Length > 0 ? " (a later page)" : "") + (nextPageToken.Length > 0 ? " (more pages follow)" : "");
        await accessLog.Record(Answered(reading.Asking($"case {caseId} as of {moment}").AboutCase(caseId), answer, disclosed), cancellation);
        return answer;
    }

    /// Opens a case's event history for replay, after afterVersion: records the access and returns the stream's
    /// current version, the last one to replay.
    public async Task<long> History(AccessEntry.Draft reading, Guid caseId, long afterVersion, CancellationToken cancellation)
    {
        var version = await HistoryVersion(reading.Caller, caseId, cancellation);
        await accessLog.Record(reading.Asking($"replay of case {caseId} after version {afterVersion}").AboutCase(caseId)
            .Allowed($"events of case {caseId}, versions {afterVersion + 1} to {version}, with their data"), cancellation);
        return version;
    }

    /// The keys that open a case's sealed fields today, for a reader already allowed to read its history.
    public Task<SubjectKeyRing> SubjectKeys(Guid caseId, CancellationToken cancellation) => SubjectKeyStore.LoadCase(query, caseId, cancellation);

    /// A case's history is for auditors, who may see every case, and for the units that lead it now (its owner and
    /// co-leads, who read everything the owner reads). A case the caller
    /// may not see answers exactly as one that does not exist; one it sees (a handoff's target) but may not replay is
    /// refused.
    private async Task<long> HistoryVersion(Caller caller, Guid caseId, CancellationToken cancellation)
    {
        var file = await query.LoadAsync<CaseFile>(caseId, cancellation);
        if (file is null || CaseVisibility.Of(file, caller, clock.GetUtcNow()) == CaseView.None) throw Rejection.NotFound("case", caseId.ToString(), "case_id");
        if (!caller.Is(Roles.Auditor) && !file.IsLedBy(caller.UnitId))
            throw Rejection.PermissionDenied("CASE_NOT_OWNED", $"Only auditors and the units that lead case {caseId} may replay it.", caseId.ToString());
        return (await query.Events.FetchStreamStateAsync(caseId, cancellation))?.Version ?? 0;
    }

    /// "case … v7: 3 identifiers, 2 victim links, 1 handoffs": which parts of the case left, never their content.
    private static string Disclosed(Case answer, CaseView sees) =>
        $"case {answer.CaseId} v{answer.Version}: {answer.Identifiers.Count} identifiers, " +
        (sees == CaseView.Full ? $"{answer.VictimLinks.Count} victim links" : "victim links withheld") +
        $", {answer.Handoffs.Count} handoffs";

    private AccessEntry Answered(AccessEntry.Draft reading, Case answer, string disclosed) =>
        reading.Allowed(disclosed).WithIdentifierKeys(answer.Identifiers.Select(i => i.Pseudonym).ToArray(), limits.Value.Answers.AccessRecordMaxIdentifierKeys);
}
