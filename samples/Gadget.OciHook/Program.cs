// An OCI hook (createRuntime / prestart / poststop) for Gadget.Containers' ContainerCollection.
// The runtime runs it with the container's OCI state JSON on stdin. It sends
//   {"phase":"<phase>","runtime":"<runtime>","state":<state>}\n
// to the collection's Unix socket and blocks until the collection answers "ok" (it has registered the container and
// filled its selection maps), so the container's process cannot run before the collection knows it.
//
// config.json:
//   "hooks": { "createRuntime": [ { "path": "/usr/bin/dotnet",
//       "args": ["dotnet", "/opt/gadget/Gadget.OciHook.dll", "--socket", "/run/gadget/containers.sock", "--phase", "createRuntime"] } ],
//     "poststop": [ { "path": "/usr/bin/dotnet", "args": ["dotnet", "...", "--socket", "...", "--phase", "poststop"] } ] }
//
// Exit codes: 0 acknowledged (or --fail-open and no collection listening), 1 the collection refused or timed out, 2 usage.
using System.Globalization;
using System.Net.Sockets;
using System.Text;

const string Usage = "usage: Gadget.OciHook --socket PATH [--phase createRuntime|prestart|poststop] [--runtime runc] [--timeout SECONDS] [--fail-open]";
// The collection refuses a request over 1 MiB: a longer state is refused here without reading it all into memory.
const int MaxStateLength = 1 << 20;
string[] phases = ["createRuntime", "prestart", "poststop"];

string? socketPath = null;
var phase = "createRuntime";
string? runtime = null;
var timeout = TimeSpan.FromSeconds(10);
var failOpen = false;
for (var i = 0; i < args.Length; i++)
{
    var name = args[i];
    if (name is "--help" or "-h" or "-?")
    {
        Console.WriteLine(Usage);
        Console.WriteLine("Reads the container's OCI state JSON on stdin, sends it to the collection's Unix socket and waits for its \"ok\".");
        Console.WriteLine("Exit codes: 0 acknowledged (or --fail-open and no collection listening), 1 the collection refused or timed out, 2 usage.");
        return 0;
    }
    if (name is not ("--socket" or "--phase" or "--runtime" or "--timeout" or "--fail-open"))
    {
        return Refuse($"unknown argument '{name}'");
    }
    if (name == "--fail-open")
    {
        failOpen = true;
        continue;
    }
    if (i + 1 >= args.Length)
    {
        return Refuse($"{name} needs a value");
    }
    var value = args[++i];
    switch (name)
    {
        case "--socket":
            // sockaddr_un holds 108 bytes, its terminating NUL included.
            if (value.Length == 0 || Encoding.UTF8.GetByteCount(value) > 107 || value.Contains('\0', StringComparison.Ordinal))
            {
                return Refuse($"--socket is the path of a Unix socket (1 to 107 bytes), not '{value}'");
            }
            socketPath = value;
            break;
        case "--phase":
            if (!phases.Contains(value, StringComparer.Ordinal))
            {
                return Refuse($"--phase is one of {string.Join(", ", phases)}, not '{value}'");
            }
            phase = value;
            break;
        case "--runtime":
            if (value.Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return Refuse($"--runtime is a runtime's name (runc, crun...), not '{value}'");
            }
            runtime = value;
            break;
        default:
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0 && seconds <= 3600))
            {
                return Refuse($"--timeout is a number of seconds > 0 and at most 3600, not '{value}'");
            }
            timeout = TimeSpan.FromSeconds(seconds);
            break;
    }
}
if (socketPath is null)
{
    return Refuse("--socket PATH is required");
}

var input = new char[MaxStateLength + 1];
var length = 0;
using (var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8))
{
    int read;
    while (length < input.Length && (read = await stdin.ReadAsync(input.AsMemory(length))) > 0)
    {
        length += read;
    }
}
if (length > MaxStateLength)
{
    Console.Error.WriteLine($"gadget-oci-hook: the OCI state on stdin is longer than {MaxStateLength} characters");
    return 2;
}
var state = new string(input, 0, length).Trim();
if (state.Length == 0 || state[0] != '{')
{
    Console.Error.WriteLine("gadget-oci-hook: expected the OCI state JSON on stdin");
    return 2;
}

var request = new StringBuilder("{\"phase\":\"").Append(phase).Append('"');
if (runtime is not null)
{
    request.Append(",\"runtime\":\"").Append(runtime).Append('"');
}
// One line: the JSON's own line breaks (whitespace between tokens; a string holds them escaped) become spaces. Only CR and
// LF: ReplaceLineEndings also took NEL, LS and PS, which a JSON string may hold as they are (an annotation's value was changed).
request.Append(",\"state\":").Append(state.Replace('\r', ' ').Replace('\n', ' ')).Append("}\n");

using var cancel = new CancellationTokenSource(timeout);
try
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel.Token);
    await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToString()), SocketFlags.None, cancel.Token);
    var buffer = new byte[1024];
    var answer = new StringBuilder();
    while (!answer.ToString().Contains('\n'))
    {
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
        if (read == 0)
        {
            break;
        }
        answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
    }
    var text = answer.ToString().Trim();
    if (text == "ok")
    {
        return 0;
    }
    Console.Error.WriteLine($"gadget-oci-hook: the collection answered '{Shown(text)}'"); // its error may quote the state: a container's choice
    return 1;
}
catch (SocketException e) when (failOpen && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.AddressFamilyNotSupported)
{
    return 0;
}
catch (Exception e) when (e is SocketException or OperationCanceledException)
{
    if (failOpen && e is SocketException)
    {
        return 0;
    }
    Console.Error.WriteLine($"gadget-oci-hook: {phase} for container failed: {e.Message}");
    return 1;
}

// Text from outside on one line, with no terminal commands for whoever reads the runtime's log (its own method: the
// assembly that escapes is loaded only when something is shown).
static string Shown(string text) => Gadget.CommandLine.DisplayText.Escape(text);

// A bad command line: one line saying what is wrong (the value shown on one line), exit 2.
static int Refuse(string message)
{
    Console.Error.WriteLine($"gadget-oci-hook: {Shown(message)} ({Usage})");
    return 2;
}
