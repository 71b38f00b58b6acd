using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Import;

/// The records of a hash list turned into AddMedia commands for one case of the unit, opened first if it names a
/// reference the unit does not use yet. As in the identifier import, every command id comes from the content (unit,
/// case, the record's fields), so a re-run after an interruption sends the same commands and the hub answers those
/// already applied as replays; the hub also takes the same hashes twice on one case as one media record.
public static class MediaImportPlan
{
    public static ImportPlan Build(IEnumerable<ImportRow> rows, string unit, string caseKey, CaseSpec spec, bool providerFilter)
    {
        var plan = new ImportPlan();
        var (caseId, caseReference) = Guid.TryParse(caseKey, out var id) ? (id.ToString(), "") : ("", caseKey);
        var caseName = caseId.Length > 0 ? caseId : "reference/" + caseReference;
        if (caseReference.Length > 0)
        {
            plan.Opened.Add(caseReference);
            plan.Commands.Add(new PlannedCommand(new SyncCommand
            {
                OpenCase = new OpenCaseRequest
                {
                    CommandId = Ids.CommandId("open", unit, caseKey), Reference = caseKey, OffenceType = spec.Offence, SharingPolicy = spec.Policy,
                },
            }, null, caseKey));
        }
        foreach (var row in rows)
        {
            plan.Rows.Add(row);
            try
            {
                var media = Media(row, providerFilter);
                (media.CaseId, media.CaseReference) = (caseId, caseReference);
                media.CommandId = Ids.CommandId("media", unit, caseName, media.Sha256, media.Sha1, media.Md5, media.Pdq, media.PdqQuality.ToString(),
                    media.Category.ToString(), media.VictimIdentified.ToString(), media.OffenderIdentified.ToString(), media.Distributed.ToString(), providerFilter.ToString());
                plan.Commands.Add(new PlannedCommand(new SyncCommand { AddMedia = media }, row, caseKey));
            }
            catch (UsageException e) { plan.Refused[row] = e.Message; }
        }
        return plan;
    }

    /// The record as an AddMedia request; the hub checks the hashes themselves (and names the field of a bad one).
    public static AddMediaRequest Media(ImportRow row, bool providerFilter)
    {
        if (row.Values.TryGetValue("error", out var error)) throw new UsageException(error);
        var media = new AddMediaRequest
        {
            Sha256 = row.Get("sha256"), Sha1 = row.Get("sha1"), Md5 = row.Get("md5"), Pdq = row.Get("pdq"),
            Category = MediaList.Number(row, "category", 0, 99),
            VictimIdentified = MediaList.Flag(row, "victim_identified"),
            OffenderIdentified = MediaList.Flag(row, "offender_identified"),
            Distributed = MediaList.Flag(row, "distributed"),
            ProviderFilter = providerFilter,
        };
        if (media.Sha256.Length == 0 && media.Sha1.Length == 0 && media.Md5.Length == 0)
            throw new UsageException("sha256: a media record needs at least one file hash (sha256, sha1 or md5)");
        if (media.Pdq.Length > 0) media.PdqQuality = MediaList.Number(row, "pdq_quality", 0, 100, empty: -1) is var quality and >= 0
            ? quality
            : throw new UsageException("pdq_quality: is required with pdq (0 to 100)");
        else if (row.Get("pdq_quality").Length > 0) throw new UsageException("pdq_quality: is given only with pdq");
        return media;
    }
}
