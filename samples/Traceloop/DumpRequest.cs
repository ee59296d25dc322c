using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Gadget.CommandLine;
using Gadget.Traceloop.Decoding;

namespace Traceloop;

/// <summary>
/// What <c>traceloop dump</c> asks a running <c>traceloop watch</c> on its Unix socket: one line, <c>FORMAT CONTAINER</c>,
/// then the end of the client's writing. FORMAT is <c>text</c> or <c>json</c>, followed by the printing options that are
/// not strace's defaults, each after a <c>;</c>: <c>s=N</c> (-s), <c>T</c> (-T), <c>t=1|2|3</c> (-t, -tt, -ttt),
/// <c>e=SET</c> (-e trace=SET, percent-encoded: <c>e=open%2Cread</c>); e.g. <c>text;s=64;T web</c>. A client asking
/// for no option sends the line of the clients before them (<c>text web</c>), which every watch answers; a watch older
/// than the options refuses a line that has some (<see cref="OlderWatchHint"/>). A container argument holding a line
/// break would cut that line (the watch dumped the part before it) or add a request line of its own: the client refuses
/// such an argument, and the watch refuses any request it cannot read whole as one such line, an unknown, repeated or
/// malformed option included (it answers <c>error: ...</c> and dumps nothing).
/// </summary>
internal sealed record DumpRequest(HistoryPrinting Printing, string Container)
{
    /// <summary>Bytes a request may take (a container id is 64 characters, a name a few dozen).</summary>
    internal const int MaxBytes = 4096;

    private const string Expected = "expected one line 'text|json[;s=N][;T][;t=1|2|3][;e=SET] CONTAINER'";

    /// <summary>The request's line, as the client sends it.</summary>
    /// <exception cref="CommandLineException">The line would be longer than <see cref="MaxBytes"/> (a long -e SET).</exception>
    internal string Line
    {
        get
        {
            var line = $"{Token(Printing)} {Container}\n";
            return Encoding.UTF8.GetByteCount(line) <= MaxBytes ? line
                : throw new CommandLineException($"the dump request would be longer than {MaxBytes} bytes: give a shorter -e SET.");
        }
    }

    /// <summary>
    /// What the client adds to a watch's refusal of a request that asked for printing options: a watch older than them
    /// refuses every such request as a bad one.
    /// </summary>
    internal static string OlderWatchHint(HistoryPrinting printing, string error) =>
        error.StartsWith("bad request '", StringComparison.Ordinal) && Token(printing).Contains(';', StringComparison.Ordinal)
            ? " (a watch older than dump's -s, -T, -t and -e takes none of them: dump without them, or restart the watch)"
            : "";

    /// <summary>Why <paramref name="container"/> cannot be asked for (a one-line message, the value escaped), or null.</summary>
    internal static string? Refuse(string container) =>
        container.Length == 0 ? "the container is an empty string: give its id, a unique prefix of it, or its name."
        : HasControlCharacters(container) ? $"the container '{DisplayText.Escape(container)}' holds control characters: a container's id or name has none."
        : Encoding.UTF8.GetByteCount(container) > MaxBytes - "text \n".Length ? $"the container '{DisplayText.Escape(container[..64])}...' is longer than a container's id or name."
        : null;

    /// <summary>
    /// Reads one request from <paramref name="client"/>: up to its first line break (or the end of its writing), which must
    /// be all it sent so far. Returns the request, or why it is refused (a message for the client, the text escaped).
    /// </summary>
    internal static async Task<(DumpRequest? Request, string? Error)> ReadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int newline;
        while ((newline = Array.IndexOf(buffer, (byte)'\n', 0, length)) < 0 && length < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break; // the end of the client's writing ends the line too
            }
            length += read;
        }
        if (newline < 0 && length > MaxBytes)
        {
            return (null, $"the request is longer than {MaxBytes} bytes: {Expected}.");
        }
        var end = newline < 0 ? length : newline;
        if (newline >= 0 && (length > newline + 1 || client.Available > 0))
        {
            return (null, $"the request is more than one line: {Expected}.");
        }
        if (end > 0 && buffer[end - 1] == '\r')
        {
            end--; // a CRLF line end
        }
        string line;
        try
        {
            line = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, end);
        }
        catch (DecoderFallbackException)
        {
            return (null, $"the request is not UTF-8 text: {Expected}.");
        }
        if (line.Length == 0)
        {
            return (null, $"the request is empty: {Expected}.");
        }
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var token = space < 0 ? line : line[..space];
        var parts = token.Split(';');
        if (parts[0] is not ("text" or "json"))
        {
            return (null, $"bad request '{DisplayText.Escape(line)}': {Expected}.");
        }
        var container = space < 0 ? "" : line[(space + 1)..];
        if (Refuse(container) is { } refused)
        {
            return (null, $"bad request: {refused}");
        }
        var (printing, error) = ParseOptions(parts[0], parts.AsSpan(1));
        return printing is null
            ? (null, $"bad request '{DisplayText.Escape(line)}': {DisplayText.Escape(error!)} ({Expected}).")
            : (new DumpRequest(printing, container), null);
    }

    /// <summary>The line's first word: the format, then the options that are not the defaults.</summary>
    private static string Token(HistoryPrinting printing)
    {
        var syscalls = printing.Syscalls;
        var token = new StringBuilder(printing.Format);
        if (syscalls.StringLimit != SyscallPrinting.DefaultStringLimit)
        {
            token.Append(CultureInfo.InvariantCulture, $";s={syscalls.StringLimit}");
        }
        if (syscalls.Durations)
        {
            token.Append(";T");
        }
        if (syscalls.TimeOfDay != SyscallTimeOfDay.None)
        {
            token.Append(CultureInfo.InvariantCulture, $";t={(int)syscalls.TimeOfDay}");
        }
        if (syscalls.Trace is { } trace)
        {
            token.Append(";e=").Append(Uri.EscapeDataString(trace));
        }
        return token.ToString();
    }

    /// <summary>The options after the format (<c>s=64</c>, <c>T</c>, ...), each known, given once, and well-formed; or why not.</summary>
    private static (HistoryPrinting? Printing, string? Error) ParseOptions(string format, ReadOnlySpan<string> options)
    {
        var printing = SyscallPrinting.Default;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = equals < 0 ? (option, null) : (option[..equals], option[(equals + 1)..]);
            if (!seen.Add(key))
            {
                return (null, $"option '{key}' given twice");
            }
            switch (key, value)
            {
                case ("s", { } text) when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit):
                    printing = printing with { StringLimit = limit };
                    break;
                case ("T", null):
                    printing = printing with { Durations = true };
                    break;
                case ("t", "1" or "2" or "3"):
                    printing = printing with { TimeOfDay = (SyscallTimeOfDay)(value[0] - '0') };
                    break;
                case ("e", { Length: > 0 } text) when IsPercentEncoded(text):
                    var trace = Uri.UnescapeDataString(text);
                    if (SyscallPrinting.RefuseTrace(trace, resolveNames: true) is { } refused)
                    {
                        return (null, "e: " + refused);
                    }
                    printing = printing with { Trace = trace };
                    break;
                default:
                    return (null, $"unknown or malformed option '{option}'");
            }
        }
        return (new HistoryPrinting(format, null, printing), null);
    }

    /// <summary>Only RFC 3986's unreserved characters and <c>%XX</c> escapes: what <see cref="Uri.EscapeDataString(string)"/> makes.</summary>
    private static bool IsPercentEncoded(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    return false;
                }
                i += 2;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_' or '~'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool HasControlCharacters(string text) =>
        text.AsSpan().ContainsAnyInRange('\0', '\x1f') || text.AsSpan().ContainsAnyInRange('\x7f', '\x9f');
}
