using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Gadget.Cli.Tests;

/// <summary>
/// The JSON every gadget writes (gadgets -o json, and the agent's streams through the client) is what
/// schemas/gadget-event.schema.json says: each line is validated, after a real event of the gadget was triggered here.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class SchemaTests
{
    [Fact]
    public async Task ExecSnoopJson()
    {
        var marker = Marker();
        var lines = await GadgetJsonRun.CaptureAsync(["execsnoop", "--host", "-o", "json"], () => Run("/bin/true", marker), line => line.Contains(marker, StringComparison.Ordinal));
        var exec = GadgetJsonRun.Event(lines, marker);
        Assert.Equal(["/bin/true", marker], exec.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("true", exec.GetProperty("comm").GetString());
        Assert.Equal(0, exec.GetProperty("ret").GetInt32());
    }

    [Fact]
    public async Task ExecSnoopJsonCarriesTheParentProcessAndGid()
    {
        // A shell (comm "sh", pid known) forks setpriv, which execs /bin/true with gid 4242: its ppid is the shell's, its
        // pcomm "sh" (the parent's, not its own "true"). The filter on the new fields lets it through.
        var marker = Marker();
        var shells = new List<int>();
        var lines = await GadgetJsonRun.CaptureAsync(["execsnoop", "--host", "-o", "json", "--filter", "pcomm==sh,gid==4242"],
            () => shells.Add(RunShell($"setpriv --regid 4242 --clear-groups /bin/true {marker}; exit 0")), line => line.Contains(marker, StringComparison.Ordinal));
        var exec = GadgetJsonRun.Event(lines, marker);
        Assert.Equal("true", exec.GetProperty("comm").GetString());
        Assert.Equal("sh", exec.GetProperty("pcomm").GetString());
        Assert.Equal(4242, exec.GetProperty("gid").GetInt32());
        Assert.Equal(0, exec.GetProperty("uid").GetInt32());
        Assert.Contains(exec.GetProperty("ppid").GetInt32(), shells);
        Assert.All(lines.Where(l => l.StartsWith("{\"type\":\"event\"", StringComparison.Ordinal)), l => Assert.Contains("\"pcomm\":\"sh\"", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenSnoopJsonWithAFilter()
    {
        var path = Path.Combine(Path.GetTempPath(), Marker());
        var lines = await GadgetJsonRun.CaptureAsync(["opensnoop", "--host", "-o", "json", "--filter", $"path~{Path.GetFileName(path)},err!=0"], () => OpenMissing(path), line => line.Contains(path, StringComparison.Ordinal));
        var open = GadgetJsonRun.Event(lines, path);
        Assert.Equal(2, open.GetProperty("err").GetInt32()); // ENOENT
        Assert.Equal(-1, open.GetProperty("fd").GetInt32());
        // The filter let nothing else through.
        Assert.All(lines.Where(l => l.StartsWith("{\"type\":\"event\"", StringComparison.Ordinal)), l => Assert.Contains(path, l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SigSnoopJson()
    {
        using var sleeper = Process.Start("sleep", ["300"])!;
        var pid = sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var lines = await GadgetJsonRun.CaptureAsync(["sigsnoop", "--host", "-o", "json", "--pid", pid], () => Run("kill", "-CONT", pid), line => line.Contains("\"tpid\":" + pid, StringComparison.Ordinal));
        sleeper.Kill();
        var signal = GadgetJsonRun.Event(lines, "\"tpid\":" + pid);
        Assert.Equal(sleeper.Id, signal.GetProperty("tpid").GetInt32());
    }

    [Fact]
    public async Task ExitSnoopJson()
    {
        // Shells that exit with 42 and shells that kill themselves with SIGKILL, until both show up (the filter keeps only them).
        var shells = new System.Collections.Concurrent.ConcurrentBag<int>();
        bool Ours(string line) => shells.Any(pid => line.Contains($"\"pid\":{pid},", StringComparison.Ordinal));
        var lines = await GadgetJsonRun.CaptureAsync(["exitsnoop", "--host", "-o", "json", "--fields", "pid,comm,code,sig,core,status,age", "--filter", "comm==sh"],
            () => { shells.Add(RunShell("exit 42")); shells.Add(RunShell("kill -KILL $$")); },
            Killed);
        bool Killed(string line) => Ours(line) && line.Contains("\"sig\":\"SIGKILL\"", StringComparison.Ordinal);
        var exited = GadgetJsonRun.Event(lines.Where(Ours), "\"code\":42,");
        Assert.Equal("", exited.GetProperty("sig").GetString());
        Assert.Equal(42 << 8, exited.GetProperty("status").GetInt32());
        Assert.True(exited.GetProperty("age").GetDouble() >= 0);
        var killed = GadgetJsonRun.Event(lines.Where(Ours), "\"sig\":\"SIGKILL\"");
        Assert.Equal(0, killed.GetProperty("code").GetInt32());
        Assert.Equal(9, killed.GetProperty("status").GetInt32());
        Assert.False(killed.GetProperty("core").GetBoolean());
    }

    [Fact]
    public async Task BindSnoopJson()
    {
        // UDP sockets of this process bound to [::1]:0, until one shows up with the port the kernel gave it.
        var ports = new System.Collections.Concurrent.ConcurrentBag<int>();
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        void Bind()
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            ports.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
        }
        bool Ours(string line) => ports.Any(port => line.Contains($"\"bport\":{port},", StringComparison.Ordinal));
        var lines = await GadgetJsonRun.CaptureAsync(["bindsnoop", "--host", "-o", "json", "--pid", pid, "--fields", "pid,comm,proto,ip,addr,port,bport,error,result"], Bind, Ours);
        var bind = GadgetJsonRun.Event(lines.Where(Ours), "\"bport\":");
        Assert.Equal(Environment.ProcessId, bind.GetProperty("pid").GetInt32());
        Assert.Equal(("UDP", 6, "::1", 0, 0, "OK"), (bind.GetProperty("proto").GetString(), bind.GetProperty("ip").GetInt32(), bind.GetProperty("addr").GetString(),
            bind.GetProperty("port").GetInt32(), bind.GetProperty("error").GetInt32(), bind.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task MountSnoopJson()
    {
        // A tmpfs mounted read-only in a private mount namespace (nothing leaks to the host), its source a marker.
        var marker = Marker();
        var lines = await GadgetJsonRun.CaptureAsync(["mountsnoop", "--host", "-o", "json", "--filter", $"src=={marker}"],
            () => Run("unshare", "-m", "--propagation", "private", "busybox", "mount", "-r", "-t", "tmpfs", marker, "/mnt"), line => line.Contains(marker, StringComparison.Ordinal));
        var mount = GadgetJsonRun.Event(lines, marker);
        Assert.Equal(("mount", "/mnt", "tmpfs", "OK", 0), (mount.GetProperty("call").GetString(), mount.GetProperty("target").GetString(),
            mount.GetProperty("fs").GetString(), mount.GetProperty("result").GetString(), mount.GetProperty("error").GetInt32()));
        Assert.Contains("MS_RDONLY", mount.GetProperty("flags").GetString()!.Split('|'));
    }

    [Fact]
    public async Task SnapshotProcessJson()
    {
        // One run: every process of the host once, this one among them with its parent and name as /proc has them.
        var run = await Tool.Gadgets.RunAsync(["snapshot", "process", "--host", "-o", "json"]);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => EventSchemaFile.AssertValid(line, run.CommandLine));
        var self = GadgetJsonRun.Event(lines, $"\"pid\":{Environment.ProcessId},");
        Assert.Equal("snapshot-process", self.GetProperty("gadget").GetString());
        Assert.Equal(File.ReadAllText("/proc/self/comm").Trim(), self.GetProperty("comm").GetString());
        var ppid = File.ReadLines("/proc/self/status").First(l => l.StartsWith("PPid:", StringComparison.Ordinal)).Split('\t')[1];
        Assert.Equal(int.Parse(ppid, System.Globalization.CultureInfo.InvariantCulture), self.GetProperty("ppid").GetInt32());
        Assert.Equal(lines.Length, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("pid").GetInt32()).Distinct().Count());
    }

    [Fact]
    public async Task TcpConnectAndAcceptJson()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        void Connect()
        {
            using var client = new TcpClient(AddressFamily.InterNetwork); // not dual-mode: the kernel would see ::ffff:127.0.0.1
            client.Connect(IPAddress.Loopback, port);
            using var accepted = listener.AcceptTcpClient();
        }
        var connects = await GadgetJsonRun.CaptureAsync(["tcpconnect", "--host", "-o", "json"], Connect, line => line.Contains($"\"dport\":{port},", StringComparison.Ordinal));
        var connect = GadgetJsonRun.Event(connects, $"\"dport\":{port},");
        Assert.Equal("OK", connect.GetProperty("result").GetString());
        Assert.Equal("127.0.0.1", connect.GetProperty("daddr").GetString());
        Assert.Equal(4, connect.GetProperty("ip").GetInt32());
        var accepts = await GadgetJsonRun.CaptureAsync(["tcpaccept", "--host", "-o", "json"], Connect, line => line.Contains($"\"lport\":{port}}}", StringComparison.Ordinal));
        var accept = GadgetJsonRun.Event(accepts, $"\"lport\":{port}}}");
        Assert.Equal(Environment.ProcessId, accept.GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task TcpDropJson()
    {
        // A SYN to a port nothing listens on (loopback): the kernel drops it for NO_SOCKET and answers with a reset.
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        void Refused()
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        }
        var lines = await GadgetJsonRun.CaptureAsync(["tcpdrop", "--host", "-o", "json", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], Refused,
            line => line.Contains($"\"dport\":{port},", StringComparison.Ordinal));
        var drop = GadgetJsonRun.Event(lines, $"\"dport\":{port},");
        Assert.Equal(("NO_SOCKET", "SYN", "NONE", "127.0.0.1", 4), (drop.GetProperty("reason").GetString(), drop.GetProperty("tcpflags").GetString(),
            drop.GetProperty("state").GetString(), drop.GetProperty("daddr").GetString(), drop.GetProperty("ip").GetInt32()));
    }

    [Fact]
    public async Task TraceDnsJson()
    {
        // A query from this process to a responder of the test on a 127/8 address of the host's loopback (no resolver is
        // asked), answered with one A record: the query and the response, paired by id, with the answer and a latency.
        var marker = Marker() + ".gadget.test";
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        server.Bind(new IPEndPoint(new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]), 53));
        void AskAndAnswer()
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
            byte[] question = [.. marker.Split('.').SelectMany(l => (byte[])[(byte)l.Length, .. System.Text.Encoding.ASCII.GetBytes(l)]), 0, 0, 1, 0, 1];
            client.SendTo([0x4A, 0x21, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. question], server.LocalEndPoint!);
            var buffer = new byte[512];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            server.ReceiveFrom(buffer, ref from);
            server.SendTo([0x4A, 0x21, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, .. question, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 53, 9, 1], from);
            client.Receive(buffer);
        }
        var lines = await GadgetJsonRun.CaptureAsync(["trace", "dns", "--host", "-o", "json", "--fields", "id,qr,qtype,name,rcode,numAnswers,latencyMs,addresses,nameserver,netns", "--filter", $"name=={marker}"],
            AskAndAnswer, line => line.Contains("\"qr\":\"R\"", StringComparison.Ordinal));
        var query = GadgetJsonRun.Event(lines, "\"qr\":\"Q\"");
        var response = GadgetJsonRun.Event(lines, "\"qr\":\"R\"");
        Assert.Equal(("dns", marker, "A", 0x4A21), (query.GetProperty("gadget").GetString(), query.GetProperty("name").GetString(), query.GetProperty("qtype").GetString(), query.GetProperty("id").GetInt32()));
        Assert.Equal(("NOERROR", 1, 0x4A21), (response.GetProperty("rcode").GetString(), response.GetProperty("numAnswers").GetInt32(), response.GetProperty("id").GetInt32()));
        Assert.Equal(["10.53.9.1"], response.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(((IPEndPoint)server.LocalEndPoint!).Address.ToString(), response.GetProperty("nameserver").GetString());
        Assert.True(response.GetProperty("latencyMs").GetDouble() >= 0);
        Assert.Equal("", response.GetProperty("runtime").GetProperty("containerName").GetString());
    }

    [Fact]
    public async Task SnapshotSocketJson()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var run = await Tool.Gadgets.RunAsync(["snapshot", "socket", "--host", "-o", "json", "--proto", "tcp"]);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => EventSchemaFile.AssertValid(line, run.CommandLine));
        Assert.All(lines, line => Assert.Contains("\"proto\":\"TCP\"", line, StringComparison.Ordinal));
        var row = GadgetJsonRun.Event(lines, $"\"laddr\":\"127.0.0.1:{port}\"");
        Assert.Equal(("snapshot-socket", "LISTEN"), (row.GetProperty("gadget").GetString(), row.GetProperty("state").GetString()));
        var inode = new FileInfo($"/proc/self/fd/{listener.Server.Handle}").LinkTarget!.Split('[', ']')[1];
        Assert.Equal(ulong.Parse(inode, System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("inode").GetUInt64());
    }

    [Fact]
    public async Task TcpTopJson()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptTcpClient();
        var buffer = new byte[1000];
        void Send()
        {
            client.GetStream().Write(buffer);
            accepted.GetStream().ReadExactly(buffer);
        }
        var lines = await GadgetJsonRun.CaptureAsync(["tcptop", "--host", "-o", "json", "--interval", "0.5", "--filter", $"raddr~:{port}$"], Send, line => line.Contains($":{port}\"", StringComparison.Ordinal));
        var row = GadgetJsonRun.Event(lines, $":{port}\"");
        Assert.True(row.GetProperty("sent").GetInt64() > 0);
    }

    [Fact]
    public async Task TopFileJson()
    {
        // The test writes a file of its own (a name only it uses) until top file reports it: the row has its name, the
        // test's pid, a regular file's type, the file's inode and bytes written.
        var marker = Marker();
        var path = Path.Combine(Path.GetTempPath(), marker);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
            var lines = await GadgetJsonRun.CaptureAsync(["top", "file", "--host", "-o", "json", "--interval", "0.5", "--fields", "pid,file,t,inode,wbytes,writes", "--filter", $"file=={marker}"],
                () => file.Write(new byte[100]), line => line.Contains(marker, StringComparison.Ordinal));
            var row = GadgetJsonRun.Event(lines, marker);
            Assert.Equal("top-file", row.GetProperty("gadget").GetString());
            Assert.Equal(Environment.ProcessId, row.GetProperty("pid").GetInt32());
            Assert.Equal("R", row.GetProperty("t").GetString());
            Assert.Equal(100 * row.GetProperty("writes").GetInt64(), row.GetProperty("wbytes").GetInt64());
            var inode = FileInode(path);
            Assert.Equal(inode, row.GetProperty("inode").GetUInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ProfileCpuJsonAndFolded()
    {
        // A shell spinning in a loop, profiled by pid: every row is the shell's (comm "sh"), valid against the schema; the
        // folded output of a second run has one "sh;...;frame COUNT" line per stack.
        using var spinner = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!;
        try
        {
            var pid = spinner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var run = await Tool.Gadgets.RunAsync(["profile", "cpu", "--host", "--pid", pid, "--duration", "1", "-o", "json", "--fields", "samples,percent,pid,comm,function,kstack,ustack,folded"]);
            Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
            var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            var rows = lines.Select(line => EventSchemaFile.AssertValid(line, run.CommandLine)).ToList();
            Assert.All(rows, r => Assert.Equal(("profile-cpu", spinner.Id, "sh"), (r.GetProperty("gadget").GetString(), r.GetProperty("pid").GetInt32(), r.GetProperty("comm").GetString())));
            Assert.All(rows, r => Assert.StartsWith("sh", r.GetProperty("folded").GetString(), StringComparison.Ordinal));
            Assert.InRange(rows.Sum(r => r.GetProperty("percent").GetDouble()), 99, 101); // rounded shares of one profile

            var folded = await Tool.Gadgets.RunAsync(["profile", "cpu", "--host", "--pid", pid, "--duration", "1", "--folded"]);
            Assert.True(folded.ExitCode == 0, $"{folded.CommandLine}: exit {folded.ExitCode}\n{folded.Error}");
            var stacks = folded.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(stacks);
            Assert.All(stacks, line => Assert.Matches(@"^sh(;[^;]+)+ [1-9][0-9]*$", line));
            Assert.Equal(stacks.Length, stacks.Select(l => l[..l.LastIndexOf(' ')]).Distinct().Count());
        }
        finally
        {
            spinner.Kill();
            await spinner.WaitForExitAsync();
        }
    }

    private static ulong FileInode(string path)
    {
        var info = new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return ulong.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task TheAgentsStreamThroughTheClient()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-agent-{Guid.NewGuid():N}.sock");
        using var agent = new RunningTool(Tool.Agent, "--socket", socket, "--rate", "0", "--kubernetes", "off");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(socket) && deadline.Elapsed < Tool.HangGuard)
        {
            await Task.Delay(200);
        }
        Assert.True(File.Exists(socket), "the agent did not listen:\n" + agent.Error);
        var marker = Marker();
        using var stream = new RunningTool(Tool.Client, "--agent", "unix:" + socket, "execsnoop");
        var first = await stream.TriggerUntilAsync(() => { }, line => line.Length > 0);
        Assert.Equal("attached", EventSchemaFile.AssertValid(first, "the agent's first line").GetProperty("type").GetString());
        await stream.TriggerUntilAsync(() => Run("/bin/true", marker), line => line.Contains(marker, StringComparison.Ordinal));
        await stream.InterruptExpectingSuccessAsync();
        var exec = GadgetJsonRun.Event([.. stream.Lines], marker);
        Assert.Equal("execsnoop", exec.GetProperty("gadget").GetString());
        await agent.InterruptExpectingSuccessAsync();
    }

    [Fact]
    public async Task TheAgentStreamsExitBindAndMountEvents()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cli-agent-{Guid.NewGuid():N}.sock");
        using var agent = new RunningTool(Tool.Agent, "--socket", socket, "--rate", "0", "--kubernetes", "off");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(socket) && deadline.Elapsed < Tool.HangGuard)
        {
            await Task.Delay(200);
        }
        Assert.True(File.Exists(socket), "the agent did not listen:\n" + agent.Error);
        var marker = Marker();
        var ports = new System.Collections.Concurrent.ConcurrentBag<int>();
        var streams = new (string Gadget, Action Trigger, Func<string, bool> Seen)[]
        {
            ("exitsnoop", () => RunShell("exit 42"), line => line.Contains("\"code\":42,", StringComparison.Ordinal) && line.Contains("\"comm\":\"sh\"", StringComparison.Ordinal)),
            ("bindsnoop", () =>
            {
                using var udp = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
                ports.Add(((IPEndPoint)udp.LocalEndPoint!).Port);
            }, line => ports.Any(port => line.Contains($"\"bport\":{port},", StringComparison.Ordinal))),
            ("mountsnoop", () => Run("unshare", "-m", "--propagation", "private", "busybox", "mount", "-t", "tmpfs", marker, "/mnt"), line => line.Contains(marker, StringComparison.Ordinal)),
        };
        foreach (var (gadget, trigger, seen) in streams)
        {
            using var stream = new RunningTool(Tool.Client, "--agent", "unix:" + socket, gadget, "-o", "json");
            var first = await stream.TriggerUntilAsync(() => { }, line => line.Length > 0);
            Assert.Equal("attached", EventSchemaFile.AssertValid(first, gadget + ": the agent's first line").GetProperty("type").GetString());
            var line = await stream.TriggerUntilAsync(trigger, seen);
            await stream.InterruptExpectingSuccessAsync();
            Assert.Equal(gadget, EventSchemaFile.AssertValid(line, gadget).GetProperty("gadget").GetString());
        }
        await agent.InterruptExpectingSuccessAsync();
    }

    [Theory]
    [InlineData("jsonpretty")]
    [InlineData("yaml")]
    public async Task OtherFormatsCarryTheSameEvent(string format)
    {
        var marker = Marker();
        var lines = await GadgetJsonRun.CaptureAsync(["execsnoop", "--host", "-o", format], () => Run("/bin/true", marker), line => line.Contains(marker, StringComparison.Ordinal), validate: false);
        var text = string.Join('\n', lines);
        if (format == "jsonpretty")
        {
            // A stream of indented objects: each one validates.
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true });
            var found = false;
            while (JsonDocument.TryParseValue(ref reader, out var document))
            {
                using (document)
                {
                    var root = EventSchemaFile.AssertValid(document.RootElement.GetRawText(), "jsonpretty");
                    found |= root.GetRawText().Contains(marker, StringComparison.Ordinal);
                }
            }
            Assert.True(found);
        }
        else
        {
            Assert.Contains("---\ntype: event\ngadget: execsnoop\n", text, StringComparison.Ordinal);
            Assert.Contains($"  - \"{marker}\"", text, StringComparison.Ordinal);
        }
    }

    private static string Marker() => "gadget-cli-" + Guid.NewGuid().ToString("N")[..10];

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(file, arguments);
        process.WaitForExit();
    }

    /// <summary>Runs <paramref name="script"/> with /bin/sh to its end; returns the shell's pid.</summary>
    private static int RunShell(string script)
    {
        using var process = Process.Start("/bin/sh", ["-c", script]);
        process.WaitForExit();
        return process.Id;
    }

    private static void OpenMissing(string path)
    {
        try
        {
            File.OpenHandle(path).Dispose();
        }
        catch (FileNotFoundException)
        {
        }
    }
}
