using System.Net.Sockets;
using System.Text;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop dump CONTAINER</c> asks a running <c>traceloop watch</c> on its Unix socket: <c>text|json CONTAINER</c> as one
/// line. The watch said <c>ready:</c> before it listened: a dump asked for at once found no socket. A container argument
/// holding a line break was sent as it was: the watch dumped the container named by the part before the break (a second
/// request line came with it), and its answer echoed control characters to the terminal. The client now refuses such an
/// argument (exit 2, escaped, nothing sent), and the watch refuses a request it cannot read whole.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopDumpRequestTests
{
    [Fact]
    public async Task TheWatchListensOnceItSaysItIsReady()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-dump-watch-{Guid.NewGuid():N}.sock");
        using var watch = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", socket);
        await watch.WaitReadyAsync();

        // No container has that name: the lookup's own answer.
        Assert.StartsWith("error: No recorded container matches 'a'", await AskAsync(socket, "text a\n"), StringComparison.Ordinal);
        await watch.InterruptExpectingSuccessAsync();
        Assert.False(File.Exists(socket), $"{socket} is left behind");
    }

    [Theory]
    [InlineData("web\njson other", "'web\\njson other' holds control characters")]
    [InlineData("web\rtext", "'web\\rtext' holds control characters")]
    [InlineData("\u001b[2Jweb", "'\\x1b[2Jweb' holds control characters")]
    [InlineData("", "empty string")]
    public async Task TheClientRefusesAContainerItCannotSendAsOneLineAndSendsNothing(string container, string named)
    {
        // A socket where a watch would listen: whatever the client sends arrives here.
        var path = Path.Combine(Path.GetTempPath(), $"gadget-dump-{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var received = ReceiveOneRequestAsync(listener);
        try
        {
            var run = await Tool.Traceloop.RunAsync(["dump", "--socket", path, container]);

            run.AssertOneLineFailure(2, named);
            Assert.DoesNotContain('\u001b', run.Error);
            Assert.False(received.IsCompleted, $"the client connected and sent {(received.IsCompleted ? Escape(await received) : "")}");
        }
        finally
        {
            listener.Dispose();
            File.Delete(path);
            await Task.WhenAny(received); // ends with the listener (nothing was accepted)
        }
    }

    /// <summary>Requests and what the watch's one-line answer names. The old watch looked up the container named by the part
    /// it read (<c>a</c>; the rest of the line, as text, for <c>xml a</c>) and echoed an escape character raw.</summary>
    private static readonly (string Request, string AnswerNames)[] BadRequests =
    [
        ("text a\njson b\n", "more than one line"), // a container argument 'a\njson b': the old client sent this
        ("text a\r\njson b\n", "more than one line"),
        ("xml a\n", "bad request 'xml a'"),
        ("text a\rjson b\n", "'a\\rjson b' holds control characters"),
        ("text \u001b[2J\n", "'\\x1b[2J' holds control characters"),
        ("text \n", "empty string"),
        ("\n", "the request is empty"),
        // Printing options (dump's -s, -T, -t, -e): each known, given once, well-formed; a filter naming a known syscall.
        ("text;s=x a\n", "unknown or malformed option 's=x'"),
        ("text;s=-1 a\n", "unknown or malformed option 's=-1'"),
        ("text;q a\n", "unknown or malformed option 'q'"),
        ("text;T=1 a\n", "unknown or malformed option 'T=1'"),
        ("text;T;T a\n", "option 'T' given twice"),
        ("text;t=4 a\n", "unknown or malformed option 't=4'"),
        ("json;e= a\n", "unknown or malformed option 'e='"),
        ("text;e=open,read a\n", "unknown or malformed option 'e=open,read'"), // not percent-encoded
        ("text;e=%zz a\n", "unknown or malformed option 'e=%zz'"),
        ("text;e=nosuchsyscall a\n", "unknown syscall 'nosuchsyscall'"),
        ("text; a\n", "unknown or malformed option ''"),
    ];

    [Fact]
    public async Task TheWatchRefusesARequestItCannotReadWholeAndActsOnNoPartOfIt()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-dump-watch-{Guid.NewGuid():N}.sock");
        using var watch = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", socket);
        await watch.WaitReadyAsync();

        foreach (var (request, answerNames) in BadRequests)
        {
            var answer = await AskAsync(socket, request);

            Assert.True(answer.StartsWith("error: ", StringComparison.Ordinal) && answer.Contains(answerNames, StringComparison.Ordinal)
                && !answer.Contains("No recorded container", StringComparison.Ordinal) // nothing was looked up
                && !answer.Contains('\u001b', StringComparison.Ordinal) && answer.TrimEnd('\n').Split('\n').Length == 1,
                $"request {Escape(request)}: answer {Escape(answer)}");
        }
        // A well-formed request is still served, with printing options too.
        Assert.StartsWith("error: No recorded container matches 'a'", await AskAsync(socket, "text a\n"), StringComparison.Ordinal);
        Assert.StartsWith("error: No recorded container matches 'a'", await AskAsync(socket, "json;s=5;T;t=3;e=%21openat%2C%25file a\n"), StringComparison.Ordinal);
        await watch.InterruptExpectingSuccessAsync();
    }

    [Fact]
    public async Task OnlyRootAndTheWatchsUserMayConnectAndASilentClientHoldsUpNoOtherDump()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-dump-watch-{Guid.NewGuid():N}.sock");
        using var watch = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", socket);
        await watch.WaitReadyAsync();

        // A history holds what containers read and wrote: the socket is the watch's user's alone (it was 0755 from the
        // umask, 0777 under umask 0).
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        var stranger = await Tool.Traceloop.RunAsync(["dump", "--socket", socket, "a"], unprivileged: true);
        stranger.AssertOneLineFailure(1, "permission denied");

        // A client that connects and says nothing: the watch served one client at a time and waited for its line for good.
        using (var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await silent.ConnectAsync(new UnixDomainSocketEndPoint(socket));
            var answer = await AskAsync(socket, "text a\n").WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("error: No recorded container matches 'a'", answer, StringComparison.Ordinal);
            // The silent one is told, and let go.
            using var stream = new NetworkStream(silent);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var told = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("error: no request line within", told, StringComparison.Ordinal);
        }
        await watch.InterruptExpectingSuccessAsync();
    }

    /// <summary>Sends <paramref name="request"/> as the client does (then the end of its writing); returns the whole answer.</summary>
    private static async Task<string> AskAsync(string socketPath, string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(Tool.HangGuard);
    }

    private static async Task<string> ReceiveOneRequestAsync(Socket listener)
    {
        using var client = await listener.AcceptAsync();
        using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static string Escape(string text) =>
        text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\u001b", "\\x1b", StringComparison.Ordinal);
}
