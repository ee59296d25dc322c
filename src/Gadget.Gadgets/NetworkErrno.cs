using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>Names of the errno values a TCP connection can fail with (Linux x86-64 numbering).</summary>
internal static class NetworkErrno
{
    public static string Name(int errno) => errno switch
    {
        32 => "EPIPE",
        97 => "EAFNOSUPPORT",
        98 => "EADDRINUSE",
        99 => "EADDRNOTAVAIL",
        100 => "ENETDOWN",
        101 => "ENETUNREACH",
        103 => "ECONNABORTED",
        104 => "ECONNRESET",
        110 => "ETIMEDOUT",
        111 => "ECONNREFUSED",
        112 => "EHOSTDOWN",
        113 => "EHOSTUNREACH",
        125 => "ECANCELED",
        _ => Errno.Name(errno),
    };
}
