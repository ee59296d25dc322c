namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Explicit decoders for the syscalls strace decodes specially (flags, modes, buffers, addresses), and the
/// derivation of a decoder from a kernel signature for every other syscall.
/// </summary>
internal static class DecoderTable
{
    // name -> (argument formats, renderer), from the families' declarations. In a descriptor, "bufin:2" is a buffer whose
    // length is argument 2; a trailing "=hex" prints the return value in hex.
    private static readonly Dictionary<string, (string Formats, SyscallRenderer Renderer)> Explicit = Collect();

    /// <summary>The explicit decoder for <paramref name="name"/>, or <c>null</c>.</summary>
    public static SyscallDecoder? GetExplicit(string name, SyscallArchitecture architecture) =>
        Explicit.TryGetValue(name, out var entry) ? Parse(name, entry.Formats, entry.Renderer, architecture) : null;

    /// <summary>The names of the syscalls with an explicit decoder.</summary>
    public static IEnumerable<string> ExplicitNames => Explicit.Keys;

    /// <summary>Whether <paramref name="name"/> has an explicit decoder (strace-identical output for its arguments).</summary>
    public static bool HasExplicit(string name) => Explicit.ContainsKey(name);

    /// <summary>A decoder derived from a kernel signature: types and parameter names decide the formats and captures.</summary>
    public static SyscallDecoder Derive(SyscallSignature signature, SyscallArchitecture architecture)
    {
        var parameters = signature.Parameters;
        int count = Math.Min(parameters.Count, 6);
        var formats = new ArgumentFormat[count];
        var lengths = new sbyte[count];
        for (int i = 0; i < count; i++)
        {
            lengths[i] = -1;
            var (name, type) = (parameters[i].Name, parameters[i].Type);
            bool nextIsLength = i + 1 < count && !parameters[i + 1].IsPointer && IsLengthName(parameters[i + 1].Name);
            if (parameters[i].IsPointer || PointerTypedefs.Contains(type.StartsWith("const ", StringComparison.Ordinal) ? type[6..] : type))
            {
                if (type.StartsWith("const char *const", StringComparison.Ordinal) || type == "const char * const *")
                {
                    formats[i] = ArgumentFormat.StringArray;
                }
                else if (type == "const char *" && nextIsLength && IsBufferName(name))
                {
                    formats[i] = ArgumentFormat.BufferIn;
                    lengths[i] = (sbyte)(i + 1);
                }
                else if (type == "const char *")
                {
                    formats[i] = IsPathName(name) ? ArgumentFormat.Path : ArgumentFormat.String;
                }
                else if (type == "char *" && nextIsLength && IsBufferName(name))
                {
                    formats[i] = ArgumentFormat.BufferOut;
                }
                else if (type.Contains("struct sockaddr", StringComparison.Ordinal) && type.StartsWith("struct", StringComparison.Ordinal) && i + 1 < count && !parameters[i + 1].IsPointer)
                {
                    formats[i] = ArgumentFormat.Sockaddr;
                    lengths[i] = (sbyte)(i + 1);
                }
                else
                {
                    formats[i] = ArgumentFormat.Pointer;
                }
            }
            else if (name is "fd" or "oldfd" or "newfd" or "ufd" or "epfd" or "fd_in" or "fd_out" or "out_fd" or "in_fd" or "pidfd" or "fdin" or "fdout")
            {
                formats[i] = ArgumentFormat.Fd;
            }
            else if (name is "dfd" or "olddfd" or "newdfd" or "dirfd" or "from_dfd" or "to_dfd")
            {
                formats[i] = ArgumentFormat.DirFd;
            }
            else if (type == "umode_t" || (name == "mode" && type.Contains("mode_t", StringComparison.Ordinal)))
            {
                formats[i] = ArgumentFormat.Mode;
            }
            else if (name.Contains("flags", StringComparison.Ordinal) || name == "flag" || name == "mask")
            {
                formats[i] = ArgumentFormat.Hex;
            }
            else if (type.Contains("long", StringComparison.Ordinal) || type.Contains("off_t", StringComparison.Ordinal) || type.Contains("64", StringComparison.Ordinal) || type == "size_t")
            {
                formats[i] = type.Contains("unsigned", StringComparison.Ordinal) || type.StartsWith("u", StringComparison.Ordinal) || type == "size_t" ? ArgumentFormat.ULong : ArgumentFormat.Long;
            }
            else
            {
                formats[i] = type.Contains("unsigned", StringComparison.Ordinal) || type.StartsWith("u", StringComparison.Ordinal) || type.StartsWith("__u", StringComparison.Ordinal) ? ArgumentFormat.UInt : ArgumentFormat.Int;
            }
        }
        return new SyscallDecoder(signature.Name, formats, lengths, hexReturn: false, architecture, GenericRenderer.Instance);
    }

    // Typedefs of pointers in syscall signatures (capget's and capset's): addresses, printed in hex.
    private static readonly HashSet<string> PointerTypedefs = new(StringComparer.Ordinal) { "cap_user_header_t", "cap_user_data_t" };

    private static bool IsLengthName(string name) =>
        name is "count" or "len" or "size" or "bufsiz" or "length" or "nbytes" or "usize" or "buflen" or "buf_len" or "addrlen" or "size_t";

    private static bool IsBufferName(string name) => name.StartsWith("buf", StringComparison.Ordinal) || name is "ubuf" or "value" or "data";

    private static bool IsPathName(string name) =>
        name.Contains("name", StringComparison.Ordinal) || name.Contains("path", StringComparison.Ordinal) || name.Contains("file", StringComparison.Ordinal)
        || name.Contains("dir", StringComparison.Ordinal) || name is "old" or "new" or "target" or "library" or "specialfile";

    private static Dictionary<string, (string, SyscallRenderer)> Collect()
    {
        var table = new Dictionary<string, (string, SyscallRenderer)>(StringComparer.Ordinal);
        foreach (var renderer in SyscallRenderers.Families)
        {
            foreach (var (name, formats) in renderer.Syscalls)
            {
                if (!table.TryAdd(name, (formats, renderer)))
                {
                    throw new InvalidOperationException($"{name} is declared by two renderers.");
                }
            }
        }
        return table;
    }

    private static SyscallDecoder Parse(string name, string descriptor, SyscallRenderer renderer, SyscallArchitecture architecture)
    {
        var tokens = descriptor.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bool hexReturn = tokens.Length > 0 && tokens[^1] == "=hex";
        int count = hexReturn ? tokens.Length - 1 : tokens.Length;
        var formats = new ArgumentFormat[count];
        var lengths = new sbyte[count];
        for (int i = 0; i < count; i++)
        {
            var token = tokens[i];
            lengths[i] = -1;
            int colon = token.IndexOf(':');
            if (colon >= 0)
            {
                lengths[i] = sbyte.Parse(token.AsSpan(colon + 1), provider: null);
                token = token[..colon];
            }
            formats[i] = token switch
            {
                "int" => ArgumentFormat.Int,
                "uint" => ArgumentFormat.UInt,
                "long" => ArgumentFormat.Long,
                "ulong" => ArgumentFormat.ULong,
                "hex" => ArgumentFormat.Hex,
                "ptr" => ArgumentFormat.Pointer,
                "fd" => ArgumentFormat.Fd,
                "dirfd" => ArgumentFormat.DirFd,
                "path" => ArgumentFormat.Path,
                "string" => ArgumentFormat.String,
                "bufin" => ArgumentFormat.BufferIn,
                "bufout" => ArgumentFormat.BufferOut,
                "bufouthex" => ArgumentFormat.BufferOutHex,
                "pathout" => ArgumentFormat.PathOut,
                "sockaddr" => ArgumentFormat.Sockaddr,
                "openflags" => ArgumentFormat.OpenFlags,
                "openmode" => ArgumentFormat.OpenMode,
                "mode" => ArgumentFormat.Mode,
                "umaskmode" => ArgumentFormat.UmaskMode,
                "accessmode" => ArgumentFormat.AccessMode,
                "prot" => ArgumentFormat.Protection,
                "mapflags" => ArgumentFormat.MapFlags,
                "signal" => ArgumentFormat.Signal,
                "atflags" => ArgumentFormat.AtFlags,
                "accessatflags" => ArgumentFormat.AccessAtFlags,
                "pipefds" => ArgumentFormat.PipeFds,
                "argv" => ArgumentFormat.StringArray,
                "whence" => ArgumentFormat.Whence,
                "family" => ArgumentFormat.AddressFamily,
                "socktype" => ArgumentFormat.SocketType,
                "sockproto" => ArgumentFormat.SocketProtocol,
                "msgflags" => ArgumentFormat.MessageFlags,
                "pipeflags" => ArgumentFormat.PipeFlags,
                "archprctl" => ArgumentFormat.ArchPrctlCode,
                "randomflags" => ArgumentFormat.RandomFlags,
                "resource" => ArgumentFormat.Resource,
                "sighow" => ArgumentFormat.SigprocmaskHow,
                "cloneflags" => ArgumentFormat.CloneFlags,
                "mremapflags" => ArgumentFormat.RemapFlags,
                "remapaddress" => ArgumentFormat.RemapAddress,
                "waitstatus" => ArgumentFormat.WaitStatus,
                "statbuf" => ArgumentFormat.StatBuffer,
                "waitoptions" => ArgumentFormat.WaitOptions,
                "fadvice" => ArgumentFormat.FadviseAdvice,
                "madvice" => ArgumentFormat.MadviseAdvice,
                "prctlarg" => ArgumentFormat.PrctlArgument,
                "socklevel" => ArgumentFormat.SocketLevel,
                "sockoptname" => ArgumentFormat.SocketOptionName,
                "sockoptval" => ArgumentFormat.SocketOptionValue,
                "clockid" => ArgumentFormat.ClockId,
                "timespecout" => ArgumentFormat.TimespecOut,
                "epollop" => ArgumentFormat.EpollOperation,
                "epollflags" => ArgumentFormat.EpollFlags,
                "statxflags" => ArgumentFormat.StatxFlags,
                "statxmask" => ArgumentFormat.StatxMask,
                "mpolmode" => ArgumentFormat.MemoryPolicy,
                "sigactionin" => ArgumentFormat.SigactionIn,
                "sigactionout" => ArgumentFormat.SigactionOut,
                "sigsetin" => ArgumentFormat.SigsetIn,
                "sigsetout" => ArgumentFormat.SigsetOut,
                "rlimitin" => ArgumentFormat.RlimitIn,
                "rlimitout" => ArgumentFormat.RlimitOut,
                "timespecin" => ArgumentFormat.TimespecIn,
                "statxbuf" => ArgumentFormat.StatxBuffer,
                "pollfds" => ArgumentFormat.PollFds,
                "dirents" => ArgumentFormat.DirentBuffer,
                "utsname" => ArgumentFormat.Utsname,
                "sysinfo" => ArgumentFormat.Sysinfo,
                "iovecin" => ArgumentFormat.IovecIn,
                "iovecout" => ArgumentFormat.IovecOut,
                "timerflags" => ArgumentFormat.TimerFlags,
                "envp" => ArgumentFormat.Environment,
                "sockaddrout" => ArgumentFormat.SockaddrOut,
                "socklen" => ArgumentFormat.SocketLength,
                "acceptflags" => ArgumentFormat.AcceptFlags,
                "msghdrin" => ArgumentFormat.MsghdrIn,
                "msghdrout" => ArgumentFormat.MsghdrOut,
                _ => throw new InvalidOperationException($"Unknown argument format '{token}' for {name}."),
            };
            if (!renderer.Renders(formats[i]))
            {
                throw new InvalidOperationException($"{renderer.GetType().Name} does not render {formats[i]} ({name}'s argument {i}).");
            }
        }
        return new SyscallDecoder(name, formats, lengths, hexReturn, architecture, renderer);
    }
}
