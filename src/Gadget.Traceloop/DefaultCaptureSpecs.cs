namespace Gadget.Traceloop;

/// <summary>
/// The capture specs traceloop uses when <see cref="TraceloopOptions.CaptureSpecs"/> is not set: the x86-64 syscalls whose
/// pointer arguments matter most when reading a history (paths, I/O buffers, socket addresses, execve's argv).
/// </summary>
internal static class DefaultCaptureSpecs
{
    private static readonly ArgumentCaptureSpec N = ArgumentCaptureSpec.None;
    private static readonly ArgumentCaptureSpec Str = new(ArgumentCapture.StringIn);
    private static readonly ArgumentCaptureSpec Out = new(ArgumentCapture.BufferOut);
    private static readonly ArgumentCaptureSpec Argv = new(ArgumentCapture.StringArrayIn);

    private static ArgumentCaptureSpec In(int lengthArgument) => new(ArgumentCapture.BufferIn, lengthArgument);

    private static ArgumentCaptureSpec Addr(int lengthArgument) => new(ArgumentCapture.SockaddrIn, lengthArgument);

    private static ArgumentCaptureSpec Struct(int size) => new(ArgumentCapture.StructOut, FixedSize: size);

    private static readonly Dictionary<int, ArgumentCaptureSpec[]> Table = new()
    {
        [0] = [N, Out, N, N, N, N],               // read
        [1] = [N, In(2), N, N, N, N],             // write
        [2] = [Str, N, N, N, N, N],               // open
        [4] = [Str, N, N, N, N, N],               // stat
        [6] = [Str, N, N, N, N, N],               // lstat
        [17] = [N, Out, N, N, N, N],              // pread64
        [18] = [N, In(2), N, N, N, N],            // pwrite64
        [21] = [Str, N, N, N, N, N],              // access
        [22] = [Struct(8), N, N, N, N, N],        // pipe
        [42] = [N, Addr(2), N, N, N, N],          // connect
        [44] = [N, In(2), N, N, Addr(5), N],      // sendto
        [45] = [N, Out, N, N, N, N],              // recvfrom
        [49] = [N, Addr(2), N, N, N, N],          // bind
        [59] = [Str, Argv, N, N, N, N],           // execve
        [79] = [Out, N, N, N, N, N],              // getcwd
        [80] = [Str, N, N, N, N, N],              // chdir
        [82] = [Str, Str, N, N, N, N],            // rename
        [83] = [Str, N, N, N, N, N],              // mkdir
        [84] = [Str, N, N, N, N, N],              // rmdir
        [86] = [Str, Str, N, N, N, N],            // link
        [87] = [Str, N, N, N, N, N],              // unlink
        [88] = [Str, Str, N, N, N, N],            // symlink
        [89] = [Str, Out, N, N, N, N],            // readlink
        [90] = [Str, N, N, N, N, N],              // chmod
        [92] = [Str, N, N, N, N, N],              // chown
        [161] = [Str, N, N, N, N, N],             // chroot
        [257] = [N, Str, N, N, N, N],             // openat
        [258] = [N, Str, N, N, N, N],             // mkdirat
        [262] = [N, Str, N, N, N, N],             // newfstatat
        [263] = [N, Str, N, N, N, N],             // unlinkat
        [264] = [N, Str, N, Str, N, N],           // renameat
        [267] = [N, Str, Out, N, N, N],           // readlinkat
        [268] = [N, Str, N, N, N, N],             // fchmodat
        [269] = [N, Str, N, N, N, N],             // faccessat
        [293] = [Struct(8), N, N, N, N, N],       // pipe2
        [316] = [N, Str, N, Str, N, N],           // renameat2
        [322] = [N, Str, Argv, N, N, N],          // execveat
        [332] = [N, Str, N, N, N, N],             // statx
        [437] = [N, Str, N, N, N, N],             // openat2
        [439] = [N, Str, N, N, N, N],             // faccessat2
    };

    /// <summary>The specs of syscall <paramref name="number"/>, or <c>null</c> when nothing is captured.</summary>
    internal static IReadOnlyList<ArgumentCaptureSpec>? Get(int number) => Table.GetValueOrDefault(number);
}
