using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>The few libc calls Gadget.Bpf needs beyond libbpf: memory maps, epoll, eventfd, perf events, mounts.</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const uint EPOLLIN = 0x001;
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_RDONLY = 0;
    internal const int RLIMIT_MEMLOCK = 8;
    internal const long SYS_perf_event_open = 298;
    internal const uint PERF_FLAG_FD_CLOEXEC = 8;
    internal const nuint PERF_EVENT_IOC_ENABLE = 0x2400;
    internal const nuint PERF_EVENT_IOC_DISABLE = 0x2401;
    internal const nuint PERF_EVENT_IOC_PAUSE_OUTPUT = 0x40042409;

    internal static readonly nint MapFailed = -1;

    internal const int CLOCK_BOOTTIME = 7;

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int clock_gettime(int clock, long* timespec);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall(long number, void* a1, int a2, int a3, int a4, nuint a5);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, nint argument);

    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string source, string target, string fileSystemType, nuint flags, nint data);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "setrlimit", SetLastError = true)]
    internal static partial int setrlimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "vsnprintf")]
    internal static partial int vsnprintf(byte* buffer, nuint size, byte* format, nint arguments);

    [LibraryImport(Library, EntryPoint = "getpagesize")]
    internal static partial int getpagesize();

    [LibraryImport(Library, EntryPoint = "gettid")]
    internal static partial int gettid();

    [LibraryImport(Library, EntryPoint = "strerror_r")]
    internal static partial byte* strerror_r(int errnum, byte* buffer, nuint length);

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(Library, EntryPoint = "dladdr")]
    internal static partial int dladdr(void* address, DlInfo* info);

    /// <summary><c>Dl_info</c>: the shared object (and symbol) an address belongs to.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DlInfo
    {
        public byte* FileName;
        public void* FileBase;
        public byte* SymbolName;
        public void* SymbolAddress;
    }
}
