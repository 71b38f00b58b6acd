using EvidenceHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

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

    /// What a hosting party sees: what to remove and whom to contact, never the case.
    public static TakedownNotice Notice(TakedownRecord record, int notification, TakedownState status)
    {
        var notice = new TakedownNotice
        {
            RequestId = record.Id.ToString(),
            Material = { record.Material.Select(ToProto) },
            Locations = { record.Locations },
            RequestingUnit = record.RequestingUnit,
            RequestingCountry = record.RequestingCountry,
            Note = record.Note ?? "",
            FiledAt = Timestamp.FromDateTimeOffset(record.FiledAt),
            Notification = notification,
            Status = ToProto(status),
        };
        return notice;
    }

    /// The provider's read of a request as it stands.
    public static TakedownNotice Notice(TakedownRecord record)
    {
        var notice = Notice(record, record.Notifications, record.Status);
        if (record.AnsweredAt is { } answered) notice.AnsweredAt = Timestamp.FromDateTimeOffset(answered);
        notice.Answer = record.Answer ?? "";
        return notice;
    }

    /// The requesting unit's, the case's leads' and auditors' view, with every step.
    public static Contracts.V1.TakedownRequest ToProto(TakedownRecord record, TimeSpan renotifyInterval) => new()
    {
        RequestId = record.Id.ToString(),
        CaseId = record.CaseId.ToString(),
        RequestingUnit = record.RequestingUnit,
        Provider = record.Provider,
        Material = { record.Material.Select(ToProto) },
        Locations = { record.Locations },
        Note = record.Note ?? "",
        Status = ToProto(record.Status),
        FiledAt = Timestamp.FromDateTimeOffset(record.FiledAt),
        Notifications = record.Notifications,
        NextNotificationAt = record.IsOpen ? Timestamp.FromDateTimeOffset(record.LastNotifiedAt + renotifyInterval) : null,
        History =
        {
            record.History.Select(step => new Contracts.V1.TakedownStep
            {
                Kind = (Contracts.V1.TakedownStepKind)(int)step.Kind, At = Timestamp.FromDateTimeOffset(step.At), Unit = step.Unit, User = step.User, Text = step.Text ?? "",
            }),
        },
    };
}
