using System.Net.Sockets;
using System.Text;
using Gadget.CommandLine;

namespace Traceloop;

/// <summary>
/// What <c>traceloop dump</c> asks a running <c>traceloop watch</c> on its Unix socket: one line, <c>text|json CONTAINER</c>,
/// then the end of the client's writing. A container argument holding a line break would cut that line (the watch
/// dumped the part before it) or add a request line of its own: the client refuses such an argument, and the watch
/// refuses any request it cannot read whole as one such line (it answers <c>error: ...</c> and dumps nothing).
/// </summary>
internal sealed record DumpRequest(string Format, string Container)
{
    /// <summary>Bytes a request may take (a container id is 64 characters, a name a few dozen).</summary>
    internal const int MaxBytes = 4096;

    private const string Expected = "expected one line 'text|json CONTAINER'";

    /// <summary>The request's line, as the client sends it.</summary>
    internal string Line => $"{Format} {Container}\n";

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
        var format = space < 0 ? line : line[..space];
        if (format is not ("text" or "json"))
        {
            return (null, $"bad request '{DisplayText.Escape(line)}': {Expected}.");
        }
        var container = space < 0 ? "" : line[(space + 1)..];
        return Refuse(container) is { } refused ? (null, $"bad request: {refused}") : (new DumpRequest(format, container), null);
    }

    private static bool HasControlCharacters(string text) =>
        text.AsSpan().ContainsAnyInRange('\0', '\x1f') || text.AsSpan().ContainsAnyInRange('\x7f', '\x9f');
}
