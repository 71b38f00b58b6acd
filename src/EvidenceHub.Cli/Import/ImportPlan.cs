using EvidenceHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Cli.Import;

/// One row of an import: an identifier of a case, a victim linked to a case, or both.
public sealed record ImportRow(int Line, IReadOnlyList<string> Raw, IReadOnlyDictionary<string, string> Values)
{
    public string Get(string column) => Values.TryGetValue(column, out var value) ? value.Trim() : "";
}

/// How the import opens a case that a row names by a reference the hub does not know yet.
public sealed record CaseSpec(OffenceType Offence, SharingPolicy Policy);

/// A command for the Sync stream, and the row it came from (none for the OpenCase of a referenced case).
public sealed record PlannedCommand(SyncCommand Command, ImportRow? Row, string CaseKey);

/// The rows of an import turned into Sync commands. Every command id is derived from the content (unit, case, row
/// fields), never from the line number or the clock, so a re-run after an interruption, or of a file with rows added or
/// reordered, sends the same commands for the same rows and the hub answers those as replays: nothing is duplicated.
/// A case named by a reference is opened without a case id (the hub assigns a random one, which nobody can guess or
/// claim first) and every command names it by that reference; a case named by its id is addressed by the id.
public sealed class ImportPlan
{
    public static readonly string[] Columns =
        ["case", "kind", "value", "platform", "observed_at", "victim", "age_band", "country", "first_contact", "contacted_by"];

    public List<ImportRow> Rows { get; } = [];
    public List<PlannedCommand> Commands { get; } = [];
    /// Rows refused before sending, with the reason.
    public Dictionary<ImportRow, string> Refused { get; } = [];
    /// The references of the cases the plan opens (if the unit has no case with that reference yet).
    public HashSet<string> Opened { get; } = [];

    public static ImportPlan Build(IEnumerable<ImportRow> rows, string unit, Func<string, CaseSpec> specFor)
    {
        var plan = new ImportPlan();
        foreach (var row in rows)
        {
            plan.Rows.Add(row);
            try { plan.Add(row, unit, specFor); }
            catch (UsageException e) { plan.Refused[row] = e.Message; }
        }
        return plan;
    }

    private void Add(ImportRow row, string unit, Func<string, CaseSpec> specFor)
    {
        var caseKey = row.Get("case");
        if (caseKey.Length == 0) throw new UsageException("case: is required (your case reference, or a case id)");
        var hasIdentifier = row.Get("kind").Length > 0 || row.Get("value").Length > 0;
        var hasVictim = row.Get("victim").Length > 0;
        if (!hasIdentifier && !hasVictim) throw new UsageException("the row names neither an identifier (kind, value) nor a victim (victim)");

        // Check the whole row before planning any of it, so that a row is sent entirely or not at all.
        var identifier = hasIdentifier ? Identifier(row) : null;
        var victim = hasVictim ? Victim(row) : null;

        // The case as the commands name it: its id, or the unit's reference (which also scopes the command ids).
        var (caseId, caseReference) = Guid.TryParse(caseKey, out var id) ? (id.ToString(), "") : ("", caseKey);
        var caseName = caseId.Length > 0 ? caseId : "reference/" + caseReference;
        if (caseReference.Length > 0 && Opened.Add(caseReference))
        {
            var spec = specFor(caseKey);
            Commands.Add(new PlannedCommand(new SyncCommand
            {
                OpenCase = new OpenCaseRequest
                {
                    CommandId = Ids.CommandId("open", unit, caseKey), Reference = caseKey,
                    OffenceType = spec.Offence, SharingPolicy = spec.Policy,
                },
            }, null, caseKey));
        }

        if (identifier is not null)
        {
            Commands.Add(new PlannedCommand(new SyncCommand
            {
                AddSuspectIdentifier = new AddSuspectIdentifierRequest
                {
                    CommandId = Ids.CommandId("add", unit, caseName, row.Get("kind").ToLowerInvariant(), row.Get("value"), row.Get("platform"), row.Get("observed_at")),
                    CaseId = caseId, CaseReference = caseReference, Identifier = identifier,
                },
            }, row, caseKey));
        }
        if (victim is not null)
        {
            (victim.CaseId, victim.CaseReference) = (caseId, caseReference);
            victim.CommandId = Ids.CommandId("victim", unit, caseName, row.Get("victim"), row.Get("age_band").ToLowerInvariant(), row.Get("country").ToUpperInvariant(),
                row.Get("first_contact"), row.Get("contacted_by"));
            Commands.Add(new PlannedCommand(new SyncCommand { LinkVictim = victim }, row, caseKey));
        }
    }

    private static SuspectIdentifierInput Identifier(ImportRow row)
    {
        var kindText = row.Get("kind");
        if (kindText.Length == 0) throw new UsageException("kind: is required with value (" + Vocabulary.OneOf(Vocabulary.KindWords) + ")");
        var kind = Vocabulary.ParseKind(kindText) ?? throw new UsageException($"kind: '{kindText}' is not {Vocabulary.OneOf(Vocabulary.KindWords)}");
        if (row.Get("value").Length == 0) throw new UsageException("value: is required with kind");
        var input = new SuspectIdentifierInput { Kind = kind, Value = row.Get("value"), Platform = row.Get("platform") };
        if (Cli.Commands.Common.Moment(row.Get("observed_at"), "observed_at") is { } at) input.ObservedAt = Timestamp.FromDateTimeOffset(at);
        return input;
    }

    private static LinkVictimRequest Victim(ImportRow row)
    {
        var bandText = row.Get("age_band");
        var band = bandText.Length == 0 ? AgeBand.Unknown
            : Vocabulary.ParseAgeBand(bandText) ?? throw new UsageException($"age_band: '{bandText}' is not {Vocabulary.OneOf(Vocabulary.AgeBandWords)}");
        return new LinkVictimRequest
        {
            VictimReference = row.Get("victim"),
            AgeBand = band,
            Country = row.Get("country"),
            FirstContactDate = Cli.Commands.Common.Date(row.Get("first_contact"), "first_contact"),
            ContactedBy = row.Get("contacted_by"),
        };
    }
}
