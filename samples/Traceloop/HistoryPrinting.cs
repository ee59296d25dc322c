using Gadget.CommandLine;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>
/// How a history is printed: <c>-o text|json</c> and strace's flags (<see cref="SyscallPrinting"/>: <c>-s</c>, <c>-T</c>,
/// <c>-t</c>/<c>-tt</c>/<c>-ttt</c>, <c>-e trace=SET</c>); and where to (<c>--output-file FILE</c>). What a dump asks its
/// watch for (<see cref="DumpRequest"/>), but <see cref="File"/>, which is the dump's own.
/// </summary>
/// <param name="Format"><c>text</c> or <c>json</c>.</param>
/// <param name="File">The file the history goes to instead of the usual stream, or null.</param>
/// <param name="Syscalls">strace's printing flags.</param>
internal sealed record HistoryPrinting(string Format, string? File, SyscallPrinting Syscalls)
{
    /// <summary>Most bytes of a data buffer the recorder keeps (TraceloopOptions.BufferCaptureBytes).</summary>
    internal const int MaxBufferCapture = 256;

    /// <summary>strace's defaults, as text.</summary>
    internal static HistoryPrinting Default { get; } = new("text", null, SyscallPrinting.Default);

    /// <summary>Bytes of each data buffer to record so that <see cref="SyscallPrinting.StringLimit"/> of them can be printed: min(-s, 256).</summary>
    internal int BufferCaptureBytes => Math.Min(Syscalls.StringLimit, MaxBufferCapture);

    /// <summary>The same printing without the output file (what a dump asks its watch for).</summary>
    internal HistoryPrinting WithoutFile() => this with { File = null };

    /// <summary>The writer of a history printed this way.</summary>
    internal SyscallHistoryWriter Writer() => Syscalls.Writer(json: Format == "json");

    /// <summary>Writes <paramref name="records"/> to <paramref name="writer"/>: syscalls, process exits, and what the history lacks.</summary>
    internal void Print(IReadOnlyList<Gadget.Traceloop.SyscallRecord> records, TextWriter writer) => Writer().Write(records, writer);
}
