using System.Runtime.InteropServices;

namespace Gadget.CommandLine;

/// <summary>
/// A detached background thread started with <c>pthread_create</c>, for the CLI's own watcher (<see cref="StdoutWatch"/>).
/// Under NativeAOT, <see cref="Thread.Start()"/> returns only once the new thread runs (the caller yields until then): on a
/// busy machine that cost the gadgets 1.8 ms (median of 12 starts, load average 4.5) on the way to their first event,
/// while <c>pthread_create</c> returns at once. The function runs managed code: the runtime attaches the thread when it
/// enters it, and the thread lives until the process exits.
/// </summary>
internal static unsafe partial class NativeThread
{
    /// <summary>
    /// Runs <paramref name="start"/> (its argument is 0) on a new detached thread named <paramref name="name"/> (at most
    /// 15 bytes). False when it could not: the C library has no <c>pthread_create</c> (glibc before 2.34, under the JIT,
    /// has it in libpthread only) or refused (e.g. EAGAIN): the caller starts a managed thread instead.
    /// </summary>
    public static bool TryStart(delegate* unmanaged<nint, nint> start, string name)
    {
        nuint thread;
        try
        {
            if (pthread_create(&thread, 0, start, 0) != 0)
            {
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        _ = pthread_setname_np(thread, name); // only for ps and perf: a failure changes nothing else
        _ = pthread_detach(thread);
        return true;
    }

    // pthread functions return the error number instead of setting errno.
    [LibraryImport("libc", EntryPoint = "pthread_create")]
    private static partial int pthread_create(nuint* thread, nint attributes, delegate* unmanaged<nint, nint> start, nint argument);

    [LibraryImport("libc", EntryPoint = "pthread_detach")]
    private static partial int pthread_detach(nuint thread);

    [LibraryImport("libc", EntryPoint = "pthread_setname_np", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int pthread_setname_np(nuint thread, string name);
}
