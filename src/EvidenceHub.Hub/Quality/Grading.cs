using EvidenceHub.Hub.Errors;

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

/// A grading as requests send it and answers show it.
public static class GradingRequests
{
    /// Null when the request has none; a field left out (UNSPECIFIED) is the "cannot be judged" value of that field.
    public static Grading? Of(Contracts.V1.Grading? grading, string field = "grading")
    {
        if (grading is null) return null;
        return new Grading(
            Value((int)grading.SourceReliability, field + ".source_reliability", Grading.NotStated.Source),
            Value((int)grading.InformationCredibility, field + ".information_credibility", Grading.NotStated.Information),
            Value((int)grading.Nature, field + ".nature", Grading.NotStated.Nature));
    }

    public static Grading Required(Contracts.V1.Grading? grading, string field = "grading") =>
        Of(grading, field) ?? throw Rejection.InvalidArgument(field, "is required");

    private static T Value<T>(int value, string field, T notStated) where T : struct, Enum =>
        value == 0 ? notStated : Fields.Enum<T>(value, field);

    /// "B2 fact": how the access log writes a disclosed grading.
    public static string Code(Contracts.V1.Grading? grading) => grading is null
        ? Grading.NotStated.ToString()
        : $"{grading.SourceReliability.ToString()[^1..]}{(int)grading.InformationCredibility} {grading.Nature.ToString().ToLowerInvariant()}";

    public static Contracts.V1.Grading ToProto(Grading? stated)
    {
        var grading = Grading.Of(stated);
        return new Contracts.V1.Grading
        {
            SourceReliability = (Contracts.V1.SourceReliability)(int)grading.Source,
            InformationCredibility = (Contracts.V1.InformationCredibility)(int)grading.Information,
            Nature = (Contracts.V1.InformationNature)(int)grading.Nature,
        };
    }
}
