namespace EvidenceHub.Hub.Quality;

/// SIENA's source reliability: A completely, B usually, C fairly reliable; X cannot be judged.
public enum SourceReliability { A = 1, B = 2, C = 3, X = 4 }

/// SIENA's information credibility, 1 to 4.
public enum InformationCredibility
{
    KnownTrueWithoutReservation = 1,
    KnownPersonallyToTheSource = 2,
    CorroboratedNotKnownPersonally = 3,
    CannotBeJudged = 4,
}

/// Whether the information is a fact or a personal assessment (LED Art. 7(1)).
public enum InformationNature { Fact = 1, Assessment = 2 }

/// The 4×4 grading of an identifier or a victim link. Stored on the events and holdings as the unit stated it, and
/// null when it stated none (also on everything stored before grading existed): read everywhere as NotStated.
public sealed record Grading(SourceReliability Source, InformationCredibility Information, InformationNature Nature)
{
    /// What a unit that states nothing gets: the hub cannot claim a reliability nobody stated, and nothing unflagged
    /// may read as fact.
    public static readonly Grading NotStated = new(SourceReliability.X, InformationCredibility.CannotBeJudged, InformationNature.Assessment);

    public static Grading Of(Grading? stated) => stated ?? NotStated;

    /// "B2 fact", "X4 assessment".
    public override string ToString() => $"{Source}{(int)Information} {Nature.ToString().ToLowerInvariant()}";
}
