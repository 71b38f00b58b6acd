using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace EvidenceHub.Hub.Errors;

/// Binds every generated gRPC service as grpc-dotnet's own binder does, but with request marshallers that answer an
/// undecodable body (not protobuf, truncated, invalid UTF-8 in a string) with INVALID_ARGUMENT naming the field.
/// Requests are deserialised before any interceptor runs, and grpc-dotnet answers a throwing deserialiser with
/// UNKNOWN: the marshaller is the one place where this can be handled.
/// A unary or server-streaming call with an undecodable request reaches the interceptors as an empty message marked
/// undecodable (see Undecodable), and the service method in its place throws the rejection: so the call is refused
/// inside the interceptors, which record it (AccessRecordingInterceptor), and never runs.
/// On the hub's own request streams (Sync, BatchLookup) an undecodable item does not end the stream: it arrives as an
/// empty message marked undecodable, and the stream answers (and records) that item alone with the error.
public sealed class DecodingServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        // As grpc-dotnet's BindMethodFinder: the generated base class names its static BindService(ServiceBinderBase, TBase).
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } bind) continue;
            var method = bind.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .FirstOrDefault(m => m.Name == bind.BindMethodName && m.GetParameters() is [{ ParameterType: var binder }, _] && binder == typeof(ServiceBinderBase));
            if (method is null) return;
            method.Invoke(null, [new Binder(context, method.GetParameters()[1].ParameterType), null]);
            return;
        }
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        // Only the hub's own streams know how to answer a marked item; any other stream fails as a whole.
        private static readonly bool ItemsFailAlone = typeof(TService).Namespace?.StartsWith("EvidenceHub.", StringComparison.Ordinal) == true;

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Decoding(method, markUndecodable: true), metadata,
                (service, request, call) => Undecodable.Of(request) is { } refused ? throw refused.ToRpcException() : invoker(service, request, call));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Decoding(method, markUndecodable: true), metadata,
                (service, request, responses, call) => Undecodable.Of(request) is { } refused ? throw refused.ToRpcException() : invoker(service, request, responses, call));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Decoding(method, markUndecodable: ItemsFailAlone), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Decoding(method, markUndecodable: ItemsFailAlone), metadata, invoker);
        }

        /// The service's override of the generated method, and its attributes ([Authorize] above all) as endpoint metadata.
        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            MethodInfo? handler = null;
            for (var type = typeof(TService); type is not null && handler is null; type = type.BaseType)
            {
                var candidate = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, null, parameters, null);
                if (candidate is { IsVirtual: true } && candidate.GetBaseDefinition().DeclaringType == declaringType) handler = candidate;
            }
            if (handler is null) throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
        }
    }

    /// The method with a request marshaller that answers an undecodable body with INVALID_ARGUMENT, or (when
    /// markUndecodable) with an empty request marked undecodable, for the handler to refuse.
    private static Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method, bool markUndecodable)
        where TRequest : class where TResponse : class
    {
        var decode = method.RequestMarshaller.ContextualDeserializer;
        var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try { return decode(context); }
            catch (Exception exception) when (exception is InvalidProtocolBufferException or DecoderFallbackException or ArgumentException)
            {
                var rejection = Undecodable.Explain(typeof(TRequest), context.PayloadAsReadOnlySequence());
                if (!markUndecodable || Activator.CreateInstance(typeof(TRequest)) is not TRequest empty) throw rejection.ToRpcException();
                Undecodable.Mark(empty, rejection);
                return empty;
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }
}
