using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Turns this (test host) process's perf map (/tmp/perf-PID.map) on and off at run time, as <c>DOTNET_PerfMapEnabled=1</c>
/// would at startup: the runtime's diagnostic IPC (its Unix socket <c>dotnet-diagnostic-PID-*-socket</c> in the temp
/// directory), Process command set, EnablePerfMap / DisablePerfMap (.NET 8+).
/// </summary>
internal sealed class DotnetPerfMap : IDisposable
{
    private const byte ProcessCommandSet = 0x04;
    private const byte EnablePerfMapCommand = 0x05;
    private const byte DisablePerfMapCommand = 0x06;
    private const uint PerfMapOnly = 3; // PerfMapType.PERFMAP: the perf map, no jitdump

    private DotnetPerfMap()
    {
    }

    /// <summary>The perf map file the runtime writes.</summary>
    public static string FilePath => Path.Combine("/tmp", $"perf-{Environment.ProcessId}.map");

    /// <summary>Enables this process's perf map; disposing disables it and deletes the file.</summary>
    public static DotnetPerfMap Enable()
    {
        Send(EnablePerfMapCommand, PerfMapOnly);
        return new DotnetPerfMap();
    }

    public void Dispose()
    {
        Send(DisablePerfMapCommand, null);
        File.Delete(FilePath);
    }

    private static void Send(byte command, uint? argument)
    {
        // The runtime names its socket with the pid and the process's start time (in clock ticks since boot, field 22 of
        // /proc/self/stat): sockets left behind by earlier processes with the same pid differ in the second.
        var stat = File.ReadAllText("/proc/self/stat");
        var startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        var socketPath = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-{startTime}-socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var message = new byte[20 + (argument is null ? 0 : 4)];
        Encoding.ASCII.GetBytes("DOTNET_IPC_V1\0").CopyTo(message, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(14), (ushort)message.Length);
        message[16] = ProcessCommandSet;
        message[17] = command;
        if (argument is { } value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), value);
        }
        socket.Send(message);
        var response = new byte[24];
        var read = 0;
        while (read < 20)
        {
            var n = socket.Receive(response.AsSpan(read));
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        // The server answers with command set 0xFF and command 0x00 (OK) or 0xFF (error, an HRESULT follows).
        if (read < 20 || response[16] != 0xFF || response[17] != 0x00)
        {
            throw new InvalidOperationException($"The runtime refused perf map command {command}: response {Convert.ToHexString(response.AsSpan(0, read))}");
        }
    }
}
