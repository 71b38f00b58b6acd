using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace EvidenceHub.Tests.NonInterference;

/// Every command of the catalog whose request names a case, called by its RPC name (the route the authorization
/// matrix takes), with a request filled from its descriptor so that it passes the command's own validation and reaches
/// the question whether the named case exists for the caller: a command added to the catalog is probed without a line
/// here, and a field this table does not know is left empty (A_probe_of_each_catalog_command_reaches_the_case then
/// names the command that stops at validation).
public static class CaseCommandProbes
{
    /// OpenCase is left out: its case_id names a case to create, not one to act on. That the id is taken is its
    /// answer by design (ALREADY_EXISTS, and in a world without the case a new case of the caller's): what keeps a case
    /// id from being probed there is that it is a random UUIDv4 nobody can guess.
    public static readonly IReadOnlyList<CommandKind> Kinds =
        CommandCatalog.Kinds.Where(k => k.Request.FindFieldByName("case_id") is not null && k.Rpc != "OpenCase").ToList();

    /// How the probe names the case: by id (case_reference empty) or by reference (case_id empty).
    public sealed record Target(string CaseId, string CaseReference, string HandoffId);

    /// The request for one command. `choice` picks the member of each oneof (a restriction's scope, a regrading's
    /// target); `value` is the e-mail address the identifier fields name.
    public static IMessage Request(CommandKind kind, Target target, string value, int choice)
    {
        var request = kind.Request.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in kind.Request.Fields.InDeclarationOrder())
        {
            var oneof = field.RealContainingOneof;
            if (oneof is not null && oneof.Fields[choice % oneof.Fields.Count] != field) continue;
            // A takedown request names media records of the case, by a file hash (as file_hash does).
            if (field is { IsRepeated: true, Name: "media" })
            {
                ((Google.Protobuf.Collections.RepeatedField<string>)field.Accessor.GetValue(request)).Add(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))));
                continue;
            }
            if (ValueOf(field, target, value, inOneof: oneof is not null) is { } filled) field.Accessor.SetValue(request, filled);
        }
        return request;
    }

    private static object? ValueOf(FieldDescriptor field, Target target, string value, bool inOneof) => field.FieldType switch
    {
        _ when field.IsRepeated || field.IsMap => null,
        FieldType.String => field.Name switch
        {
            "command_id" => Guid.NewGuid().ToString(),
            "case_id" => target.CaseId,
            "case_reference" => target.CaseReference,
            "handoff_id" => target.HandoffId,
            "victim_link_id" or "request_id" => Guid.NewGuid().ToString(),
            "identifier_key" => "email:" + value,
            "reason" or "note" => "non-interference probe",
            "legal_basis" => "LED Art. 16(3)(b)",
            "co_lead_unit" or "target_unit" => "CA-RCMP-NCECC",
            "provider" => "NL-HOSTER-1",
            "country" => "BE",
            "victim_reference" => "V-probe",
            "sha256" or "file_hash" => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))),
            _ => null,
        },
        // A oneof member of its own (whole_case): chosen, so set; other flags (clear_first_contact_date) left off.
        FieldType.Bool => inOneof ? true : null,
        // The first value that means something (ACCEPT, UNDER_13, UNLAWFUL_PROCESSING...).
        FieldType.Enum => field.EnumType.Values.First(v => v.Number != 0).Number,
        FieldType.Message => field.MessageType.FullName switch
        {
            "evidencehub.v1.Grading" => new Grading
            {
                SourceReliability = SourceReliability.B, InformationCredibility = InformationCredibility.CorroboratedNotKnownPersonally, Nature = InformationNature.Fact,
            },
            "evidencehub.v1.SharingPolicy" => new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H0 },
            "evidencehub.v1.SuspectIdentifierInput" => new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = value },
            _ => null,
        },
        _ => null,
    };

    /// ImportMedia, a stream outside the catalog: one batch of one row into the named case, answered by its first result.
    public static async Task<MediaBatchResult> ImportMedia(CaseService.CaseServiceClient cases, Target target, string value)
    {
        using var import = cases.ImportMedia();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        try
        {
            await import.RequestStream.WriteAsync(new MediaBatch
            {
                BatchId = "probe-" + sha256[..16], CaseId = target.CaseId, CaseReference = target.CaseReference, Rows = { new MediaRow { Sha256 = sha256 } },
            });
            await import.RequestStream.CompleteAsync();
        }
        catch (Exception written) when (written is RpcException or InvalidOperationException) { }
        return (await import.ResponseStream.ReadAllAsync().ToListAsync()).Single();
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create<byte[]>(b => b, b => b);

    /// Calls the command's RPC of CaseService by name and reads its answer as the command's result.
    public static async Task<IMessage> Call(CallInvoker invoker, CommandKind kind, IMessage request)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, CaseService.Descriptor.FullName, kind.Rpc, Bytes, Bytes);
        var answer = await invoker.AsyncUnaryCall(method, null, new CallOptions(), request.ToByteArray());
        return kind.Result.Parser.ParseFrom(answer);
    }
}
