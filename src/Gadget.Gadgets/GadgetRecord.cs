using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// What every view of a record holds (<see cref="ExitEventView"/>, <see cref="SignalEventView"/>,
/// <see cref="MountEventView"/>): the record's bytes in the ring buffer and the gadget's runtime (null for a record parsed
/// without one), which resolves containers and keeps the strings of the texts already seen.
/// </summary>
internal readonly ref struct GadgetRecord
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly GadgetRuntime? _runtime;

    public GadgetRecord(ReadOnlySpan<byte> bytes, GadgetRuntime? runtime)
    {
        _bytes = bytes;
        _runtime = runtime;
    }

    /// <summary>The record as the struct generated for it (see <see cref="RecordView.Of{T}"/>).</summary>
    public ref T As<T>()
        where T : unmanaged => ref RecordView.Of<T>(_bytes);

    /// <summary>The <c>struct gadget_process</c> at <paramref name="offset"/>.</summary>
    public ProcessView Process(int offset) => new(_bytes, offset);

    /// <summary>The container of <paramref name="cgroupId"/>, when the gadget's collection knows it.</summary>
    public Container? Container(ulong cgroupId) => _runtime?.ResolveContainer(cgroupId);

    /// <summary><paramref name="utf8"/> (no NUL) as a string, from the gadget's cache of texts when there is one.</summary>
    public string Text(ReadOnlySpan<byte> utf8) => RecordText.FromUtf8(utf8, _runtime?.Texts);
}
