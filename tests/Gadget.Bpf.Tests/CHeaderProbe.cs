using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gadget.Bpf.Tests;

/// <summary>
/// Reads integer values (macros, <c>sizeof</c>, <c>offsetof</c>) out of a target's C headers without running anything on
/// it: each value becomes an immediate operand of an <c>asm</c> statement that prints it into the assembly listing
/// (<c>cc -S</c>), so a cross compiler answers for arm64 exactly as the host compiler does for x86-64.
/// </summary>
internal static partial class CHeaderProbe
{
    /// <summary>The headers every probe includes (with <c>_GNU_SOURCE</c>, for <c>struct statx</c>).</summary>
    private const string Prelude = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <dlfcn.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <signal.h>
        #include <stddef.h>
        #include <time.h>
        #include <sys/epoll.h>
        #include <sys/eventfd.h>
        #include <sys/mman.h>
        #include <sys/resource.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <linux/openat2.h>
        #include <linux/perf_event.h>
        #define GADGET_EMIT(key, value) __asm__ volatile(".ascii \"gadget-abi:" key "=%c0;\"" :: "i"((long long)(value)))

        """;

    /// <summary>The compiler for <paramref name="target"/> (<c>x86_64</c> or <c>aarch64</c>), or null when it is not installed.</summary>
    internal static string? FindCompiler(string target)
    {
        var name = $"{target}-linux-gnu-gcc";
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        return path;
    }

    /// <summary>Evaluates each C expression with <paramref name="compiler"/>'s headers; keyed like <paramref name="expressions"/>.</summary>
    internal static Dictionary<string, long> Evaluate(string compiler, IReadOnlyDictionary<string, string> expressions)
    {
        var source = new StringBuilder(Prelude).AppendLine("void gadget_abi_probe(void)").AppendLine("{");
        foreach (var (key, expression) in expressions)
        {
            source.Append(CultureInfo.InvariantCulture, $"    GADGET_EMIT(\"{key}\", {expression});").AppendLine();
        }
        source.AppendLine("}");
        var listing = Compile(compiler, ["-S", "-o", "-"], source.ToString());
        var values = new Dictionary<string, long>();
        foreach (Match match in Emitted().Matches(listing))
        {
            values[match.Groups[1].Value] = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        Assert.Equal(expressions.Keys.Order(), values.Keys.Order());
        return values;
    }

    /// <summary>The numeric object-like macros of the prelude's headers whose names match <paramref name="name"/> (<c>#define EPERM 1</c>).</summary>
    internal static Dictionary<string, long> NumericMacros(string compiler, Regex name)
    {
        var definitions = Compile(compiler, ["-dM", "-E", "-o", "-"], Prelude);
        var macros = new Dictionary<string, long>();
        foreach (Match match in Definition().Matches(definitions))
        {
            if (name.IsMatch(match.Groups[1].Value))
            {
                macros[match.Groups[1].Value] = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }
        return macros;
    }

    private static string Compile(string compiler, string[] arguments, string source)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gadget-abi-{Environment.ProcessId}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        try
        {
            var start = new ProcessStartInfo(compiler) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            start.ArgumentList.Add(file);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{compiler} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex("gadget-abi:([A-Za-z0-9_.]+)=(-?[0-9]+);")]
    private static partial Regex Emitted();

    [GeneratedRegex(@"^#define (\w+) (-?[0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex Definition();
}
