using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Lookup;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.HashCheck;

/// Hosting parties check the hashes of uploads: known material or not. A unary batch rather than a stream (as
/// BatchLookup is): a call is one access record, written before its answers leave, and a bad question refuses the
/// call by its index, so a provider never has to match partial answers to what it sent.
public sealed class HashCheckService(ProviderHashes hashes, IQuerySession query, AccessLog accessLog, LookupQuota quota, IOptions<HubLimits> limits)
    : Contracts.V1.HashCheckService.HashCheckServiceBase
{
    /// A provider's checks are automated filtering of what it hosts: the purpose is the same for every call.
    public const string Purpose = "hosting party filtering uploads (hash check)";

    [Authorize(Roles = Roles.Provider)]
    public override async Task<CheckHashesReply> CheckHashes(CheckHashesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var record = AccessEntry.For(caller, nameof(CheckHashes), HubTelemetry.CorrelationIdOf(context)).Justified(Purpose)
            .Asking($"{request.Questions.Count} hashes");
        List<string> keys;
        try
        {
            var max = limits.Value.HashCheck.MaxQuestionsPerCall;
            if (request.Questions.Count == 0) throw Rejection.InvalidArgument("questions", "is required: at least one hash");
            if (request.Questions.Count > max)
                throw Rejection.InvalidArgument("questions", $"holds {request.Questions.Count} questions; at most {max} per call (Limits:HashCheck:MaxQuestionsPerCall)");
            keys = request.Questions.Select((question, i) => ProviderHashes.KeyOf(question, $"questions[{i}]")).ToList();
            // A refused call costs no quota: the questions are checked before they are paid for.
            quota.Spend(caller, keys.Count);
        }
        catch (Rejection refused)
        {
            await accessLog.Record(record.NotAnswered(refused.Status), context.CancellationToken);
            throw;
        }

        var answers = await hashes.Answer(query, keys, context.CancellationToken);
        // How many were known, never which: the keys asked are listed so that auditors find who checked a hash.
        await accessLog.Record(record.Allowed($"{answers.Count(a => a.Known)} of {keys.Count} hashes known (known or not, and category only)")
            .WithIdentifierKeys(keys.Distinct().ToArray(), limits.Value.Answers.AccessRecordMaxIdentifierKeys), context.CancellationToken);
        var reply = new CheckHashesReply();
        reply.Answers.AddRange(answers);
        return reply;
    }
}
