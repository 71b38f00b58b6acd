using System.Globalization;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Audit;

/// Every read must say why (LED Art. 25): the reason is recorded with the access and read by supervisors, so it must
/// be one. Every reader of a justification checks it here.
public static class Justifications
{
    /// A reason needs at least this many letters or digits, once invisible characters are set aside: "." or a
    /// zero-width space says nothing.
    public const int MinMeaningfulCharacters = 3;

    public const int MaxPurposeLength = 1000;

    /// The justification of a read, checked, as the access log records it. Errors name `field.purpose` and
    /// `field.case_reference`.
    public static string Required(Justification? justification, string field, int maxLength)
    {
        var purpose = Required(justification?.Purpose ?? "", $"{field}.purpose", maxLength);
        var reference = RequestFields.Text(justification?.CaseReference ?? "", $"{field}.case_reference", RequestFields.MaxReferenceLength, required: false);
        return Recorded(purpose, reference);
    }

    /// How the access log holds a justification: the purpose, and the caller's own case when it named one.
    public static string Recorded(string purpose, string? caseReference) =>
        string.IsNullOrWhiteSpace(caseReference) ? purpose : $"{purpose} (own case {caseReference})";

    public static string Required(string value, string field, int maxLength)
    {
        var text = RequestFields.RequiredText(value, field, maxLength);
        if (text.Any(c => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
            throw Rejection.InvalidArgument(field, "contains invisible or formatting characters (such as zero-width or bidirectional marks)");
        if (text.Count(char.IsLetterOrDigit) < MinMeaningfulCharacters)
            throw Rejection.InvalidArgument(field, $"must say why: at least {MinMeaningfulCharacters} letters or digits");
        return text;
    }
}
