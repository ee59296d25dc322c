using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// Makes real syscalls with chosen arguments from a Python (ctypes) child under strace, and returns, per call, what strace
/// printed and the values the call really had (arguments, return value, memory before and after), so a test can build the
/// <see cref="SyscallRecord"/> traceloop would have recorded and compare our rendering with strace's.
/// </summary>
internal static partial class DecodingStraceOracle
{
    /// <summary>One syscall to make: its name (or a number for unknown ones) and its arguments as Python expressions.</summary>
    /// <remarks>
    /// Helpers available to the expressions: <c>path(b)</c> / <c>inbuf(b)</c> (memory holding b, NUL-terminated for path),
    /// <c>out(n)</c> (n zero bytes the kernel may fill), <c>argv([b, ...])</c>, <c>sa_in(host, port)</c>, <c>sa_in6(host, port)</c>,
    /// <c>sa_un(b)</c>, <c>R[i]</c> (return value of call i), <c>TMP</c> (a scratch directory, bytes), <c>NULLFD</c> (an fd on /dev/null).
    /// </remarks>
    public sealed record Call(string Name, params string[] Arguments)
    {
        public int? Number { get; init; }
    }

    /// <summary>What happened to one call.</summary>
    public sealed record Result(Call Call, int Number, ulong[] Arguments, long ReturnValue, Dictionary<int, (byte[] Before, byte[] After)> Memory, string StraceLine)
    {
        /// <summary>For an iovec argument: each buffer's bytes before and after the call.</summary>
        public Dictionary<int, List<(byte[] Before, byte[] After)>> Iovecs { get; init; } = [];
    }

    private const string Prelude = """
        import ctypes, json, os, socket, struct, sys, tempfile
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        TMP = tempfile.mkdtemp(prefix="traceloop-oracle-").encode()
        NULLFD = os.open("/dev/null", os.O_RDWR)
        keep = []
        mem = {}
        def _buf(data, kind):
            b = ctypes.create_string_buffer(data, len(data))
            keep.append(b)
            addr = ctypes.addressof(b)
            mem[addr] = (b, len(data), kind)
            return addr
        def path(b): return _buf(b + b"\0", "in")
        def inbuf(b): return _buf(b, "in")
        def out(n): return _buf(b"\0" * n, "out")
        def argv(items):
            ptrs = (ctypes.c_void_p * (len(items) + 1))(*[path(i) for i in items], None)
            keep.append(ptrs)
            addr = ctypes.addressof(ptrs)
            mem[addr] = (None, b"".join(i + b"\0" for i in items), "argv")
            return addr
        def sa_in(host, port): return inbuf(struct.pack("<H", socket.AF_INET) + struct.pack(">H", port) + socket.inet_aton(host) + b"\0" * 8)
        def sa_in6(host, port): return inbuf(struct.pack("<H", socket.AF_INET6) + struct.pack(">HI", port, 0) + socket.inet_pton(socket.AF_INET6, host) + struct.pack("<I", 0))
        def sa_un(p): return inbuf(struct.pack("<H", socket.AF_UNIX) + p)
        iovs = {}
        def iov(items):
            parts = [(_buf(b, "in"), len(b)) for b in items]
            addr = inbuf(b"".join(struct.pack("<QQ", a, n) for a, n in parts))
            iovs[addr] = parts
            return addr
        def iovout(sizes): return iov([b"\0" * n for n in sizes])
        PR, PW = os.pipe()
        R = []
        results = []
        def call(index, nr, args):
            marker = ("<<c%d>>" % index).encode()
            libc.syscall(1, ctypes.c_long(-1000 - index), marker, len(marker))
            before = {}
            for i, a in enumerate(args):
                if a in mem:
                    b, n, kind = mem[a]
                    before[i] = (n if kind == "argv" else ctypes.string_at(a, n))
            before_iov = {i: [ctypes.string_at(va, vn) for va, vn in iovs[a]] for i, a in enumerate(args) if a in iovs}
            ret = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
            err = ctypes.get_errno()
            value = -err if ret == -1 else ret
            R.append(value)
            memory = {}
            vectors = {}
            for i, a in enumerate(args):
                if a in iovs:
                    vectors[str(i)] = [[vb.hex(), ctypes.string_at(va, vn).hex()] for (va, vn), vb in zip(iovs[a], before_iov[i])]
            for i, a in enumerate(args):
                if a in mem:
                    b, n, kind = mem[a]
                    after = before[i] if kind == "argv" else ctypes.string_at(a, n)
                    memory[str(i)] = [before[i].hex(), after.hex()]
            results.append({"nr": nr, "args": [a & 0xffffffffffffffff for a in args], "ret": value, "mem": memory, "iov": vectors})
            mem.clear()
        """;

    public static IReadOnlyList<Result> Run(IReadOnlyList<Call> calls, int stringLimit = 32)
    {
        var table = SyscallTable.X86_64;
        var directory = Directory.CreateTempSubdirectory("traceloop-oracle-");
        try
        {
            var script = new StringBuilder(Prelude).Append('\n');
            var numbers = new int[calls.Count];
            for (int i = 0; i < calls.Count; i++)
            {
                numbers[i] = calls[i].Number ?? table.GetNumber(calls[i].Name);
                script.Append("call(").Append(i).Append(", ").Append(numbers[i]).Append(", [").Append(string.Join(", ", calls[i].Arguments)).Append("])\n");
            }
            string resultsPath = Path.Combine(directory.FullName, "results.json");
            script.Append("os.close(NULLFD)\nopen(").Append(JsonSerializer.Serialize(resultsPath)).Append(", 'w').write(json.dumps(results))\n");
            string scriptPath = Path.Combine(directory.FullName, "calls.py");
            File.WriteAllText(scriptPath, script.ToString());
            string tracePath = Path.Combine(directory.FullName, "strace.txt");
            RunProcess("strace", $"-a0 -qq -s {stringLimit} -o {tracePath} python3 {scriptPath}");
            var lines = File.ReadAllLines(tracePath);
            using var json = JsonDocument.Parse(File.ReadAllText(resultsPath));
            var results = new List<Result>();
            for (int i = 0; i < calls.Count; i++)
            {
                var element = json.RootElement[i];
                var arguments = new ulong[6];
                int n = 0;
                foreach (var a in element.GetProperty("args").EnumerateArray())
                {
                    arguments[n++] = a.GetUInt64();
                }
                var memory = new Dictionary<int, (byte[], byte[])>();
                foreach (var property in element.GetProperty("mem").EnumerateObject())
                {
                    memory[int.Parse(property.Name, System.Globalization.CultureInfo.InvariantCulture)] =
                        (Convert.FromHexString(property.Value[0].GetString()!), Convert.FromHexString(property.Value[1].GetString()!));
                }
                var vectors = new Dictionary<int, List<(byte[], byte[])>>();
                foreach (var property in element.GetProperty("iov").EnumerateObject())
                {
                    vectors[int.Parse(property.Name, System.Globalization.CultureInfo.InvariantCulture)] =
                        [.. property.Value.EnumerateArray().Select(v => (Convert.FromHexString(v[0].GetString()!), Convert.FromHexString(v[1].GetString()!)))];
                }
                results.Add(new Result(calls[i], numbers[i], arguments, element.GetProperty("ret").GetInt64(), memory, FindLine(lines, i, calls[i], numbers[i])) { Iovecs = vectors });
            }
            return results;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Builds the record traceloop would have made of <paramref name="result"/>: captures as the catalog's specs say, memory as it really was.</summary>
    public static SyscallRecord ToRecord(Result result, SyscallCatalog catalog)
    {
        var specs = catalog.GetCaptureSpecs(result.Number);
        var captured = new List<CapturedArgument>();
        for (int i = 0; i < specs.Count; i++)
        {
            if (specs[i].Kind == ArgumentCapture.None || result.Arguments[i] == 0)
            {
                continue;
            }
            if (!result.Memory.TryGetValue(i, out var memory))
            {
                // A pointer that is not ours (e.g. 0x1): the BPF side could not have read it.
                captured.Add(new CapturedArgument(i, ReadOnlyMemory<byte>.Empty, CaptureStatus.Unreadable));
                continue;
            }
            var status = CaptureStatus.Complete;
            byte[] data = specs[i].Kind switch
            {
                ArgumentCapture.SockaddrOut => SockaddrOut(memory.After, result.Memory[specs[i].LengthArgument], result.ReturnValue >= 0),
                ArgumentCapture.PointerCount => BitConverter.GetBytes(memory.Before.Count(b => b == 0)),
                ArgumentCapture.StructIn => memory.Before.AsSpan(0, Math.Min(specs[i].FixedSize, memory.Before.Length)).ToArray(),
                ArgumentCapture.ArrayInOut => Capped(memory.After.AsSpan(0, (int)Math.Min((ulong)memory.After.Length, result.Arguments[specs[i].LengthArgument] * (ulong)specs[i].FixedSize)), ref status),
                ArgumentCapture.DirentCount => BitConverter.GetBytes(CountDirents(memory.After.AsSpan(0, (int)Math.Clamp(result.ReturnValue, 0, memory.After.Length)))),
                ArgumentCapture.IovecIn or ArgumentCapture.IovecOut => IovecCapture(result.Iovecs[i], specs[i].Kind == ArgumentCapture.IovecOut, result.ReturnValue, ref status),
                ArgumentCapture.StringIn or ArgumentCapture.PathIn => memory.Before.AsSpan(0, Math.Max(0, Array.IndexOf(memory.Before, (byte)0) is var end and >= 0 ? end : memory.Before.Length)).ToArray(),
                ArgumentCapture.BufferIn or ArgumentCapture.SockaddrIn => memory.Before.AsSpan(0, (int)Math.Min((ulong)memory.Before.Length, result.Arguments[specs[i].LengthArgument])).ToArray(),
                ArgumentCapture.BufferOut => memory.After.AsSpan(0, (int)Math.Clamp(result.ReturnValue, 0, memory.After.Length)).ToArray(),
                ArgumentCapture.StructOut => memory.After.AsSpan(0, Math.Min(specs[i].FixedSize, memory.After.Length)).ToArray(),
                _ => memory.Before,
            };
            if (specs[i].Kind == ArgumentCapture.SockaddrOut)
            {
                // Captured also when the call failed: the length asked for.
                captured.Add(new CapturedArgument(i, data, status));
                continue;
            }
            if (result.ReturnValue < 0 && specs[i].Kind is ArgumentCapture.DirentCount or ArgumentCapture.IovecOut or ArgumentCapture.StructOut or ArgumentCapture.BufferOut)
            {
                // The BPF side writes an empty capture for an output of a failed call.
                captured.Add(new CapturedArgument(i, ReadOnlyMemory<byte>.Empty, CaptureStatus.Unreadable));
                continue;
            }
            captured.Add(new CapturedArgument(i, data, status));
        }
        return new SyscallRecord
        {
            TimestampNs = 1,
            ExitTimestampNs = 2,
            Cpu = 0,
            ProcessId = 1,
            ThreadId = 1,
            Command = "python3",
            Number = result.Number,
            Arguments = result.Arguments,
            ReturnValue = result.ReturnValue,
            Captured = captured,
        };
    }

    // What the BPF side keeps of an array: MAX_CAPTURE bytes.
    private static byte[] Capped(ReadOnlySpan<byte> data, ref CaptureStatus status)
    {
        if (data.Length > 256)
        {
            status = CaptureStatus.Truncated;
            data = data[..256];
        }
        return data.ToArray();
    }

    // The BPF side's SOCKADDR_OUT: *addrlen at entry, and after a success *addrlen at exit and the address.
    private static byte[] SockaddrOut(byte[] address, (byte[] Before, byte[] After) length, bool succeeded)
    {
        uint before = BitConverter.ToUInt32(length.Before), after = BitConverter.ToUInt32(length.After);
        if (!succeeded)
        {
            return BitConverter.GetBytes(before);
        }
        int n = (int)Math.Min(Math.Min(before, after), Math.Min(128u, (uint)address.Length));
        return [.. BitConverter.GetBytes(before), .. BitConverter.GetBytes(after), .. address.AsSpan(0, n)];
    }

    private static uint CountDirents(ReadOnlySpan<byte> data)
    {
        uint count = 0;
        for (int at = 0; at < data.Length; at += System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(data[(at + 16)..]))
        {
            count++;
        }
        return count;
    }

    // The BPF side's iovec capture: per entry (at most 8) u64 iov_len, u16 n, the first n (at most 64) bytes holding data.
    private static byte[] IovecCapture(List<(byte[] Before, byte[] After)> buffers, bool output, long returned, ref CaptureStatus status)
    {
        var bytes = new List<byte>();
        long remaining = output ? returned : long.MaxValue;
        for (int k = 0; k < Math.Min(8, buffers.Count); k++)
        {
            var source = output ? buffers[k].After : buffers[k].Before;
            long held = Math.Min(source.Length, remaining);
            remaining -= held;
            int n = (int)Math.Min(held, 64);
            bytes.AddRange(BitConverter.GetBytes((ulong)source.Length));
            bytes.AddRange(BitConverter.GetBytes((ushort)n));
            bytes.AddRange(source.AsSpan(0, n).ToArray());
        }
        if (buffers.Count > 8)
        {
            status = CaptureStatus.Truncated;
        }
        return [.. bytes];
    }

    private static string FindLine(string[] lines, int index, Call call, int number)
    {
        // The marker's descriptor, not its text, says which call follows: -s 0 prints no text.
        string marker = $"write({-1000 - index}, ";
        int start = Array.FindIndex(lines, l => l.StartsWith(marker, StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"strace did not show the marker of call {index}.");
        }
        string prefix = (call.Number is null ? call.Name : $"syscall_0x{number:x}") + "(";
        for (int i = start + 1; i < lines.Length && !IsMarker(lines[i]); i++)
        {
            if (lines[i].StartsWith(prefix, StringComparison.Ordinal))
            {
                return lines[i];
            }
        }
        throw new InvalidOperationException($"strace did not show call {index} ({call.Name}) after its marker.");
    }

    /// <summary>A marker's line: <c>write(-1000 - index, ...)</c>.</summary>
    private static bool IsMarker(string line) =>
        line.StartsWith("write(-", StringComparison.Ordinal) && line.IndexOf(',', StringComparison.Ordinal) is > 7 and var comma
        && int.TryParse(line.AsSpan(6, comma - 6), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var fd) && fd <= -1000;

    internal static string RunProcess(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 60 s.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {stderr.Result}");
        }
        return stdout.Result;
    }
}
