using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gadget.Bpf;
using Microsoft.Win32.SafeHandles;

namespace Gadget.Gadgets.Interop;

/// <summary>
/// An AF_PACKET socket of every protocol (ETH_P_ALL) with a BPF socket filter attached (SO_ATTACH_BPF, Linux 3.19): the
/// filter runs for every packet on every interface of the network namespace the socket was opened in, both directions.
/// The socket keeps that namespace alive until it is closed.
/// </summary>
internal static unsafe partial class PacketSocket
{
    private const int AF_PACKET = 17;
    private const int SOCK_RAW = 3;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1;
    private const int SO_ATTACH_BPF = 50;
    private const ushort ETH_P_ALL = 0x0003;
    private const int SockaddrLlSize = 20; // struct sockaddr_ll

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSocketOption(SafeHandle fd, int level, int name, int* value, int length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(SafeHandle fd, byte* address, int length);

    /// <summary>
    /// Opens the socket in the calling thread's network namespace with <paramref name="filter"/> attached. It is opened for
    /// no protocol, given the filter, then bound to every protocol: no packet reaches it unfiltered.
    /// </summary>
    /// <exception cref="BpfException">The kernel refused (e.g. EPERM without CAP_NET_RAW).</exception>
    public static SafeFileHandle Open(BpfProgram filter)
    {
        var fd = Socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Errno.ToException(Marshal.GetLastPInvokeError(), "open an AF_PACKET socket");
        }
        var socket = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var program = filter.FileDescriptor;
            if (SetSocketOption(socket, SOL_SOCKET, SO_ATTACH_BPF, &program, sizeof(int)) != 0)
            {
                throw Errno.ToException(Marshal.GetLastPInvokeError(), $"attach socket filter '{filter.Name}' (SO_ATTACH_BPF)");
            }
            var address = stackalloc byte[SockaddrLlSize];
            new Span<byte>(address, SockaddrLlSize).Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(address, 2), AF_PACKET); // sll_family, host order
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(address + 2, 2), ETH_P_ALL); // sll_protocol, network order; sll_ifindex 0: every interface
            if (Bind(socket, address, SockaddrLlSize) != 0)
            {
                throw Errno.ToException(Marshal.GetLastPInvokeError(), "bind the AF_PACKET socket to every protocol");
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
