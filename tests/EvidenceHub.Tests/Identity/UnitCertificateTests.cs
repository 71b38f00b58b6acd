using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Identity;

/// Which client certificates speak for a unit, over real Kestrel and TLS: exactly one common name naming a registered
/// unit, the clientAuth purpose, a key usage that allows signing, a leaf, and not revoked by the operator's CRL.
public sealed class UnitCertificateTests(RealTlsHub hub) : IClassFixture<RealTlsHub>
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    private async Task<StatusCode> OpenCaseWith(X509Certificate2 certificate)
    {
        var cases = new CaseService.CaseServiceClient(hub.Channel(certificate));
        try
        {
            await cases.OpenCaseAsync(OpenCase());
            return StatusCode.OK;
        }
        catch (RpcException exception)
        {
            return exception.StatusCode;
        }
    }

    private static X500DistinguishedName Subject(Action<X500DistinguishedNameBuilder> build)
    {
        var names = new X500DistinguishedNameBuilder();
        build(names);
        return names.Build();
    }

    [Fact]
    public async Task A_unit_certificate_with_one_common_name_is_accepted()
    {
        Assert.Equal(StatusCode.OK, await OpenCaseWith(hub.Pki.ShapedClientCertificate(
            Subject(n => { n.AddOrganizationName("EvidenceHub test"); n.AddCommonName("NL-TBKK"); }), extendedKeyUsages: ClientAuth)));
        Assert.Equal(StatusCode.OK, await OpenCaseWith(hub.Pki.ClientCertificate("BE-FCCU", "BE")));
    }

    public static TheoryData<string> NamesOtherThanTheCommonName => ["O", "OU", "E"];

    [Theory]
    [MemberData(nameof(NamesOtherThanTheCommonName))]
    public async Task A_certificate_without_common_name_does_not_speak_for_the_unit_its_other_names_give(string attribute)
    {
        // More than one name component, as real subjects have: X509NameType.SimpleName then falls back to OU, O or E.
        var subject = Subject(names =>
        {
            names.AddCountryOrRegion("NL");
            switch (attribute)
            {
                case "O": names.AddOrganizationName("NL-TBKK"); break;
                case "OU": names.AddOrganizationName("EvidenceHub test"); names.AddOrganizationalUnitName("NL-TBKK"); break;
                default: names.AddEmailAddress("NL-TBKK"); break;
            }
        });
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(hub.Pki.ShapedClientCertificate(subject, extendedKeyUsages: ClientAuth)));
    }

    [Fact]
    public async Task A_certificate_with_two_common_names_is_refused()
    {
        var subject = Subject(n => { n.AddCommonName("BE-FCCU"); n.AddCommonName("NL-TBKK"); });
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(hub.Pki.ShapedClientCertificate(subject, extendedKeyUsages: ClientAuth)));
    }

    [Fact]
    public async Task A_certificate_without_the_client_authentication_purpose_is_refused()
    {
        var subject = Subject(n => n.AddCommonName("NL-TBKK"));
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(hub.Pki.ShapedClientCertificate(subject)));
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(hub.Pki.ShapedClientCertificate(subject, extendedKeyUsages: ServerAuth)));
    }

    [Fact]
    public async Task A_certificate_whose_key_may_only_encipher_is_refused()
    {
        var certificate = hub.Pki.ShapedClientCertificate(Subject(n => n.AddCommonName("NL-TBKK")),
            keyUsage: X509KeyUsageFlags.KeyEncipherment, extendedKeyUsages: ClientAuth);
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(certificate));
    }

    [Fact]
    public async Task A_CA_certificate_is_refused()
    {
        var certificate = hub.Pki.ShapedClientCertificate(Subject(n => n.AddCommonName("NL-TBKK")),
            certificateAuthority: true, keyUsage: X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, extendedKeyUsages: ClientAuth);
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(certificate));
    }

    [Fact]
    public async Task A_certificate_revoked_in_the_CRL_is_refused()
    {
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(hub.RevokedBeforeStart));
    }

    [Fact]
    public async Task A_certificate_revoked_while_the_hub_runs_is_refused_from_the_next_call()
    {
        var certificate = hub.Pki.ClientCertificate("CA-RCMP-NCECC", "CA");
        // Accepted twice: the second answer comes from the validation cache.
        Assert.Equal(StatusCode.OK, await OpenCaseWith(certificate));
        Assert.Equal(StatusCode.OK, await OpenCaseWith(certificate));
        hub.Revoke(certificate);
        Assert.Equal(StatusCode.Unauthenticated, await OpenCaseWith(certificate));
        // The others of the same CA are still served under the new list.
        Assert.Equal(StatusCode.OK, await OpenCaseWith(hub.Pki.ClientCertificate("BE-FCCU", "BE")));
    }
}
