using System.Diagnostics;
using Gadget.Bpf;
using Gadget.Bpf.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// capable against real capability checks: a root chown of a file to another owner (CAP_CHOWN granted) and the same
/// chown by a process that setpriv made uid 65534 without capabilities (CAP_CHOWN denied, -EPERM), each told apart by
/// its pid. On a kernel without kprobes (this development machine's 6.18) the gadget must refuse to start, naming
/// kprobes, before loading anything: the test takes that branch there and the event branch where kprobes exist (the
/// kernel matrix's 5.10, 6.1 and 6.12, where GADGET_EXPECTED_FEATURES makes a missing kprobe a failure).
/// </summary>
[Collection("gadgets")]
public sealed class CapableTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const int CapChown = 0;
    private const int Nobody = 65534;

    [Fact]
    public async Task ChownChecksCapChownGrantedToRootAndDeniedToNobodyOrTheGadgetRefusesWithoutKprobes()
    {
        if (!KernelFeatures.Has(KernelFeatures.Kprobe))
        {
            var before = BpfDescriptorsOfThisProcess();
            var error = Assert.Throws<BpfFeatureNotSupportedException>(() => Capable.Start(new GadgetOptions()));
            Assert.Equal("kprobe", error.Feature);
            Assert.Contains("no kprobes", error.Message, StringComparison.Ordinal);
            Assert.Contains("CONFIG_KPROBES", error.Message, StringComparison.Ordinal);
            Assert.Equal(before, BpfDescriptorsOfThisProcess()); // nothing loaded: no map, program or link left behind
            return;
        }
        var directory = Directory.CreateTempSubdirectory("gadget-capable-");
        try
        {
            var file = Path.Combine(directory.FullName, "owned");
            await File.WriteAllTextAsync(file, "x");
            await using var capable = Capable.Start(new GadgetOptions());
            await using var events = new EventCollector<CapabilityEvent>(capable.ReadAsync());

            var (granted, grantedExit) = Run("chown", "1234:1234", file);
            Assert.Equal(0, grantedExit);
            // setpriv changes to uid 65534 (the kernel clears the effective capabilities) and execs chown, same pid.
            File.SetUnixFileMode(directory.FullName, (UnixFileMode)0x1ff);
            var (denied, deniedExit) = Run("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", "chown", "0:0", file);
            Assert.NotEqual(0, deniedExit);

            var allowed = await events.WaitForAsync(e => e.Pid == granted && e.Capability == CapChown, Timeout);
            Assert.True(allowed is not null, $"no CAP_CHOWN check for the root chown (pid {granted})");
            Assert.Equal("CAP_CHOWN", allowed.CapabilityName);
            Assert.Equal(0, allowed.ReturnValue);
            Assert.True(allowed.Allowed);
            Assert.Equal(0, allowed.Uid);
            Assert.Equal("chown", allowed.Comm);
            Assert.Equal(Environment.ProcessId, allowed.ParentPid);

            var refused = await events.WaitForAsync(e => e.Pid == denied && e.Capability == CapChown, Timeout);
            Assert.True(refused is not null, $"no CAP_CHOWN check for nobody's chown (pid {denied})");
            Assert.Equal(-1, refused.ReturnValue); // -EPERM
            Assert.False(refused.Allowed);
            Assert.Equal(Nobody, refused.Uid);
            Assert.Equal("chown", refused.Comm);
            Assert.True(refused.Audit); // chown's check asks for an audit message on denial
            // Both checks were against the initial user namespace, the test's own.
            Assert.Equal(UserNamespaceOf(Environment.ProcessId), refused.UserNamespaceId);
            Assert.Equal(refused.UserNamespaceId, allowed.UserNamespaceId);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static (int Pid, int ExitCode) Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.Id, process.ExitCode);
    }

    private static ulong UserNamespaceOf(int pid)
    {
        var link = new FileInfo($"/proc/{pid}/ns/user").LinkTarget!; // user:[4026531837]
        return ulong.Parse(link[(link.IndexOf('[', StringComparison.Ordinal) + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    // BPF maps, programs and links this process holds (anon inodes "bpf-map", "bpf-prog", "bpf_link"); the "gadgets"
    // collection runs one test at a time, so no other test of this process loads anything meanwhile.
    private static int BpfDescriptorsOfThisProcess() =>
        Directory.GetFiles("/proc/self/fd").Count(f => (new FileInfo(f).LinkTarget ?? string.Empty).Contains("bpf", StringComparison.Ordinal));
}
