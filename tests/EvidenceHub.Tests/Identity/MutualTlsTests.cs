using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Identity;

/// The security path over real Kestrel and real TLS: no test middleware, the certificate travels in the handshake.
public sealed class MutualTlsTests : IAsyncLifetime
{
    private readonly ThrowawayPki pki = new();
    private ThrowawayDatabase database = null!;
    private WebApplicationFactory<Program> factory = null!;
    private Uri address = null!;

    public async Task InitializeAsync()
    {
        database = await ThrowawayDatabase.ForTests();
        (factory, address) = RealKestrel.Start(pki, host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(database, pki)) host.UseSetting(key, value);
        });
    }

    private GrpcChannel Channel(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    // Trust exactly the test CA, as a unit trusts the hub's CA.
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(pki.Authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is not null && chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    [Fact]
    public async Task A_registered_unit_certificate_is_accepted()
    {
        var cases = new CaseService.CaseServiceClient(Channel(pki.ClientCertificate("NL-TBKK")));
        var opened = await cases.OpenCaseAsync(OpenCase());
        var file = await cases.GetCaseAsync(new GetCaseRequest { CaseId = opened.CaseId, Justification = new() { Purpose = "tls test" } });
        Assert.Equal("NL-TBKK", file.OwnerUnit);
    }

    [Fact]
    public async Task A_missing_certificate_is_refused()
    {
        var cases = new CaseService.CaseServiceClient(Channel(null));
        Assert.Equal(StatusCode.Unauthenticated, (await Failure(() => cases.OpenCaseAsync(OpenCase()).ResponseAsync)).Code);
    }

    [Fact]
    public async Task An_unknown_certificate_is_refused()
    {
        var forged = new CaseService.CaseServiceClient(Channel(ThrowawayPki.UntrustedClientCertificate("NL-TBKK")));
        Assert.Equal(StatusCode.Unauthenticated, (await Failure(() => forged.OpenCaseAsync(OpenCase()).ResponseAsync)).Code);
        var unregistered = new CaseService.CaseServiceClient(Channel(pki.ClientCertificate("XX-ROGUE")));
        Assert.Equal(StatusCode.Unauthenticated, (await Failure(() => unregistered.OpenCaseAsync(OpenCase()).ResponseAsync)).Code);
    }

    [Fact]
    public async Task Health_is_served_without_a_certificate()
    {
        var health = new Health.HealthClient(Channel(null));
        var answer = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_case_service_without_a_certificate()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(Channel(null));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name);
        Assert.Contains("evidencehub.v1.CaseService", services);
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
        pki.Dispose();
    }
}
