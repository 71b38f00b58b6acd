using EvidenceHub.Contracts.V1;
using Spectre.Console;

namespace EvidenceHub.Cli.Rendering;

/// A case as people read it: its header, then identifiers, victim links (only the owner and auditors get them) and
/// handoffs.
public static class CaseView
{
    public static void Render(Output output, Case file, string? title = null)
    {
        if (output.Json) { output.Message(file); return; }
        if (title is not null) output.Line(title);
        var policy = file.SharingPolicy;
        output.Fields([
            ("case", file.CaseId),
            ("reference", file.Reference),
            ("owner", file.OwnerUnit + (file.OpenedByUnit != file.OwnerUnit && file.OpenedByUnit.Length > 0 ? $" (opened by {file.OpenedByUnit})" : "")),
            ("offence", Vocabulary.Word(file.OffenceType)),
            ("status", (file.Erased ? "erased, " : "") + Vocabulary.Word(file.Status) + (file.CloseReason.Length > 0 ? $": {file.CloseReason}" : "")),
            ("sharing", policy is null ? "" : $"{Vocabulary.Word(policy.Tlp)} {Vocabulary.Word(policy.HandlingCode)}"
                + (policy.HandlingRestrictions.Length > 0 ? $" ({policy.HandlingRestrictions})" : "")
                + (policy.PartnerUnits.Count > 0 ? $", partners {string.Join(", ", policy.PartnerUnits)}" : "")),
            ("version", file.Version.ToString()),
            ("opened", Output.Time(file.OpenedAt)),
            ("updated", Output.Time(file.UpdatedAt)),
            ("victims", file.VictimCount.ToString()),
            ("co-leads", string.Join(", ", file.CoLeadUnits)),
        ]);

        if (file.Identifiers.Count > 0)
        {
            var identifiers = Output.Table("identifier key", "as sent", "added", "by", "status");
            foreach (var i in file.Identifiers)
                identifiers.AddRow(Output.Cell(i.Key), Output.Cell(i.RawValue), Output.Cell(Output.Time(i.AddedAt)), Output.Cell(i.AddedByUnit),
                    Output.Cell(i.RetractedAt is null ? "active" : $"retracted {Output.Time(i.RetractedAt)}: {i.RetractionReason}"));
            output.Render(identifiers.Title($"{file.Identifiers.Count} suspect identifiers"));
        }
        if (file.VictimLinks.Count > 0)
        {
            var victims = Output.Table("victim reference", "age band", "country", "first contact", "contacted by");
            foreach (var v in file.VictimLinks)
                victims.AddRow(Output.Cell(v.VictimReference), Output.Cell(Vocabulary.Word(v.AgeBand)), Output.Cell(v.Country),
                    Output.Cell(Output.Date(v.FirstContactDate)), Output.Cell(v.ContactedBy));
            output.Render(victims.Title($"{file.VictimLinks.Count} victim links"));
        }
        if (file.Handoffs.Count > 0)
        {
            var handoffs = Output.Table("handoff", "from", "to", "status", "requested", "answered", "reason");
            foreach (var h in file.Handoffs)
                handoffs.AddRow(Output.Cell(h.HandoffId), Output.Cell(h.FromUnit), Output.Cell(h.TargetUnit), Output.Cell(Vocabulary.Word(h.Status)),
                    Output.Cell(Output.Time(h.RequestedAt)), Output.Cell(Output.Time(h.AnsweredAt)),
                    Output.Cell(h.Reason + (h.DeclineReason.Length > 0 ? $" / declined: {h.DeclineReason}" : "")));
            output.Render(handoffs.Title("handoffs"));
        }
    }
}
