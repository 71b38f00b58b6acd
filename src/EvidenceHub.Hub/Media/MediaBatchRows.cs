using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Media.NearMatch;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Hub.Media;

/// One checked row of a batch: its hashes as AddMedia would add them (canonical identifiers, file hashes first, then
/// the PDQ hash) and its flags.
public sealed record MediaBatchRow(IReadOnlyList<(RawIdentifier Raw, CanonicalIdentifier Canonical)> Hashes, string? Pdq, int PdqQuality,
    bool VictimIdentified, bool OffenderIdentified, bool Distributed, int Category, bool ProviderFilter)
{
    public IReadOnlyList<string> Keys { get; } = [.. Hashes.Select(h => h.Canonical.Key)];

    /// The record's name within its case (MediaRecord.DigestOf its keys).
    public string Record => record ??= MediaRecord.DigestOf(Keys);
    private string? record;

    /// The row's key in each hash column of imported_media (ImportedMedia.HashColumns order), null where it has none.
    public string?[] Columns => columns ??= [.. ImportedMedia.HashColumns.Select(c => Keys.FirstOrDefault(k => ImportedMedia.ColumnOf(k) == c))];
    private string?[]? columns;

    /// The line the batch digest takes for the row: its keys, PDQ quality, category and flags.
    public string CanonicalLine =>
        $"{string.Join(',', Keys)}|{PdqQuality}|{Category}|{(VictimIdentified ? 1 : 0)}{(OffenderIdentified ? 1 : 0)}{(Distributed ? 1 : 0)}{(ProviderFilter ? 1 : 0)}";

    public MediaAdded ToEvent(Guid caseId) =>
        new(caseId, Keys, Pdq, PdqQuality, VictimIdentified, OffenderIdentified, Distributed, Category, null, ProviderFilter);
}

/// The checks of a whole batch before anything is written: every row by AddMedia's own rules (so a row is refused
/// exactly when AddMedia would refuse it), each bad row named rows[i].field; and its digest.
public static class MediaBatchRows
{
    public const long MaxFirstRow = 100_000_000_000_000_000;

    public static IReadOnlyList<MediaBatchRow> Check(MediaBatch batch, Caller caller, CaseTarget target, MediaHashes media, CorrelationOptions correlation,
        CaseLimits limits, MediaImportOptions options)
    {
        if (batch.Rows.Count == 0) throw Rejection.InvalidArgument("rows", "a batch holds at least one row");
        if (batch.Rows.Count > options.MaxRowsPerBatch)
            throw Rejection.InvalidArgument("rows", $"{batch.Rows.Count} rows; a batch holds at most {options.MaxRowsPerBatch} (MediaImport:MaxRowsPerBatch)");
        if (batch.CalculateSize() > options.MaxBatchBytes)
            throw Rejection.InvalidArgument("rows", $"the batch is larger than {options.MaxBatchBytes} bytes (MediaImport:MaxBatchBytes): send fewer rows");
        if (batch.FirstRow < 0) throw Rejection.InvalidArgument("first_row", "is not negative");
        // A file row is a position in a page token (CasePage: at most 18 digits), and first_row + rows must not wrap.
        if (batch.FirstRow > MaxFirstRow) throw Rejection.InvalidArgument("first_row", $"is at most {MaxFirstRow:N0} (a file row, counted from 1)");

        var rows = new List<MediaBatchRow>(batch.Rows.Count);
        var violations = new List<(string, string)>();
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            var row = batch.Rows[i];
            if (Plain(row, media.Options) is { } plain)
            {
                rows.Add(plain);
                continue;
            }
            try
            {
                var add = AddMedia.From(RequestOf(row), caller, target, media, correlation, limits);
                rows.Add(new MediaBatchRow(
                    [.. add.Hashes.Select(h => (h.Raw, IdentifierMapping.Canonicalize(h.Raw, "")))], add.Pdq?.ToHex(), add.PdqQuality,
                    row.VictimIdentified, row.OffenderIdentified, row.Distributed, row.Category, row.ProviderFilter));
            }
            catch (Rejection rejection)
            {
                foreach (var violation in Violations(rejection))
                    violations.Add(($"rows[{i}].{violation.Field}", $"{violation.Description} (file row {batch.FirstRow + i})"));
            }
        }
        if (violations.Count > 0) throw Rejection.InvalidArguments(violations);
        return rows;
    }

    /// The row as AddMedia would take it, when it is plainly well formed: every hash bare hex of its exact length (no
    /// prefix, no space), no placeholder value, PDQ quality and category in range. Anything else (null) goes through
    /// AddMedia.From itself, which accepts or refuses it with its own words: this only spares the common row the
    /// commands AddMedia builds for it, which were most of a batch's check.
    private static MediaBatchRow? Plain(MediaRow row, MediaOptions options)
    {
        var hashes = new List<(RawIdentifier, CanonicalIdentifier)>(4);
        bool Hash(string value, IdentifierKind kind, int length, string placeholder)
        {
            if (value.Length == 0) return true;
            if (value.Length != length || !value.All(char.IsAsciiHexDigit)) return false;
            var hex = value.ToLowerInvariant();
            if (hex == placeholder || hex.All(c => c == '0')) return false;
            hashes.Add((new RawIdentifier(kind, value), new CanonicalIdentifier(kind, hex, null)));
            return true;
        }
        if (!Hash(row.Sha256, IdentifierKind.FileHashSha256, 64, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            || !Hash(row.Sha1, IdentifierKind.FileHashSha1, 40, "da39a3ee5e6b4b0d3255bfef95601890afd80709")
            || !Hash(row.Md5, IdentifierKind.FileHashMd5, 32, "d41d8cd98f00b204e9800998ecf8427e")
            || hashes.Count == 0 || row.Category is < 0 or > AddMedia.MaxCategory)
            return null;
        string? pdq = null;
        if (row.Pdq.Length > 0)
        {
            if (row.PdqQuality < options.MinQuality || row.PdqQuality > 100 || !Hash256.TryParse(row.Pdq, out var parsed)) return null;
            pdq = parsed.ToHex();
            if (!Hash(pdq, IdentifierKind.PerceptualHash, 64, "")) return null;
        }
        else if (row.PdqQuality != 0) return null;
        return new MediaBatchRow(hashes, pdq, row.PdqQuality, row.VictimIdentified, row.OffenderIdentified, row.Distributed, row.Category, row.ProviderFilter);
    }

    /// SHA-256 (hex) over the rows' canonical lines, in row order, each ended by a newline.
    public static string Digest(IReadOnlyList<MediaBatchRow> rows)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in rows) sha.AppendData(Encoding.UTF8.GetBytes(row.CanonicalLine + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static AddMediaRequest RequestOf(MediaRow row) => new()
    {
        CommandId = "row", Sha256 = row.Sha256, Sha1 = row.Sha1, Md5 = row.Md5, Pdq = row.Pdq, PdqQuality = row.PdqQuality,
        VictimIdentified = row.VictimIdentified, OffenderIdentified = row.OffenderIdentified, Distributed = row.Distributed,
        Category = row.Category, ProviderFilter = row.ProviderFilter,
    };

    private static IEnumerable<Google.Rpc.BadRequest.Types.FieldViolation> Violations(Rejection rejection) =>
        rejection.Status.Details.Where(d => d.Is(Google.Rpc.BadRequest.Descriptor)).SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations);
}
