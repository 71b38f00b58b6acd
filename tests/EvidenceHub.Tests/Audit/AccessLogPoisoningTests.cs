using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// Finding 5: a NUL byte in a self-signed certificate's subject made PostgreSQL refuse the refusal's record, and with
/// it the whole group commit: other units' lookups failed INTERNAL and left no record. Over real Kestrel and TLS,
/// because the subject must travel in the handshake.
public sealed class AccessLogPoisoningTests : IAsyncLifetime
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

    [Fact]
    public async Task A_NUL_in_a_self_signed_certificate_subject_fails_no_other_units_lookup_and_every_lookup_is_recorded()
    {
        using var poisoned = SelfSigned("NL-TBKK\0'); DROP TABLE x; --\u202Eevil");
        var attacker = new LookupService.LookupServiceClient(Channel(poisoned));
        var units = new[] { "NL-TBKK", "BE-FCCU", "CA-RCMP-NCECC", "US-HSI-C3" }
            .Select(unit => (Unit: unit, Client: new LookupService.LookupServiceClient(Channel(pki.ClientCertificate(unit))))).ToArray();
        var run = Guid.NewGuid().ToString("N")[..12];

        // Interleaved: the attacker's refused calls and the units' lookups reach the access log in the same commits.
        var attacks = Enumerable.Range(0, 100).Select(async _ =>
        {
            var failure = await Assert.ThrowsAsync<RpcException>(() => attacker.LookupAsync(Query()).ResponseAsync);
            return failure.StatusCode;
        }).ToList();
        var lookups = Enumerable.Range(0, 400).Select(async i =>
        {
            var (_, client) = units[i % units.Length];
            var answer = await client.LookupAsync(Query(), new Metadata { { "x-correlation-id", $"{run}-{i}" } });
            return answer.Hit;
        }).ToList();

        Assert.All(await Task.WhenAll(attacks), code => Assert.Equal(StatusCode.Unauthenticated, code));
        Assert.All(await Task.WhenAll(lookups), hit => Assert.False(hit));

        // Every answered lookup left its record.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using (var count = new NpgsqlCommand("SELECT count(DISTINCT correlation_id) FROM evidencehub.mt_events WHERE type = 'access_recorded' AND correlation_id LIKE @run", connection))
        {
            count.Parameters.AddWithValue("run", run + "-%");
            Assert.Equal(400L, (long)(await count.ExecuteScalarAsync())!);
        }
        // The refusal is recorded too, its subject made storable: the NUL and the bidi override shown as U+FFFD.
        await using (var refused = new NpgsqlCommand(
            "SELECT data->>'CertificateSubject' FROM evidencehub.mt_events WHERE type = 'access_recorded' AND data->>'CertificateSubject' LIKE '%evil%'", connection))
        {
            var subject = (string?)await refused.ExecuteScalarAsync();
            Assert.NotNull(subject);
            Assert.Contains("NL-TBKK\uFFFD'); DROP TABLE x; --\uFFFDevil", subject);
        }
    }

    private static LookupRequest Query() => new()
    {
        Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = $"{Guid.NewGuid():N}@example.org" } },
        Justification = new Justification { Purpose = "checking a reported address" },
    };

    private static X509Certificate2 SelfSigned(string commonName)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(commonName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private GrpcChannel Channel(X509Certificate2 clientCertificate) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    // Full handshakes only: this one process holds five client certificates at once, and a client-side
                    // TLS session resumed across them would present one certificate's session on another's connection
                    // (suspected cause of a rare 401 on a unit's own lookup here; real clients are one process each).
                    AllowTlsResume = false,
                    ClientCertificates = new X509CertificateCollection { clientCertificate },
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => pki.Issued(certificate),
                },
            },
        });

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
        pki.Dispose();
        Directory.Delete(Path.GetDirectoryName(HubFixture.CheckpointKeyPath(database))!, recursive: true);
    }
}
