using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marten;

namespace EvidenceHub.Hub.Feed;

/// The free text of feed items is stored sealed (FeedEntry.Texts) and opened only when an item is delivered, with the
/// keys of the subjects it was sealed under, loaded in one query per page: an erased case's text reads "[erased]".
public static class FeedTexts
{
    /// The case an item is about for its recipient: the case_id of its notice, or else its your_case_id.
    public static Guid? CaseOf(FeedItem item) =>
        Notice(item) is { } notice && (notice.Descriptor.FindFieldByName("case_id") ?? notice.Descriptor.FindFieldByName("your_case_id")) is { FieldType: FieldType.String } field
        && Guid.TryParse((string)field.Accessor.GetValue(notice), out var caseId)
            ? caseId
            : null;

    /// Whether the text goes in this item: an event's items may be of several kinds (a sharing change's narrowing
    /// notices and its late correlations).
    public static bool BelongsIn(FeedItem item, SealedText text) => Target(item, text) is not null;

    /// The items of a page, their texts opened.
    public static async Task<List<FeedItem>> Delivered(IQuerySession session, IReadOnlyList<FeedEntry> page, CancellationToken cancellation)
    {
        var subjects = page.SelectMany(e => e.Texts).Select(t => t.Value.Subject).Distinct().ToArray();
        var keys = subjects.Length == 0 ? new SubjectKeyRing() : await SubjectKeyStore.Load(session, subjects, cancellation);
        return page.Select(entry =>
        {
            var item = FeedItem.Parser.ParseFrom(entry.Item);
            foreach (var text in entry.Texts)
                if (Target(item, text) is var (notice, field)) field.Accessor.SetValue(notice, CaseText.Open(text.Value, keys, text.Field));
            return item;
        }).ToList();
    }

    private static IMessage? Notice(FeedItem item) =>
        item.ItemCase == FeedItem.ItemOneofCase.None ? null : FeedItem.Descriptor.FindFieldByNumber((int)item.ItemCase).Accessor.GetValue(item) as IMessage;

    /// The string field a path names ("{item field}.{field}", or through a message: "correlation.other_case.handling_restrictions").
    private static (IMessage Notice, FieldDescriptor Field)? Target(FeedItem item, SealedText text)
    {
        var names = text.Path.Split('.');
        if (names.Length < 2 || Notice(item) is not { } message) return null;
        if (FeedItem.Descriptor.FindFieldByNumber((int)item.ItemCase).Name != names[0]) return null;
        foreach (var name in names[1..^1])
            if (message.Descriptor.FindFieldByName(name) is { FieldType: FieldType.Message, IsRepeated: false } inner && inner.Accessor.GetValue(message) is IMessage next)
                message = next;
            else
                return null;
        return message.Descriptor.FindFieldByName(names[^1]) is { FieldType: FieldType.String } field ? (message, field) : null;
    }
}
