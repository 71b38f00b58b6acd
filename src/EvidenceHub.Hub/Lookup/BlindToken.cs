namespace EvidenceHub.Hub.Lookup;

/// Which identifier a blind token stands for.
public sealed class BlindToken
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
}
