using TcpEventRecord = Gadget.Gadgets.Bpf.Tcpconnect.TcpEvent;

namespace Gadget.Gadgets;

/// <summary>A TCP gadget that reports <c>struct tcp_event</c> records (tcpconnect, tcpaccept) through the shared <see cref="GadgetRuntime"/>.</summary>
internal sealed class TcpEventStream<TEvent> : IAsyncDisposable
    where TEvent : class
{
    private readonly GadgetRuntime _runtime;
    private readonly RecordDecoder<TEvent> _decode;

    public TcpEventStream(string objectName, GadgetOptions options, Func<TcpEventRecord, GadgetRuntime, TEvent> convert)
    {
        Gadget.Bpf.BpfEnvironment.EnsureTracefs(); // tracepoints attach through tracefs, not mounted on a fresh machine
        _runtime = GadgetRuntime.Start(objectName, options);
        var runtime = _runtime;
        _decode = record => record.Length < TcpEventRecord.Size
            ? throw new InvalidDataException($"A TCP event record has {record.Length} bytes, expected {TcpEventRecord.Size}.")
            : convert(RecordView.Of<TcpEventRecord>(record), runtime);
    }

    public GadgetRuntime Runtime => _runtime;

    public ulong LostEvents => _runtime.LostEvents;

    public IAsyncEnumerable<TEvent> ReadAsync(CancellationToken cancellationToken) => _runtime.ReadAsync(_decode, cancellationToken);

    public void Dispose() => _runtime.Dispose();

    public ValueTask DisposeAsync()
    {
        _runtime.Dispose();
        return ValueTask.CompletedTask;
    }
}
