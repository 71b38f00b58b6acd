using System.Runtime.CompilerServices;
using System.Text;
using Marten;

namespace EvidenceHub.Hub.Audit;

/// The access records a filter selects, in time order, one page in memory at a time however many match.
public sealed class AccessLogQuery(IDocumentStore store, AuditDatabase database)
{
    public const int PageSize = 1000;

    public async IAsyncEnumerable<IReadOnlyList<FoundAccessRecord>> Pages(AccessFilter filter, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var serializer = store.Options.Serializer();
        await using var connection = await database.Open(cancellation);
        AccessRecordKey? last = null;
        var found = 0;
        while (found < filter.MaxRecords)
        {
            var page = new List<FoundAccessRecord>(PageSize);
            await using (var command = filter.Command(connection, last, Math.Min(PageSize, filter.MaxRecords - found)))
            await using (var rows = await command.ExecuteReaderAsync(cancellation))
            {
                while (await rows.ReadAsync(cancellation))
                {
                    last = new AccessRecordKey(rows.GetFieldValue<DateTime>(0), rows.GetGuid(1), rows.GetInt64(2));
                    var recorded = serializer.FromJson<AccessRecorded>(new MemoryStream(Encoding.UTF8.GetBytes(rows.GetString(4))));
                    page.Add(new FoundAccessRecord(recorded, rows.GetInt64(3), rows.IsDBNull(5) ? null : rows.GetInt64(5)));
                }
            }
            if (page.Count > 0) yield return page;
            found += page.Count;
            if (page.Count < PageSize) break;
        }
    }
}
