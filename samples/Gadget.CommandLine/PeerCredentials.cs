using System.Buffers.Binary;
using System.Net.Sockets;

namespace Gadget.CommandLine;

/// <summary>Who is at the other end of a Unix socket, as the kernel recorded it at connect time (SO_PEERCRED, SO_PEERGROUPS).</summary>
/// <param name="Pid">The connecting process.</param>
/// <param name="Uid">Its effective user id.</param>
/// <param name="Gid">Its effective group id.</param>
/// <param name="Groups">Its supplementary groups (empty when the kernel could not say).</param>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;

    /// <summary>Reads the credentials of <paramref name="socket"/>'s peer.</summary>
    /// <exception cref="SocketException">The socket is not a connected Unix socket.</exception>
    public static PeerCredentials Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        var groups = new List<uint>();
        var buffer = new byte[sizeof(uint) * 1024];
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
            for (var offset = 0; offset + sizeof(uint) <= length; offset += sizeof(uint))
            {
                groups.Add(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset)));
            }
        }
        catch (SocketException)
        {
            // More than 1024 groups (ERANGE) or an old kernel: the primary group still counts.
        }
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]),
            groups);
    }
}
