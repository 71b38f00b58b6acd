using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Lifecycle;

/// ListOverdueCases for auditors: cases past their review date, most overdue first, in pages keyed by (last change,
/// case id) so that pages stay consistent while cases change.
public sealed class OverdueCaseList(ReviewSchedule schedule, IOptions<RetentionOptions> retention, TimeProvider clock)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public async Task<OverdueCases> Page(ListOverdueCasesRequest request, CancellationToken cancellation)
    {
        if (request.PageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var size = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var after = Token(request.PageToken);
        var rules = retention.Value;
        var found = await schedule.ChangedBy(clock.GetUtcNow() - rules.ReviewAfter, ReviewSchedule.Leaving.Nothing, after, size + 1, cancellation);
        var answer = new OverdueCases();
        answer.Cases.AddRange(found.Take(size).Select(c => new OverdueCase
        {
            CaseId = c.CaseId.ToString(), OwnerUnit = c.OwnerUnit, CaseReference = c.Reference, Status = (Contracts.V1.CaseStatus)(int)c.Status,
            LastChangeAt = Timestamp.FromDateTimeOffset(c.LastChangeAt), ReviewDueAt = Timestamp.FromDateTimeOffset(rules.DueAfter(c.LastChangeAt)),
            MarkedOverdueAt = c.MarkedOverdue && c.OverdueMarkedAt is { } marked ? Timestamp.FromDateTimeOffset(marked) : null,
        }));
        if (found.Count > size)
        {
            var last = found[size - 1];
            answer.NextPageToken = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.LastChangeAt.UtcTicks}|{last.CaseId}"));
        }
        return answer;
    }

    private static (DateTimeOffset, Guid)? Token(string token)
    {
        if (token.Length == 0) return null;
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && Guid.TryParse(parts[1], out var caseId))
                return (new DateTimeOffset(ticks, TimeSpan.Zero), caseId);
        }
        catch (FormatException) { }
        catch (ArgumentOutOfRangeException) { }
        throw Rejection.InvalidArgument("page_token", "is not a token this hub gave out");
    }
}
