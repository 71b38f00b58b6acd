using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;

namespace EvidenceHub.Tests.Deciders;

/// The catalog is the one list of commands: every command RPC, every Sync item and every answer type must be in it.
public sealed class CommandCatalogTests
{
    [Fact]
    public void Every_command_rpc_of_the_case_service_is_in_the_catalog_with_its_request_and_answer()
    {
        // ImportMedia streams batches (media.proto), each run by the engine as a command of its own, not a Sync item.
        var rpcs = CaseService.Descriptor.Methods.Where(m => m.Name is not ("GetCase" or "Sync" or "ImportMedia"))
            .Select(m => (m.Name, Request: m.InputType.FullName, Result: m.OutputType.FullName)).OrderBy(m => m.Name);
        var kinds = CommandCatalog.Kinds.Select(k => (Name: k.Rpc, Request: k.Request.FullName, Result: k.Result.FullName)).OrderBy(k => k.Name);
        Assert.Equal(rpcs, kinds);
    }

    [Fact]
    public void Every_sync_item_is_a_command_of_the_catalog_and_every_command_can_be_synced()
    {
        var items = SyncCommand.Descriptor.Oneofs.Single().Fields.Select(f => f.MessageType.FullName).Order();
        Assert.Equal(items, CommandCatalog.Kinds.Select(k => k.Request.FullName).Order());
        Assert.All(CommandCatalog.Kinds, k => Assert.Equal(k.Request, SyncCommand.Descriptor.FindFieldByNumber((int)k.SyncCase).MessageType));
    }

    [Fact]
    public void Every_answer_can_travel_in_a_sync_result_and_be_marked_replayed()
    {
        var outcomes = SyncResult.Descriptor.Oneofs.Single(o => o.Name == "outcome").Fields.Select(f => f.MessageType).ToHashSet();
        Assert.All(CommandCatalog.Kinds, k =>
        {
            Assert.Contains(k.Result, outcomes);
            Assert.Equal(Google.Protobuf.Reflection.FieldType.Bool, k.Result.FindFieldByName("replayed")?.FieldType);
            Assert.NotNull(k.Request.FindFieldByName("command_id"));
        });
    }
}
