using System.Collections.Concurrent;
using Gadget.Bpf;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Syscall signatures (parameter names and C types) read from the running kernel's tracefs
/// (<c>events/syscalls/sys_enter_&lt;name&gt;/format</c>), with a built-in fallback for common syscalls
/// when tracefs is not available. Results are cached; safe to use from several threads.
/// </summary>
public sealed class SyscallSignatureProvider
{
    private static readonly Lazy<SyscallSignatureProvider> SharedProvider = new(() => new SyscallSignatureProvider(DefaultEventsDirectory));

    // Syscalls whose tracepoint is named after the kernel function rather than the syscall.
    private static readonly Dictionary<string, string> EventAliases = new(StringComparer.Ordinal)
    {
        ["stat"] = "newstat",
        ["lstat"] = "newlstat",
        ["fstat"] = "newfstat",
        ["uname"] = "newuname",
        ["sendfile"] = "sendfile64",
        ["umount2"] = "umount",
    };

    private readonly string? eventsDirectory;
    private readonly ConcurrentDictionary<string, SyscallSignature?> cache = new(StringComparer.Ordinal);

    /// <summary>Creates a provider reading format files under <paramref name="syscallEventsDirectory"/> (e.g. <c>/sys/kernel/tracing/events/syscalls</c>); <c>null</c> uses only the built-in fallback.</summary>
    public SyscallSignatureProvider(string? syscallEventsDirectory)
    {
        eventsDirectory = syscallEventsDirectory is not null && Directory.Exists(syscallEventsDirectory) ? syscallEventsDirectory : null;
    }

    /// <summary>The provider for this machine's tracefs (mounted on first use if needed), or the fallback alone when tracefs is unavailable.</summary>
    public static SyscallSignatureProvider Shared => SharedProvider.Value;

    /// <summary>A provider that only knows the built-in fallback signatures.</summary>
    public static SyscallSignatureProvider FallbackOnly { get; } = new(null);

    /// <summary>Whether signatures come from tracefs.</summary>
    public bool UsesTracefs => eventsDirectory is not null;

    /// <summary>The signature of the syscall called <paramref name="name"/>, or <c>null</c> when neither tracefs nor the fallback knows it.</summary>
    public SyscallSignature? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return cache.GetOrAdd(name, Load);
    }

    /// <summary>Parses the text of a tracefs <c>sys_enter_*</c> format file into parameters (the fields after <c>__syscall_nr</c>).</summary>
    /// <param name="formatText">The file's contents.</param>
    /// <returns>The parameters, in order.</returns>
    public static IReadOnlyList<SyscallParameter> ParseFormat(string formatText)
    {
        ArgumentNullException.ThrowIfNull(formatText);
        var parameters = new List<SyscallParameter>(6);
        bool afterNumber = false;
        foreach (var rawLine in formatText.Split('\n'))
        {
            var line = rawLine.AsSpan().Trim();
            if (!line.StartsWith("field:", StringComparison.Ordinal))
            {
                continue;
            }
            int end = line.IndexOf(';');
            if (end < 0)
            {
                continue;
            }
            var declaration = line["field:".Length..end].Trim();
            int nameStart = declaration.Length;
            while (nameStart > 0 && (char.IsAsciiLetterOrDigit(declaration[nameStart - 1]) || declaration[nameStart - 1] == '_'))
            {
                nameStart--;
            }
            var name = declaration[nameStart..].ToString();
            if (!afterNumber)
            {
                afterNumber = name == "__syscall_nr";
                continue;
            }
            parameters.Add(new SyscallParameter(name, declaration[..nameStart].Trim().ToString()));
        }
        return parameters;
    }

    private static string? DefaultEventsDirectory
    {
        get
        {
            try
            {
                return Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "syscalls");
            }
            catch (Exception ex) when (ex is BpfException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private SyscallSignature? Load(string name)
    {
        if (eventsDirectory is not null)
        {
            string eventName = EventAliases.GetValueOrDefault(name, name);
            string path = Path.Combine(eventsDirectory, "sys_enter_" + eventName, "format");
            try
            {
                if (File.Exists(path))
                {
                    return new SyscallSignature(name, ParseFormat(File.ReadAllText(path)), FromTracefs: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Fall through to the built-in signature.
            }
        }
        return FallbackSignatures.ByName.TryGetValue(name, out var declaration) ? new SyscallSignature(name, ParseDeclaration(declaration), FromTracefs: false) : null;
    }

    private static SyscallParameter[] ParseDeclaration(string declaration)
    {
        if (declaration.Length == 0)
        {
            return [];
        }
        var parts = declaration.Split(", ");
        var parameters = new SyscallParameter[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            int space = parts[i].LastIndexOf(' ');
            parameters[i] = new SyscallParameter(parts[i][(space + 1)..], parts[i][..space]);
        }
        return parameters;
    }
}
