namespace Gadget.Traceloop.Decoding;

/// <summary>How to print one syscall and what to capture for it.</summary>
internal sealed class SyscallDecoder
{
    public SyscallDecoder(string name, ArgumentFormat[] formats, sbyte[] lengthArguments, bool hexReturn, SyscallArchitecture architecture, SyscallRenderer renderer)
    {
        Name = name;
        Renderer = renderer;
        Formats = formats;
        LengthArguments = lengthArguments;
        HexReturn = hexReturn;
        var specs = new ArgumentCaptureSpec[formats.Length];
        bool any = false;
        for (int i = 0; i < formats.Length; i++)
        {
            specs[i] = formats[i] switch
            {
                ArgumentFormat.Path => new ArgumentCaptureSpec(ArgumentCapture.PathIn),
                ArgumentFormat.String => new ArgumentCaptureSpec(ArgumentCapture.StringIn),
                ArgumentFormat.BufferIn => new ArgumentCaptureSpec(ArgumentCapture.BufferIn, lengthArguments[i]),
                ArgumentFormat.BufferOut or ArgumentFormat.BufferOutHex or ArgumentFormat.PathOut => new ArgumentCaptureSpec(ArgumentCapture.BufferOut),
                ArgumentFormat.Sockaddr => new ArgumentCaptureSpec(ArgumentCapture.SockaddrIn, lengthArguments[i]),
                ArgumentFormat.SocketOptionValue => new ArgumentCaptureSpec(ArgumentCapture.BufferIn, lengthArguments[i]),
                ArgumentFormat.TimespecOut => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 16),
                ArgumentFormat.PipeFds => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 8),
                ArgumentFormat.WaitStatus => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 4),
                ArgumentFormat.StatBuffer => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: StatLayout.For(architecture).Size),
                ArgumentFormat.PrctlArgument => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: PrctlRenderer.NameSize),
                ArgumentFormat.StringArray => new ArgumentCaptureSpec(ArgumentCapture.StringArrayIn),
                ArgumentFormat.SigactionIn => new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: SignalText.SigactionSize),
                ArgumentFormat.SigactionOut => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: SignalText.SigactionSize),
                ArgumentFormat.SigsetIn => new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: SignalText.SigsetSize),
                ArgumentFormat.SigsetOut => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: SignalText.SigsetSize),
                ArgumentFormat.RlimitIn => new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 16),
                ArgumentFormat.RlimitOut => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 16),
                ArgumentFormat.TimespecIn => new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 16),
                ArgumentFormat.StatxBuffer => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: StatxLayout.Size),
                ArgumentFormat.PollFds => new ArgumentCaptureSpec(ArgumentCapture.ArrayInOut, lengthArguments[i], FixedSize: 8),
                ArgumentFormat.DirentBuffer => new ArgumentCaptureSpec(ArgumentCapture.DirentCount),
                ArgumentFormat.Utsname => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: SystemRenderer.UtsnameCaptured),
                ArgumentFormat.Sysinfo => new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: SystemRenderer.SysinfoSize),
                ArgumentFormat.IovecIn => new ArgumentCaptureSpec(ArgumentCapture.IovecIn, lengthArguments[i]),
                ArgumentFormat.IovecOut => new ArgumentCaptureSpec(ArgumentCapture.IovecOut, lengthArguments[i]),
                ArgumentFormat.Environment => new ArgumentCaptureSpec(ArgumentCapture.PointerCount),
                ArgumentFormat.SockaddrOut => new ArgumentCaptureSpec(ArgumentCapture.SockaddrOut, lengthArguments[i]),
                ArgumentFormat.MsghdrIn => new ArgumentCaptureSpec(ArgumentCapture.MsghdrIn),
                ArgumentFormat.MsghdrOut => new ArgumentCaptureSpec(ArgumentCapture.MsghdrOut),
                _ => ArgumentCaptureSpec.None,
            };
            any |= specs[i].Kind != ArgumentCapture.None;
        }
        CaptureSpecs = any ? specs : [];
    }

    /// <summary>The family renderer that prints the syscall.</summary>
    public SyscallRenderer Renderer { get; }

    /// <summary>The syscall's name.</summary>
    public string Name { get; }

    /// <summary>One format per argument (the argument count).</summary>
    public ArgumentFormat[] Formats { get; }

    /// <summary>Per argument, the index of the argument holding its length, or -1.</summary>
    public sbyte[] LengthArguments { get; }

    /// <summary>Whether the return value is an address (printed in hex).</summary>
    public bool HexReturn { get; }

    /// <summary>What to capture per argument; empty when nothing.</summary>
    public ArgumentCaptureSpec[] CaptureSpecs { get; }
}
