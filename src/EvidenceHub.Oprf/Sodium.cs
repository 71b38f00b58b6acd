using System.Runtime.InteropServices;

namespace EvidenceHub.Oprf;

/// The few libsodium functions the OPRF needs (ristretto255, RFC 9496), declared directly: the maintained .NET
/// bindings (NSec, Geralt, Sodium.Core) do not expose ristretto255, and the libsodium package ships the native library
/// for every platform the hub and the CLI run on.
internal static partial class Sodium
{
    private const string Library = "libsodium";

    public const int ElementBytes = 32;
    public const int ScalarBytes = 32;
    public const int HashBytes = 64;
    public const int NonReducedScalarBytes = 64;

    static Sodium()
    {
        // 0: initialised now, 1: already initialised; -1: the library cannot be used (no usable random source).
        if (sodium_init() < 0) throw new InvalidOperationException("libsodium could not be initialised");
    }

    /// Forces the static initialiser before any other call.
    public static void EnsureInitialised() { }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    /// 1 when the 32 bytes are the canonical encoding of a ristretto255 element (the identity included), else 0.
    [LibraryImport(Library)]
    public static partial int crypto_core_ristretto255_is_valid_point(ReadOnlySpan<byte> p);

    /// The element for 64 uniformly random bytes (the one-way map of RFC 9496 section 4.3.4).
    [LibraryImport(Library)]
    public static partial int crypto_core_ristretto255_from_hash(Span<byte> p, ReadOnlySpan<byte> r);

    /// q = n * p; -1 when q is the identity (and when p is not a valid encoding).
    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_ristretto255(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    /// q = n * G; -1 when q is the identity.
    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_ristretto255_base(Span<byte> q, ReadOnlySpan<byte> n);

    /// recip = s^-1 mod L; -1 when s is zero.
    [LibraryImport(Library)]
    public static partial int crypto_core_ristretto255_scalar_invert(Span<byte> recip, ReadOnlySpan<byte> s);

    /// r = s mod L, s a 64-byte little-endian number.
    [LibraryImport(Library)]
    public static partial void crypto_core_ristretto255_scalar_reduce(Span<byte> r, ReadOnlySpan<byte> s);

    /// A uniformly random scalar in ]0, L[.
    [LibraryImport(Library)]
    public static partial void crypto_core_ristretto255_scalar_random(Span<byte> r);
}
