using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Quality;

/// A grading as requests send it and answers show it.
public static class GradingMapping
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
        value == 0 ? notStated : RequestFields.Enum<T>(value, field);

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
