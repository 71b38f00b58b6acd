using Grpc.AspNetCore.Server.Model;

namespace EvidenceHub.Hub.Errors;

public static class DecodingRegistration
{
    /// Puts the decoding binder in the place of grpc-dotnet's BinderServiceMethodProvider (call after AddGrpc).
    public static IServiceCollection AddRequestDecoding(this IServiceCollection services)
    {
        var binder = services.Single(d => d.ServiceType == typeof(IServiceMethodProvider<>) &&
                                          d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true);
        services.Remove(binder);
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(DecodingServiceMethodProvider<>));
        return services;
    }
}
