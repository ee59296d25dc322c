using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// The sweep of issue 17: real commands (coreutils, busybox applets, python3, a multi-threaded and a networked program on
/// loopback), each run once under strace while traceloop records it, every line compared (see <see cref="StraceSweep"/>).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class StraceSweepTests(ITestOutputHelper output)
{
    /// <summary>The share of strace's lines traceloop may print differently (or not record) over the whole sweep.</summary>
    private const double MaxDifferingShare = 0.02;

    private const string Python = "/usr/bin/python3";

    private static readonly (string Name, string[] Command)[] Commands =
    [
        ("true", ["/bin/true"]),
        ("cat", ["/bin/cat", "/etc/hostname", "/nonexistent-sweep"]),
        ("ls -la /", ["/bin/ls", "-la", "/"]),
        ("ls -l /etc", ["/bin/ls", "-l", "/etc"]),
        ("head -c 40", ["/usr/bin/head", "-c", "40", "/etc/passwd"]),
        ("wc -l", ["/usr/bin/wc", "-l", "/etc/passwd"]),
        ("sort", ["/usr/bin/sort", "/etc/passwd"]),
        ("stat", ["/usr/bin/stat", "/etc/hostname", "/tmp"]),
        ("stat of a 300-byte path", ["/usr/bin/stat", "/nonexistent-sweep/" + new string('p', 300)]),
        ("date", ["/bin/date", "-u", "+%s"]),
        ("uname -a", ["/bin/uname", "-a"]),
        ("id", ["/usr/bin/id"]),
        ("env", ["/usr/bin/env"]),
        ("df /", ["/bin/df", "/"]),
        ("find /etc", ["/usr/bin/find", "/etc", "-maxdepth", "1", "-name", "*.conf"]),
        ("sleep 0.01", ["/bin/sleep", "0.01"]),
        ("sh pipe", ["/bin/sh", "-c", "echo a | /bin/cat > /dev/null"]),
        ("busybox sh", ["/bin/busybox", "sh", "-c", "echo hi; true"]),
        ("busybox ls -l", ["/bin/busybox", "ls", "-l", "/etc"]),
        ("busybox cat", ["/bin/busybox", "cat", "/etc/hostname"]),
        ("python3 -c pass", [Python, "-c", "pass"]),
        ("python3 import json", [Python, "-c", "import json"]),
        ("python3 4 threads", [Python, "-c", "import threading\ndef work():\n    open('/etc/hostname').read()\nts = [threading.Thread(target=work) for _ in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]"]),
        ("python3 loopback udp+unix", [Python, "-c", "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))\nc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.sendto(b'ping', s.getsockname()); s.recvfrom(16)\nc.sendmsg([b'hi', b'!'], [], 0, s.getsockname()); s.recvmsg(10)\na, b = socket.socketpair(); a.sendmsg([b'ab', b'cd']); b.recvmsg(10); a.getpeername()"]),
        ("python3 loopback tcp", [Python, "-c", "import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\nc = socket.socket(); c.connect(s.getsockname()); a, _ = s.accept()\nc.sendall(b'ping'); a.recv(4); c.close(); a.close(); s.close()"]),
    ];

    [Fact]
    public async Task TraceloopPrintsWhatStracePrintsForRealCommands()
    {
        Assert.True(Commands.Length >= 20);
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { StringLimit = 32 });
        var results = new List<StraceSweep.Result>();
        await using (var tracer = TraceloopTracer.Start())
        {
            foreach (var (name, command) in Commands)
            {
                results.Add(await StraceSweep.RunAsync(tracer, formatter, name, command));
            }
        }
        output.WriteLine(StraceSweep.Report(results));
        int total = results.Sum(r => r.StraceLines), differing = results.Sum(r => r.Differing);
        double share = (double)differing / total;
        output.WriteLine($"sweep: {total - differing} of {total} lines identical, {differing} differing ({share:P2})");
        Assert.All(results, r => Assert.True(r.StraceLines > 0, $"{r.Command}: strace printed nothing"));
        var disagreements = results.SelectMany(r => r.JsonDisagreements).ToList();
        Assert.True(disagreements.Count == 0, $"JSON and text disagree on {disagreements.Count} recorded syscalls:\n{string.Join("\n", disagreements.Take(10))}");
        Assert.True(share <= MaxDifferingShare, $"{differing} of {total} lines differ ({share:P2} > {MaxDifferingShare:P0}):\n{StraceSweep.Report(results)}");
    }
}
