using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Gadget.Bpf.Interop;

/// <summary>
/// Makes sure the native libbpf is present and recent enough, and routes libbpf's own messages to
/// the <see cref="ILogger"/> of the operation in progress on the calling thread (the object's
/// <see cref="BpfObjectOptions.Logger"/>) and to that operation's capture (so that a failed load can say what libbpf said).
/// libbpf's print callback is process-wide, so there is no process-wide logger: each open, load or attach names its own.
/// </summary>
internal static unsafe class LibbpfRuntime
{
    private const int MinimumMajor = 1;
    private static readonly Lock InitLock = new();
    private static bool _initialized;
    private static Exception? _initError;

    [ThreadStatic]
    private static StringBuilder? _capture;

    [ThreadStatic]
    private static ILogger? _logger;

    /// <summary>The logger of the operation in progress on this thread (see <see cref="Capture"/>), or null.</summary>
    internal static ILogger? CurrentLogger => _logger;

    internal static Version Version { get; private set; } = new(0, 0);

    /// <summary>The file the native libbpf was loaded from (resolved by the dynamic loader).</summary>
    internal static string Path { get; private set; } = string.Empty;

    /// <summary>Whether the loaded libbpf is the one shipped with Gadget.Bpf (runtimes/linux-*/native), not the system's.</summary>
    internal static bool IsShipped { get; private set; }

    /// <summary>Checks that libbpf can be loaded and installs the print callback; throws a clear error otherwise.</summary>
    internal static void EnsureInitialized()
    {
        if (Volatile.Read(ref _initialized))
        {
            return;
        }
        lock (InitLock)
        {
            if (_initialized)
            {
                return;
            }
            if (_initError is not null)
            {
                throw _initError;
            }
            LibbpfResolver.Register();
            var handle = LibbpfResolver.Load();
            if (handle == 0)
            {
                _initError = new DllNotFoundException(
                    $"The native library {LibBpf.Library} (libbpf 1.x) was not found. Gadget.Bpf ships libbpf 1.7 for linux-x64 and linux-arm64 " +
                    $"(runtimes/<rid>/native; in a source checkout, run eng/build-libbpf.sh); on {RuntimeInformation.RuntimeIdentifier} install the system's: " +
                    "'apt-get install libbpf1' on Debian/Ubuntu, 'dnf install libbpf' on Fedora/RHEL, 'apk add libbpf' on Alpine.");
                throw _initError;
            }
            uint major, minor;
            try
            {
                major = LibBpf.libbpf_major_version();
                minor = LibBpf.libbpf_minor_version();
            }
            catch (EntryPointNotFoundException)
            {
                major = 0;
                minor = 0;
            }
            Version = new Version((int)major, (int)minor);
            Path = LibbpfResolver.FileOf(handle) ?? LibbpfResolver.ResolvedPath ?? LibBpf.Library;
            IsShipped = LibbpfResolver.ResolvedPath is not null && Path == LibbpfResolver.ResolvedPath && !LibbpfResolver.FromEnvironment;
            if (major < MinimumMajor)
            {
                _initError = new DllNotFoundException(
                    $"{Path} is libbpf {major}.{minor}, but Gadget needs libbpf {MinimumMajor}.0 or newer. Upgrade it: 'apt-get install libbpf1' (Debian 12+, Ubuntu 22.10+).");
                throw _initError;
            }
            LibBpf.libbpf_set_print(&OnLibbpfPrint);
            Volatile.Write(ref _initialized, true);
        }
    }

    /// <summary>
    /// Starts collecting libbpf's messages on this thread, and sends them to <paramref name="logger"/> (the operation's own,
    /// e.g. <see cref="BpfObjectOptions.Logger"/>; null: nowhere); dispose the scope to stop.
    /// </summary>
    internal static CaptureScope Capture(ILogger? logger)
    {
        EnsureInitialized();
        var previous = _capture;
        var previousLogger = _logger;
        _capture = new StringBuilder();
        _logger = logger ?? previousLogger;
        return new CaptureScope(previous, previousLogger);
    }

    internal readonly struct CaptureScope : IDisposable
    {
        private readonly StringBuilder? _previous;
        private readonly ILogger? _previousLogger;

        internal CaptureScope(StringBuilder? previous, ILogger? previousLogger)
        {
            _previous = previous;
            _previousLogger = previousLogger;
        }

        internal string Text => _capture?.ToString().TrimEnd() ?? string.Empty;

        public void Dispose()
        {
            _capture = _previous;
            _logger = _previousLogger;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnLibbpfPrint(int level, byte* format, nint arguments)
    {
        const int size = 4096;
        byte* buffer = stackalloc byte[size];
        int written = Libc.vsnprintf(buffer, size, format, arguments);
        if (written < 0)
        {
            return 0;
        }
        var text = Encoding.UTF8.GetString(buffer, Math.Min(written, size - 1));
        try
        {
            _capture?.Append(text);
            var logger = _logger;
            if (logger is not null)
            {
                // libbpf levels: 0 = warn, 1 = info, 2 = debug.
                var logLevel = level switch { 0 => LogLevel.Warning, 1 => LogLevel.Information, _ => LogLevel.Debug };
                if (logger.IsEnabled(logLevel))
                {
                    // Most of libbpf's messages start with "libbpf: " already; the others (e.g. verifier log lines) get it.
                    var message = text.TrimEnd();
                    logger.Log(logLevel, BpfObjectOptions.LibbpfMessageEvent, "{Message}", message.StartsWith("libbpf: ", StringComparison.Ordinal) ? message : "libbpf: " + message);
                }
            }
        }
        catch (Exception)
        {
            // Never let an exception cross back into native code.
        }
        return written;
    }
}
