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
using System.Net.Sockets;
using System.Text;

string? socketPath = null;
var phase = "createRuntime";
string? runtime = null;
var timeout = TimeSpan.FromSeconds(10);
var failOpen = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--socket" when i + 1 < args.Length:
            socketPath = args[++i];
            break;
        case "--phase" when i + 1 < args.Length:
            phase = args[++i];
            break;
        case "--runtime" when i + 1 < args.Length:
            runtime = args[++i];
            break;
        case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], out var seconds):
            timeout = TimeSpan.FromSeconds(seconds);
            i++;
            break;
        case "--fail-open":
            failOpen = true;
            break;
        default:
            Console.Error.WriteLine($"gadget-oci-hook: unknown argument '{args[i]}'");
            Console.Error.WriteLine("usage: Gadget.OciHook --socket PATH [--phase createRuntime|prestart|poststop] [--runtime runc] [--timeout SECONDS] [--fail-open]");
            return 2;
    }
}
if (socketPath is null)
{
    Console.Error.WriteLine("gadget-oci-hook: --socket PATH is required");
    return 2;
}

var state = (await Console.In.ReadToEndAsync()).Trim();
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
request.Append(",\"state\":").Append(state.ReplaceLineEndings(" ")).Append("}\n");

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
    Console.Error.WriteLine($"gadget-oci-hook: the collection answered '{text}'");
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
