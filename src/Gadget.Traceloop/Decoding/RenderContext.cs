namespace Gadget.Traceloop.Decoding;

/// <summary>
/// One syscall being rendered: the record, its decoder (<c>null</c> for an unknown syscall), and the formatter's settings.
/// A struct passed by reference: rendering allocates nothing.
/// </summary>
internal readonly struct RenderContext(SyscallRecord record, SyscallDecoder? decoder, RenderSettings settings)
{
    /// <summary>The record.</summary>
    public SyscallRecord Record { get; } = record;

    /// <summary>The syscall's decoder, or <c>null</c> when the syscall is unknown.</summary>
    public SyscallDecoder? Decoder { get; } = decoder;

    /// <summary>The formatter's options and the architecture's constants.</summary>
    public RenderSettings Settings { get; } = settings;

    /// <summary>Raw argument <paramref name="index"/> (a register).</summary>
    public ulong Argument(int index) => Record.Arguments[index];

    /// <summary>strace's <c>-s</c>.</summary>
    public int StringLimit => Settings.Options.StringLimit;

    /// <summary>Whether the syscall failed (an errno) or has not returned: the kernel wrote nothing worth showing.</summary>
    public bool Failed => Record.ReturnValue is not long value || (value < 0 && value >= -4095);

    /// <summary>The capture of register <paramref name="index"/>, or <c>null</c>.</summary>
    public CapturedArgument? FindCapture(int index)
    {
        var captured = Record.Captured;
        for (int i = 0; i < captured.Count; i++)
        {
            if (captured[i].Index == index)
            {
                return captured[i];
            }
        }
        return null;
    }
}
