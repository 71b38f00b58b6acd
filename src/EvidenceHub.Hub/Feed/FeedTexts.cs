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

    private static (IMessage Notice, FieldDescriptor Field)? Target(FeedItem item, SealedText text)
    {
        var dot = text.Path.IndexOf('.');
        if (dot < 0 || Notice(item) is not { } notice) return null;
        if (FeedItem.Descriptor.FindFieldByNumber((int)item.ItemCase).Name != text.Path[..dot]) return null;
        return notice.Descriptor.FindFieldByName(text.Path[(dot + 1)..]) is { FieldType: FieldType.String } field ? (notice, field) : null;
    }
}
