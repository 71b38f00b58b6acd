using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EvidenceHub.Hub.Errors;

/// A command or query the hub refuses, with the precise gRPC status and the google.rpc details that tell the client
/// which field or rule was at fault. Thrown before anything is written, so a rejected call changes nothing.
public sealed class Rejection(Google.Rpc.Status status) : Exception(status.Message)
{
    public const string Domain = "evidencehub.org";

    public Google.Rpc.Status Status { get; } = status;

    public RpcException ToRpcException() => Status.ToRpcException();

    /// Longest description a rejection carries; values quoted inside one are cut shorter still (LogText.Quote).
    public const int MaxDescriptionLength = 512;

    public static Rejection InvalidArgument(string field, string description) => InvalidArgumentBounded(field, LogText.Quote(description, MaxDescriptionLength));

    private static Rejection InvalidArgumentBounded(string field, string description) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"{field}: {description}",
            Details = { Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } }) },
        });

    /// Several bad fields at once (a batch of rows): one violation each, the first named in the message.
    public static Rejection InvalidArguments(IReadOnlyList<(string Field, string Description)> violations)
    {
        var bad = new BadRequest();
        foreach (var (field, description) in violations)
            bad.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = LogText.Quote(description, MaxDescriptionLength) });
        var more = violations.Count > 1 ? $" (and {violations.Count - 1} more)" : "";
        return new(new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"{violations[0].Field}: {bad.FieldViolations[0].Description}{more}",
            Details = { Any.Pack(bad) },
        });
    }

    /// A value of the right form beyond what exists (a version the case has not reached, a position past the log's end).
    public static Rejection OutOfRange(string field, string description) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.OutOfRange,
            Message = $"{field}: {description}",
            Details = { Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } }) },
        });

    public static Rejection NotFound(string resourceType, string resourceName, string field) =>
        NotFoundBounded(resourceType, LogText.Quote(resourceName), LogText.Quote(resourceName, RequestFields.MaxIdentifierKeyLength), field);

    private static Rejection NotFoundBounded(string resourceType, string quoted, string resourceName, string field) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.NotFound,
            Message = $"{field}: no {resourceType} '{quoted}'",
            Details =
            {
                Any.Pack(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName, Description = $"named by {field}" }),
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = $"no {resourceType} '{quoted}'" } } }),
            },
        });

    public static Rejection AlreadyExists(string resourceType, string resourceName, string field, string description) =>
        AlreadyExistsBounded(resourceType, LogText.Quote(resourceName, RequestFields.MaxIdentifierKeyLength), field, LogText.Quote(description, MaxDescriptionLength));

    private static Rejection AlreadyExistsBounded(string resourceType, string resourceName, string field, string description) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.AlreadyExists,
            Message = $"{field}: {description}",
            Details =
            {
                Any.Pack(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName, Description = description }),
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } }),
            },
        });

    public static Rejection PermissionDenied(string reason, string description, string? resource = null) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.PermissionDenied,
            Message = description,
            Details = { Any.Pack(Info(reason, resource is null ? [] : [("resource", resource)])) },
        });

    public static Rejection FailedPrecondition(string reason, string description, params (string Key, string Value)[] metadata) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = description,
            Details =
            {
                Any.Pack(Info(reason, metadata)),
                Any.Pack(new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = reason, Subject = metadata.FirstOrDefault().Value ?? "", Description = description } } }),
            },
        });

    public static Rejection Aborted(string reason, string description) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Code.Aborted,
            Message = description,
            Details = { Any.Pack(Info(reason, [])) },
        });

    private static ErrorInfo Info(string reason, (string Key, string Value)[] metadata)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return info;
    }
}
