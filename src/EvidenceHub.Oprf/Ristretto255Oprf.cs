using System.Security.Cryptography;

namespace EvidenceHub.Oprf;

/// An element or input the OPRF refuses (RFC 9497: DeserializeError, InvalidInputError).
public sealed class OprfException(string message) : Exception(message);

/// A blinded input: the client keeps Blind secret and sends Element to the server.
public sealed record BlindedInput(byte[] Blind, byte[] Element);

/// RFC 9497 OPRF mode (0x00), suite ristretto255-SHA512: the client's half (Blind, Finalize) and the operations both
/// halves share. The server's half is OprfServerKey.
public static class Ristretto255Oprf
{
    public const int ElementBytes = Sodium.ElementBytes;
    public const int ScalarBytes = Sodium.ScalarBytes;
    public const int OutputBytes = 64;
    public const int SeedBytes = 32;

    /// "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier (RFC 9497 section 3.1).
    public static ReadOnlySpan<byte> ContextString => "OPRFV1-\0-ristretto255-SHA512"u8;

    private static readonly byte[] HashToGroupDst = [.. "HashToGroup-"u8, .. ContextString];
    private static readonly byte[] HashToScalarDst = [.. "HashToScalar-"u8, .. ContextString];
    private static readonly byte[] DeriveKeyPairDst = [.. "DeriveKeyPair"u8, .. ContextString];

    /// Blinds an input with a fresh random scalar.
    public static BlindedInput Blind(ReadOnlySpan<byte> input)
    {
        Sodium.EnsureInitialised();
        var blind = new byte[ScalarBytes];
        Sodium.crypto_core_ristretto255_scalar_random(blind);
        return Blind(input, blind);
    }

    /// Blinds with a given scalar: for the RFC's test vectors, whose blinds are fixed.
    public static BlindedInput Blind(ReadOnlySpan<byte> input, byte[] blind)
    {
        if (!IsCanonicalNonZeroScalar(blind)) throw new OprfException("the blind is not a non-zero scalar");
        var blinded = new byte[ElementBytes];
        if (Sodium.crypto_scalarmult_ristretto255(blinded, blind, HashToGroup(input)) != 0) throw new OprfException("the input cannot be blinded");
        return new BlindedInput(blind, blinded);
    }

    /// The PRF output from the server's answer to a blinded input.
    public static byte[] Finalize(ReadOnlySpan<byte> input, byte[] blind, ReadOnlySpan<byte> evaluatedElement)
    {
        if (ElementProblem(evaluatedElement) is { } problem) throw new OprfException("the evaluated element " + problem);
        var inverse = new byte[ScalarBytes];
        if (Sodium.crypto_core_ristretto255_scalar_invert(inverse, blind) != 0) throw new OprfException("the blind is zero");
        var unblinded = new byte[ElementBytes];
        if (Sodium.crypto_scalarmult_ristretto255(unblinded, inverse, evaluatedElement) != 0) throw new OprfException("the evaluated element cannot be unblinded");
        return FinalizeHash(input, unblinded);
    }

    /// Null when the bytes are a valid, non-identity ristretto255 element (RFC 9497 DeserializeElement); else why not.
    public static string? ElementProblem(ReadOnlySpan<byte> element)
    {
        Sodium.EnsureInitialised();
        if (element.Length != ElementBytes) return $"must be {ElementBytes} bytes, not {element.Length}";
        if (Sodium.crypto_core_ristretto255_is_valid_point(element) != 1) return "is not the canonical encoding of a ristretto255 element";
        // The identity's canonical encoding is all zeros, and is_valid_point accepts it.
        return element.IndexOfAnyExcept((byte)0) < 0 ? "is the identity element" : null;
    }

    /// HashToGroup for ristretto255 (RFC 9497 section 4.1): the one-way map of 64 bytes of expand_message_xmd.
    internal static byte[] HashToGroup(ReadOnlySpan<byte> input)
    {
        Sodium.EnsureInitialised();
        var element = new byte[ElementBytes];
        Sodium.crypto_core_ristretto255_from_hash(element, ExpandMessageXmd.Sha512(input, HashToGroupDst, Sodium.HashBytes));
        if (element.IndexOfAnyExcept((byte)0) < 0) throw new OprfException("the input maps to the identity element");
        return element;
    }

    /// HashToScalar for ristretto255: 64 bytes of expand_message_xmd reduced modulo the group order.
    internal static byte[] HashToScalar(ReadOnlySpan<byte> input, ReadOnlySpan<byte> dst)
    {
        Sodium.EnsureInitialised();
        var scalar = new byte[ScalarBytes];
        Sodium.crypto_core_ristretto255_scalar_reduce(scalar, ExpandMessageXmd.Sha512(input, dst, Sodium.NonReducedScalarBytes));
        return scalar;
    }

    /// DeriveKeyPair (RFC 9497 section 3.2.1): the secret scalar for a seed and an info string.
    internal static byte[] DeriveSecret(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info)
    {
        if (seed.Length != SeedBytes) throw new ArgumentException($"an OPRF seed is {SeedBytes} bytes, not {seed.Length}", nameof(seed));
        if (info.Length > ushort.MaxValue) throw new ArgumentException("the key info is longer than 65535 bytes", nameof(info));
        byte[] deriveInput = [.. seed, (byte)(info.Length >> 8), (byte)info.Length, .. info, 0];
        for (var counter = 0; counter <= 255; counter++)
        {
            deriveInput[^1] = (byte)counter;
            var secret = HashToScalar(deriveInput, DeriveKeyPairDst);
            if (secret.IndexOfAnyExcept((byte)0) >= 0) return secret;
        }
        throw new OprfException("DeriveKeyPairError");
    }

    /// Hash(I2OSP(len(input), 2) || input || I2OSP(len(element), 2) || element || "Finalize").
    internal static byte[] FinalizeHash(ReadOnlySpan<byte> input, ReadOnlySpan<byte> unblindedElement)
    {
        if (input.Length > ushort.MaxValue) throw new OprfException("the input is longer than 65535 bytes");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        hash.AppendData([(byte)(input.Length >> 8), (byte)input.Length]);
        hash.AppendData(input);
        hash.AppendData([0, ElementBytes]);
        hash.AppendData(unblindedElement);
        hash.AppendData("Finalize"u8);
        return hash.GetHashAndReset();
    }

    /// A scalar below the group order and not zero: reducing it (padded to 64 bytes) leaves it unchanged.
    internal static bool IsCanonicalNonZeroScalar(ReadOnlySpan<byte> scalar)
    {
        Sodium.EnsureInitialised();
        if (scalar.Length != ScalarBytes || scalar.IndexOfAnyExcept((byte)0) < 0) return false;
        Span<byte> wide = stackalloc byte[Sodium.NonReducedScalarBytes];
        wide.Clear();
        scalar.CopyTo(wide);
        Span<byte> reduced = stackalloc byte[ScalarBytes];
        Sodium.crypto_core_ristretto255_scalar_reduce(reduced, wide);
        return reduced.SequenceEqual(scalar);
    }
}

/// The server's half: a secret key (RFC 9497 skS) that evaluates blinded elements, and the PRF itself on inputs the
/// server holds in the clear.
public sealed class OprfServerKey
{
    private readonly byte[] secret;

    private OprfServerKey(byte[] secret)
    {
        this.secret = secret;
        PublicKey = new byte[Ristretto255Oprf.ElementBytes];
        if (Sodium.crypto_scalarmult_ristretto255_base(PublicKey, secret) != 0) throw new OprfException("the secret key is zero");
    }

    /// pkS = skS * G. OPRF mode does not use it; it names the key without revealing it.
    public byte[] PublicKey { get; }

    internal ReadOnlySpan<byte> Secret => secret;

    /// DeriveKeyPair(seed, info).
    public static OprfServerKey Derive(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info) => new(Ristretto255Oprf.DeriveSecret(seed, info));

    /// BlindEvaluate: skS * blindedElement. Throws OprfException for an element that is not a valid, non-identity
    /// ristretto255 encoding.
    public byte[] BlindEvaluate(ReadOnlySpan<byte> blindedElement)
    {
        if (Ristretto255Oprf.ElementProblem(blindedElement) is { } problem) throw new OprfException("the blinded element " + problem);
        var evaluated = new byte[Ristretto255Oprf.ElementBytes];
        if (Sodium.crypto_scalarmult_ristretto255(evaluated, secret, blindedElement) != 0) throw new OprfException("the blinded element cannot be evaluated");
        return evaluated;
    }

    /// Evaluate (RFC 9497 section 3.3.1): the PRF output for an input the server holds, equal to what a client gets
    /// from Blind, BlindEvaluate and Finalize on the same input.
    public byte[] Evaluate(ReadOnlySpan<byte> input)
    {
        var evaluated = new byte[Ristretto255Oprf.ElementBytes];
        if (Sodium.crypto_scalarmult_ristretto255(evaluated, secret, Ristretto255Oprf.HashToGroup(input)) != 0) throw new OprfException("the input cannot be evaluated");
        return Ristretto255Oprf.FinalizeHash(input, evaluated);
    }
}
