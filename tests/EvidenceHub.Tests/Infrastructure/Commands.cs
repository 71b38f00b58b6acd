using EvidenceHub.Contracts.V1;
using Google.Rpc;
using Grpc.Core;

namespace EvidenceHub.Tests.Infrastructure;

/// Small builders for the requests the tests send, so each test states only what it is about.
public static class Commands
{
    public static string NewId() => Guid.NewGuid().ToString();

    public static OpenCaseRequest OpenCase(string? caseId = null, Tlp tlp = Tlp.Amber, params string[] partners) => new()
    {
        CommandId = NewId(),
        CaseId = caseId ?? NewId(),
        Reference = "REF-" + Guid.NewGuid().ToString("N")[..10],
        OffenceType = OffenceType.FinancialSextortion,
        SharingPolicy = new SharingPolicy { Tlp = tlp, HandlingCode = HandlingCode.H0, PartnerUnits = { partners } },
    };

    public static AddSuspectIdentifierRequest AddIdentifier(string caseId, IdentifierKind kind, string value, string platform = "") => new()
    {
        CommandId = NewId(),
        CaseId = caseId,
        Identifier = new SuspectIdentifierInput { Kind = kind, Value = value, Platform = platform },
    };

    /// One ImportMedia call of one batch (file rows from 1) into the case, and its answers.
    public static async Task<List<MediaBatchResult>> Imported(this CaseService.CaseServiceClient cases, string caseId, params MediaRow[] rows)
    {
        using var call = cases.ImportMedia();
        await call.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { rows } });
        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    public static async Task<string> OpenedCase(this CaseService.CaseServiceClient cases, Tlp tlp = Tlp.Amber)
    {
        var result = await cases.OpenCaseAsync(OpenCase(tlp: tlp));
        return result.CaseId;
    }

    /// The rich error of a failed call: its code, and the field named by a BadRequest detail if any.
    public static async Task<(StatusCode Code, string? Field, Google.Rpc.Status Status)> Failure(Func<Task> call)
    {
        var failure = await Assert.ThrowsAsync<RpcException>(call);
        var status = failure.GetRpcStatus();
        var field = status?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
        return (failure.StatusCode, field, status ?? new Google.Rpc.Status { Code = (int)failure.StatusCode });
    }
}
