using System.Runtime.InteropServices;

namespace Gadget.CommandLine;

/// <summary>
/// Opens a file a tool was told to write (<c>--output-file FILE</c>, <c>--file FILE</c>) as root may safely in a directory
/// other users write to. In a sticky world-writable directory (<c>/tmp</c>) a file or symbolic link of another user (not
/// this one, not the directory's owner) is refused: a local user could otherwise plant <c>/tmp/trace.txt -&gt; /etc/shadow</c>
/// for root to empty and overwrite, or a file of their own for root to fill with what the containers read and wrote. The
/// kernel refuses the same with <c>fs.protected_symlinks</c> and <c>fs.protected_regular=2</c>, which many nodes leave off.
/// A new file is made with <c>O_EXCL</c>, so a link planted after the check is not followed either.
/// </summary>
public static class OutputFile
{
    private const ushort StickyAndWorldWritable = 0x200 | 0x2; // S_ISVTX | S_IWOTH
    private const ushort SymbolicLink = 0xA000;

    /// <summary>Creates <paramref name="path"/>, or empties it when it is this user's (or a file the directory's owner may trust).</summary>
    /// <exception cref="UnauthorizedAccessException">Another user's file or symbolic link in a sticky directory; or no permission.</exception>
    /// <exception cref="IOException">It cannot be made.</exception>
    public static FileStream Create(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? "/";
        for (var attempt = 0; ; attempt++)
        {
            if (!Exists(full, out var file))
            {
                try
                {
                    // O_CREAT|O_EXCL: fails on anything there now, a symbolic link too (never followed).
                    return new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                }
                catch (IOException) when (attempt == 0 && Exists(full, out _))
                {
                    continue; // made there since the check: checked again
                }
            }
            if (Stat(directory, follow: true) is { } parent && (parent.Mode & StickyAndWorldWritable) == StickyAndWorldWritable
                && file.Uid != Libc.geteuid() && file.Uid != parent.Uid)
            {
                var what = (file.Mode & Libc.S_IFMT) == SymbolicLink ? "a symbolic link" : "a file";
                throw new UnauthorizedAccessException(
                    $"{path} is {what} of user {file.Uid} in the sticky directory {directory}: not followed or written (another user may have planted it); remove it or choose another path");
            }
            // This user's, or the directory's owner's: nobody else may replace it in a sticky directory.
            return new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
    }

    private static bool Exists(string path, out StatxBuffer status)
    {
        var found = Stat(path, follow: false);
        status = found ?? default;
        return found is not null;
    }

    private static StatxBuffer? Stat(string path, bool follow)
    {
        var errno = Libc.Statx(path, follow ? 0 : Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var status);
        return errno switch
        {
            0 => status,
            LinuxErrno.ENOENT => null,
            _ => throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }
}
