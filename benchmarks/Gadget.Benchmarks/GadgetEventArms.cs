using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// The arms of <see cref="ExitEventBenchmarks"/> for one gadget whose records can be read in place: through event
/// objects (<see cref="RingBufferGadget{TEvent}.ReadAsync"/>, then <see cref="EventWriter{T}"/>: the tools' path before)
/// and in place (<see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/>, then
/// <see cref="ViewEventWriter{TEvent, TView}"/>: the tools' path now). Output goes to <see cref="Stream.Null"/>, flushed
/// once per iteration.
/// </summary>
internal sealed class GadgetEventArms<TEvent, TView>(RingBufferViewGadget<TEvent, TView> gadget, ViewSchema<TEvent, TView> schema, Func<TEvent, int> pid, Func<TView, int> viewPid)
    : IGadgetEventArms
    where TEvent : class
    where TView : allows ref struct
{
    private readonly EventWriter<TEvent> _columns = new(schema.Events, OutputFormat.Columns, null, EventFilter.None, Stream.Null);
    private readonly EventWriter<TEvent> _json = new(schema.Events, OutputFormat.Json, null, EventFilter.None, Stream.Null);
    private ViewEventWriter<TEvent, TView> _viewColumns = new(schema, OutputFormat.Columns, null, EventFilter.None, output: Stream.Null);
    private ViewEventWriter<TEvent, TView> _viewJson = new(schema, OutputFormat.Json, null, EventFilter.None, output: Stream.Null);
    private PidSum _sum = new(viewPid);
    private IAsyncEnumerator<TEvent>? _events;

    public void Drain()
    {
        var drain = new PidSum(viewPid);
        gadget.Consume(ref drain);
    }

    public async Task<long> ReadAsync(int count, EventWriter<TEvent>? writer = null)
    {
        // Created at the first read only: an arm reads the gadget one way, and a Consume arm never enumerates.
        _events ??= gadget.ReadAsync().GetAsyncEnumerator();
        var sum = 0L;
        for (var i = 0; i < count && await _events.MoveNextAsync(); i++)
        {
            if (writer is null)
            {
                sum += pid(_events.Current);
            }
            else
            {
                writer.Write(_events.Current);
            }
        }
        writer?.Flush();
        return sum + (writer?.Count ?? 0);
    }

    public Task<long> Read(int count) => ReadAsync(count);

    public Task<long> Columns(int count) => ReadAsync(count, _columns);

    public Task<long> Json(int count) => ReadAsync(count, _json);

    public long View()
    {
        gadget.Consume(ref _sum);
        return _sum.Sum;
    }

    public long ViewColumns()
    {
        gadget.Consume(ref _viewColumns);
        _viewColumns.Flush();
        return _viewColumns.Count;
    }

    public long ViewJson()
    {
        gadget.Consume(ref _viewJson);
        _viewJson.Flush();
        return _viewJson.Count;
    }

    public void Dispose() => gadget.Dispose();

    // Consume only: a struct handler that reads one field of each record in place.
    private struct PidSum(Func<TView, int> pid) : IEventViewHandler<TView>
    {
        public long Sum;

        public void OnEvent(in TView view) => Sum += pid(view);
    }
}
