namespace EvidenceHub.Benchmarks;

/// How much each scenario does. The full run uses the sizes; --quick scales them down about a hundredfold so
/// that CI can keep the harness working in well under a minute.
public sealed record Sizes(
    string Mode,
    int IngestCases,
    int IngestCommands,
    int LookupStoredIdentifiers,
    TimeSpan LookupLoadBudget,
    int LookupCallsOneClient,
    int LookupCallsConcurrent,
    int LookupClients,
    int BatchLookupIdentifiers,
    int ReplaySmallCase,
    int ReplayLargeCase,
    int CorrelationSamples,
    TimeSpan LogCatchUpBudget,
    int[] NearMatchStored,
    TimeSpan NearMatchBudget)
{
    public static readonly Sizes Full = new(
        Mode: "full",
        IngestCases: 1_000,
        IngestCommands: 100_000,
        LookupStoredIdentifiers: 1_000_000,
        LookupLoadBudget: TimeSpan.FromMinutes(10),
        LookupCallsOneClient: 5_000,
        LookupCallsConcurrent: 20_000,
        LookupClients: 8,
        BatchLookupIdentifiers: 10_000,
        ReplaySmallCase: 10_000,
        ReplayLargeCase: 100_000,
        CorrelationSamples: 200,
        LogCatchUpBudget: TimeSpan.FromMinutes(10),
        NearMatchStored: [1_000_000, 10_000_000],
        NearMatchBudget: TimeSpan.FromSeconds(10));

    /// The full sizes divided by divisor (--quick is 100; --scale N picks another), never below what still measures
    /// something.
    public static Sizes Scaled(int divisor) => divisor <= 1 ? Full : new(
        Mode: divisor == 100 ? "quick" : $"1/{divisor} scale",
        IngestCases: Math.Max(10, Full.IngestCases / divisor),
        IngestCommands: Math.Max(1_000, Full.IngestCommands / divisor),
        LookupStoredIdentifiers: Math.Max(10_000, Full.LookupStoredIdentifiers / divisor),
        LookupLoadBudget: Max(TimeSpan.FromMinutes(1), Full.LookupLoadBudget / divisor),
        LookupCallsOneClient: Math.Max(100, Full.LookupCallsOneClient / divisor),
        LookupCallsConcurrent: Math.Max(400, Full.LookupCallsConcurrent / divisor),
        LookupClients: Full.LookupClients,
        BatchLookupIdentifiers: Math.Max(100, Full.BatchLookupIdentifiers / divisor),
        ReplaySmallCase: Math.Max(100, Full.ReplaySmallCase / divisor),
        ReplayLargeCase: Math.Max(1_000, Full.ReplayLargeCase / divisor),
        CorrelationSamples: Math.Max(10, Full.CorrelationSamples / divisor),
        LogCatchUpBudget: Max(TimeSpan.FromMinutes(1), Full.LogCatchUpBudget / divisor),
        NearMatchStored: Full.NearMatchStored.Select(n => Math.Max(10_000, n / divisor)).ToArray(),
        NearMatchBudget: Max(TimeSpan.FromSeconds(1), Full.NearMatchBudget / divisor));

    public static readonly Sizes Quick = Scaled(100);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// Identifiers per case when the lookup data set is filled up: a busy case, not a pathological one.
    public const int IdentifiersPerLoadedCase = 100;
}
