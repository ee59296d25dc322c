using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using static Gadget.Gadgets.Tests.TcpTestHelpers;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The process fields every gadget fills in the kernel (bpf/gadget.h): a child started by a known parent (a shell, pid
/// known, comm "sh") under setpriv with a known uid and gid comes out with that ppid, the parent's comm as its pcomm (not
/// its own), and that gid and uid.
/// </summary>
[Collection("gadgets")]
public sealed class ProcessFieldsTests
{
    private const int Uid = 4343;
    private const int Gid = 4242;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ExecAndOpenOfAChildCarryItsParentAndCredentials()
    {
        await using var exec = ExecSnoop.Start(new GadgetOptions());
        await using var open = OpenSnoop.Start(new GadgetOptions());
        await using var execs = new EventCollector<ExecEvent>(exec.ReadAsync());
        await using var opens = new EventCollector<OpenEvent>(open.ReadAsync());
        var missing = "/nonexistent-" + Guid.NewGuid().ToString("N");

        // "; exit 0": the shell forks setpriv (it would exec the last command in place), which execs cat as 4343:4242.
        var (shell, _) = Processes.Run("/bin/sh", "-c", $"setpriv --reuid {Uid} --regid {Gid} --clear-groups /bin/cat {missing}; exit 0");

        var cat = await execs.WaitForAsync(e => e.Arguments.Count == 2 && e.Arguments[1] == missing && e.Comm == "cat", Timeout);
        Assert.NotNull(cat);
        Assert.Equal(0, cat.ReturnValue);
        Assert.Equal(shell, cat.ParentPid);
        Assert.Equal("sh", cat.ParentComm);
        Assert.Equal(Uid, cat.Uid);
        Assert.Equal(Gid, cat.Gid);
        Assert.Equal(cat.Pid, cat.Tid);
        var setpriv = await execs.WaitForAsync(e => e.Pid == cat.Pid && e.Comm == "setpriv", Timeout);
        Assert.NotNull(setpriv);
        Assert.Equal(0, setpriv.Uid); // before setpriv changed its credentials
        Assert.Equal(0, setpriv.Gid);
        Assert.Equal("sh", setpriv.ParentComm);

        var opened = await opens.WaitForAsync(e => e.Path == missing, Timeout);
        Assert.NotNull(opened);
        Assert.Equal(2, opened.Error); // ENOENT
        Assert.Equal(cat.Pid, opened.Pid);
        Assert.Equal(shell, opened.ParentPid);
        Assert.Equal("cat", opened.Comm);
        Assert.Equal("sh", opened.ParentComm);
        Assert.Equal(Uid, opened.Uid);
        Assert.Equal(Gid, opened.Gid);
    }

    [Fact]
    public async Task SignalSenderCarriesItsParentAndGid()
    {
        await using var snoop = SigSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<SignalEvent>(snoop.ReadAsync());
        using var sleeper = Process.Start("/bin/sleep", "30");
        try
        {
            // kill keeps uid 0 (and so may signal the sleeper) with gid 4242.
            var (shell, exitCode) = Processes.Run("/bin/sh", "-c", $"setpriv --regid {Gid} --clear-groups /bin/kill -USR1 {sleeper.Id}; exit 0");
            Assert.Equal(0, exitCode);

            var sent = await events.WaitForAsync(e => e.TargetPid == sleeper.Id && e.Signal == 10, Timeout);
            Assert.NotNull(sent);
            Assert.Equal("kill", sent.SenderComm);
            Assert.Equal(shell, sent.SenderParentPid);
            Assert.Equal("sh", sent.SenderParentComm);
            Assert.Equal(0, sent.SenderUid);
            Assert.Equal(Gid, sent.SenderGid);
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [Fact]
    public async Task TcpConnectAndAcceptCarryTheProcessesParentsAndGids()
    {
        var address = IPAddress.Loopback;
        await using var connects = TcpConnect.Start(new GadgetOptions());
        await using var accepts = TcpAccept.Start(new GadgetOptions());
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var acceptTask = listener.AcceptSocketAsync();

        var script = $"import socket; s = socket.create_connection(('127.0.0.1', {port})); s.close()";
        var (shell, exitCode) = Processes.Run("/bin/sh", "-c", $"setpriv --regid {Gid} --clear-groups python3 -c \"{script}\"; exit 0");
        Assert.Equal(0, exitCode);
        using var accepted = await acceptTask;

        var connect = await FirstAsync(connects.ReadAsync(), e => e.DestinationPort == port, Timeout);
        Assert.Equal(shell, connect.ParentPid);
        Assert.Equal("sh", connect.ParentComm);
        Assert.Equal((uint)Gid, connect.Gid);
        Assert.Equal(0U, connect.Uid);
        Assert.StartsWith("python3", connect.Comm, StringComparison.Ordinal);

        var accept = await FirstAsync(accepts.ReadAsync(), e => e.LocalPort == port, Timeout);
        Assert.Equal(Environment.ProcessId, accept.Pid);
        Assert.Equal(ParentOf(Environment.ProcessId), accept.ParentPid);
        Assert.Equal(File.ReadAllText($"/proc/{accept.ParentPid}/comm").Trim(), accept.ParentComm);
        Assert.Equal(0U, accept.Gid);
    }

    /// <summary>The ppid field of /proc/PID/stat (after the parenthesized comm).</summary>
    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
