using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Containers.Interop;

/// <summary>
/// A minimal reader of one BPF ring buffer map through libbpf's <c>ring_buffer__poll</c> on a dedicated thread.
/// Kept small and isolated: it can be replaced by Gadget.Bpf's ring buffer reader when that exists.
/// </summary>
internal sealed unsafe class RingBufferPoller : IDisposable
{
    private readonly nint _ringBuffer;
    private readonly GCHandle _self;
    private readonly Action<ReadOnlySpan<byte>> _onRecord;
    private readonly Thread _thread;
    private volatile bool _stopping;

    internal RingBufferPoller(BpfMap map, Action<ReadOnlySpan<byte>> onRecord, string threadName)
    {
        _onRecord = onRecord;
        _self = GCHandle.Alloc(this);
        _ringBuffer = NativeMethods.ring_buffer__new(map.FileDescriptor, &OnSample, (void*)GCHandle.ToIntPtr(_self), null);
        if (_ringBuffer == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _self.Free();
            throw new BpfException($"Cannot read ring buffer '{map.Name}': {Errno.Name(errno)} ({Errno.Describe(errno)}).", errno);
        }
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        NativeMethods.ring_buffer__consume(_ringBuffer); // what arrived after the last poll
        NativeMethods.ring_buffer__free(_ringBuffer);
        _self.Free();
    }

    private void Run()
    {
        while (!_stopping)
        {
            NativeMethods.ring_buffer__poll(_ringBuffer, 50);
        }
    }

    [UnmanagedCallersOnly]
    private static int OnSample(void* context, void* data, nuint size)
    {
        var self = (RingBufferPoller)GCHandle.FromIntPtr((nint)context).Target!;
        self._onRecord(new ReadOnlySpan<byte>(data, (int)size));
        return 0;
    }
}
