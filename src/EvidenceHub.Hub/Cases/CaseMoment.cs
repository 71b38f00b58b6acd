using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Cases;

/// A past moment of a case (GetCaseAsOf): a time, or a version of its stream.
public readonly record struct CaseMoment(DateTimeOffset? Time, long? Version)
{
    public static CaseMoment Of(GetCaseAsOfRequest request, DateTimeOffset now)
    {
        switch (request.AsOfCase)
        {
            case GetCaseAsOfRequest.AsOfOneofCase.AsOfTime:
                var time = RequestFields.Timestamp(request.AsOfTime, "as_of_time")!.Value;
                if (time > now) throw Rejection.InvalidArgument("as_of_time", "is in the future");
                return new CaseMoment(time, null);
            case GetCaseAsOfRequest.AsOfOneofCase.Version:
                if (request.Version < 1) throw Rejection.InvalidArgument("version", "must be at least 1");
                return new CaseMoment(null, request.Version);
            default:
                throw Rejection.InvalidArgument("as_of", "is required: set as_of_time or version");
        }
    }

    public override string ToString() => Version is { } version ? $"version {version}" : $"{Time:O}";
}
