using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Captured memory as strace prints it: strings, buffers, argv; the address when the memory was not captured.</summary>
internal static class CaptureText
{
    /// <summary>A NUL-terminated string read at entry, cut at <paramref name="limit"/> bytes.</summary>
    public static void AppendString(in RenderContext context, int index, StringBuilder destination, int limit)
    {
        ulong raw = context.Argument(index);
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        int end = data.IndexOf((byte)0);
        if (end >= 0)
        {
            data = data[..end];
        }
        bool truncated = capture.Status == CaptureStatus.Truncated && end < 0;
        if (data.Length > limit)
        {
            data = data[..limit];
            truncated = true;
        }
        StraceText.AppendQuoted(destination, data, truncated);
    }

    /// <summary>A buffer of <paramref name="length"/> bytes (an argument, or the return value for buffers the kernel filled).</summary>
    public static void AppendBuffer(in RenderContext context, int index, StringBuilder destination, long length, bool forceHex, bool pathLike)
    {
        ulong raw = context.Argument(index);
        if (length == 0)
        {
            destination.Append("\"\"");
            return;
        }
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture || length < 0)
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        if ((ulong)data.Length > (ulong)length)
        {
            data = data[..(int)length];
        }
        bool truncated = (ulong)length > (ulong)data.Length;
        if (pathLike)
        {
            // The kernel's count includes the terminating NUL; a capture that stops right before it lacks nothing.
            int end = data.IndexOf((byte)0);
            truncated = end < 0 && (ulong)length > (ulong)data.Length + 1;
            if (end >= 0)
            {
                data = data[..end];
            }
        }
        else if (data.Length > context.StringLimit)
        {
            data = data[..context.StringLimit];
            truncated = true;
        }
        StraceText.AppendQuoted(destination, data, truncated, forceHex);
    }

    /// <summary>
    /// execve's argv: <c>["a", "b"]</c>, a string cut by a limit as <c>"abc"...</c>, <c>...</c> as the last element only when
    /// elements were left out, and the array's address when not even its first string could be read.
    /// </summary>
    public static void AppendStringArray(in RenderContext context, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture
            || (capture.Status == CaptureStatus.Truncated && capture.Data.IsEmpty))
        {
            StraceText.AppendPointer(destination, raw);
            return;
        }
        int limit = context.StringLimit;
        var data = capture.Data.Span;
        bool partial = capture.Status == CaptureStatus.Truncated;
        bool elided = false;
        bool anyCut = false;
        int count = 0;
        destination.Append('[');
        while (data.Length > 0)
        {
            if (count > 0)
            {
                destination.Append(", ");
            }
            if (count == limit)
            {
                destination.Append("...");
                elided = true;
                break;
            }
            int end = data.IndexOf((byte)0);
            var item = end >= 0 ? data[..end] : data;
            // An element that filled the BPF side's per-element buffer (or lacks its NUL) was cut there.
            bool cut = partial && (end < 0 || item.Length >= ArgvCapture.ElementSize - 1);
            anyCut |= cut;
            if (item.Length > limit)
            {
                item = item[..limit];
                cut = true;
            }
            StraceText.AppendQuoted(destination, item, cut);
            count++;
            data = end >= 0 ? data[(end + 1)..] : default;
        }
        // A partial capture left elements out when it holds as many as the BPF side reads, or when none of its elements was
        // cut (a read failed before the array's end). A partial capture with a cut element and fewer elements is taken as
        // complete in its count: the capture does not say whether a read also failed after it.
        if (!elided && partial && (count >= ArgvCapture.MaxElements || !anyCut))
        {
            destination.Append(", ...");
        }
        destination.Append(']');
    }

    /// <summary>
    /// The first <paramref name="size"/> bytes captured behind argument <paramref name="index"/>: an input structure, or (when
    /// <paramref name="written"/>) one the kernel wrote, which exists only when the call succeeded. False when the pointer is NULL,
    /// or the structure was not (wholly) captured: the caller then prints NULL or the address.
    /// </summary>
    public static bool TryGetStruct(scoped in RenderContext context, int index, int size, bool written, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (context.Argument(index) == 0 || (written && context.Failed)
            || context.FindCapture(index) is not { Status: CaptureStatus.Complete } capture || capture.Data.Length < size)
        {
            return false;
        }
        data = capture.Data.Span[..size];
        return true;
    }
}
