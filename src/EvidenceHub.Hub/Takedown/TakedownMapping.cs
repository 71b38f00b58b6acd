using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using Google.Protobuf.WellKnownTypes;
using Marten;

namespace EvidenceHub.Hub.Takedown;

public static class TakedownMapping
{
    public static Contracts.V1.TakedownStatus ToProto(TakedownState state) => (Contracts.V1.TakedownStatus)(int)state;

    public static TakedownMaterial ToProto(TakedownItem item)
    {
        var material = new TakedownMaterial { Category = item.Category };
        foreach (var key in item.Keys)
        {
            var colon = key.IndexOf(':');
            var value = key[(colon + 1)..];
            switch (key[..colon])
            {
                case "sha256": material.Sha256 = value; break;
                case "sha1": material.Sha1 = value; break;
                case "md5": material.Md5 = value; break;
                case "pdq": material.Pdq = value; break;
            }
        }
        return material;
    }

    /// The subjects a page of requests' texts are sealed under, and their keys in one query: an erased case's read "[erased]".
    public static Task<SubjectKeyRing> KeysOf(IQuerySession session, IEnumerable<TakedownRecord> records, CancellationToken cancellation) =>
        SubjectKeyStore.Load(session, records.SelectMany(Texts).Select(t => t.Subject).ToHashSet(), cancellation);

    private static IEnumerable<Sealed> Texts(TakedownRecord record) =>
        new[] { record.Note, record.Answer, record.WithdrawalReason }.Concat(record.History.Select(s => s.Words)).OfType<Sealed>();

    /// What a hosting party sees: what to remove and whom to contact, never the case. Without keys (a feed item) the
    /// texts are left empty: the feed opens them at delivery (FeedTexts).
    public static TakedownNotice Notice(TakedownRecord record, int notification, TakedownState status, SubjectKeyRing? keys = null)
    {
        var notice = new TakedownNotice
        {
            RequestId = record.Id.ToString(),
            Material = { record.Material.Select(ToProto) },
            Locations = { record.Locations },
            RequestingUnit = record.RequestingUnit,
            RequestingCountry = record.RequestingCountry,
            Note = keys is null ? "" : CaseText.Open(record.Note, keys, nameof(TakedownFiled.Note)),
            FiledAt = Timestamp.FromDateTimeOffset(record.FiledAt),
            Notification = notification,
            Status = ToProto(status),
        };
        if (status == TakedownState.Withdrawn && keys is not null) notice.WithdrawalReason = WithdrawalReason(record, keys);
        return notice;
    }

    /// The requesting unit's words, or the hub's, the same whatever the cause.
    public static string WithdrawalReason(TakedownRecord record, SubjectKeyRing keys) => record.Withdrawal == TakedownWithdrawal.ByRequestingUnit
        ? CaseText.Open(record.WithdrawalReason, keys, nameof(TakedownWithdrawn.Reason))
        : TakedownWithdrawals.ToProvider;

    /// The provider's read of a request as it stands.
    public static TakedownNotice Notice(TakedownRecord record, SubjectKeyRing keys)
    {
        var notice = Notice(record, record.Notifications, record.Status, keys);
        if (record.AnsweredAt is { } answered) notice.AnsweredAt = Timestamp.FromDateTimeOffset(answered);
        notice.Answer = CaseText.Open(record.Answer, keys, record.Status == TakedownState.Refused ? nameof(TakedownRefused.Reason) : nameof(TakedownAcknowledged.Note));
        return notice;
    }

    /// The requesting unit's, the case's leads' and auditors' view, with every step.
    public static Contracts.V1.TakedownRequest ToProto(TakedownRecord record, TimeSpan renotifyInterval, SubjectKeyRing keys) => new()
    {
        RequestId = record.Id.ToString(),
        CaseId = record.CaseId.ToString(),
        RequestingUnit = record.RequestingUnit,
        Provider = record.Provider,
        Material = { record.Material.Select(ToProto) },
        Locations = { record.Locations },
        Note = CaseText.Open(record.Note, keys, nameof(TakedownFiled.Note)),
        Status = ToProto(record.Status),
        FiledAt = Timestamp.FromDateTimeOffset(record.FiledAt),
        Notifications = record.Notifications,
        NextNotificationAt = record.IsOpen ? Timestamp.FromDateTimeOffset(record.LastNotifiedAt + renotifyInterval) : null,
        History =
        {
            record.History.Select(step => new Contracts.V1.TakedownStep
            {
                Kind = (Contracts.V1.TakedownStepKind)(int)step.Kind, At = Timestamp.FromDateTimeOffset(step.At), Unit = step.Unit, User = step.User,
                Text = step.Words is { } words ? CaseText.Open(words, keys, WordsField(step.Kind)) : step.Text ?? "",
            }),
        },
    };

    /// The event field a step's words were sealed as.
    private static string WordsField(TakedownStepKind kind) => kind switch
    {
        TakedownStepKind.Refused => nameof(TakedownRefused.Reason),
        TakedownStepKind.Withdrawn => nameof(TakedownWithdrawn.Reason),
        _ => nameof(TakedownFiled.Note),
    };
}
