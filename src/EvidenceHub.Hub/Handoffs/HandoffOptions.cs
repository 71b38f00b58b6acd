namespace EvidenceHub.Hub.Handoffs;

/// Configured under "Handoffs".
public sealed class HandoffOptions
{
    /// How long a handoff request stands unanswered: Prüm-style follow-up is expected within 48 hours. Past it the
    /// request is no longer pending, cannot be accepted and shows the target nothing more of the case.
    public TimeSpan PendingFor { get; set; } = TimeSpan.FromHours(48);

    /// How often the requester may ask again after its request expired (EscalateHandoff), each time for PendingFor.
    public int MaxEscalations { get; set; } = 2;
}
