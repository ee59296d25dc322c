using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Processes: exec (argv is a shared format), wait statuses and options, arch_prctl, getrandom, and the getters.</summary>
internal sealed class ProcessRenderer : SyscallRenderer
{
    public static ProcessRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("execve", "path argv envp"), ("execveat", "dirfd path argv envp atflags"), ("wait4", "int waitstatus waitoptions ptr"),
        ("exit", "int"), ("exit_group", "int"), ("arch_prctl", "archprctl ptr"), ("set_tid_address", "ptr"), ("set_robust_list", "ptr ulong"),
        ("rseq", "ptr hex int hex"), ("getrandom", "bufouthex ulong randomflags"),
        ("sethostname", "bufin:1 int"), ("getpid", ""), ("getppid", ""), ("gettid", ""), ("getuid", ""), ("geteuid", ""), ("getgid", ""),
        ("getegid", ""), ("getpgrp", ""), ("setsid", ""), ("sched_yield", ""), ("fork", ""), ("vfork", ""), ("vhangup", ""),
        ("restart_syscall", ""),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.WaitStatus or ArgumentFormat.WaitOptions
        or ArgumentFormat.ArchPrctlCode or ArgumentFormat.RandomFlags or ArgumentFormat.Environment || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.WaitStatus:
                if (context.Record.ReturnValue > 0 && context.FindCapture(index) is { Status: CaptureStatus.Complete } status && status.Data.Length >= 4)
                {
                    AppendWaitStatus(destination, BinaryPrimitives.ReadInt32LittleEndian(status.Data.Span));
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.Environment:
                // "0x7ffd.. /* 54 vars */", counted by the BPF side at entry.
                StraceText.AppendPointer(destination, raw);
                if (raw != 0 && context.FindCapture(index) is { Status: CaptureStatus.Complete } variables && variables.Data.Length >= 4)
                {
                    destination.Append(" /* ").Append(BinaryPrimitives.ReadUInt32LittleEndian(variables.Data.Span)).Append(" vars */");
                }
                break;
            case ArgumentFormat.WaitOptions:
                Constants.WaitOptions.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.ArchPrctlCode:
                Constants.ArchPrctlCodes.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.RandomFlags:
                Constants.RandomFlags.AppendFlags(destination, (uint)raw);
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }

    // strace's [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] and friends.
    private static void AppendWaitStatus(StringBuilder destination, int status)
    {
        destination.Append("[{");
        int low = status & 0x7f;
        if (low == 0)
        {
            destination.Append("WIFEXITED(s) && WEXITSTATUS(s) == ").Append((status >> 8) & 0xff);
        }
        else if ((status & 0xff) == 0x7f)
        {
            destination.Append("WIFSTOPPED(s) && WSTOPSIG(s) == ");
            StraceText.AppendSignal(destination, (status >> 8) & 0xff);
            if ((status >> 16) != 0)
            {
                destination.Append(" && status>>16 == ").Append(status >> 16);
            }
        }
        else
        {
            destination.Append("WIFSIGNALED(s) && WTERMSIG(s) == ");
            StraceText.AppendSignal(destination, low);
            if ((status & 0x80) != 0)
            {
                destination.Append(" && WCOREDUMP(s)");
            }
        }
        destination.Append("}]");
    }
}
