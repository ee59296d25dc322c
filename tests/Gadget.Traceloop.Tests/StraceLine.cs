using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gadget.Traceloop.Tests;

/// <summary>One line of <c>strace -f -n -o FILE</c>: pid, syscall number and name, argument tokens, return value text.</summary>
internal sealed partial record StraceLine(int Pid, int Number, string Name, IReadOnlyList<string> Arguments, string Return)
{
    [GeneratedRegex(@"^(\d+)\s+\[\s*(\d+)\]\s+(\w+)\((.*)\)\s+=\s+(.*)$")]
    private static partial Regex LinePattern();

    /// <summary>Runs <paramref name="command"/> under <c>strace -f -n</c> and parses its syscall lines (joining unfinished and resumed ones).</summary>
    internal static List<StraceLine> Run(string command, params string[] arguments)
    {
        var output = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("strace") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-f", "-n", "-s", "4096", "-o", output, "--", command, .. arguments])
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEnd();
            stdout.Wait();
            process.WaitForExit();
            return ParseAll(File.ReadAllLines(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [GeneratedRegex(@"^(\d+)\s+\[\s*\d+\]\s+<\.\.\. \w+ resumed>(.*)$")]
    private static partial Regex ResumedPattern();

    /// <summary>Parses strace's lines, joining <c>&lt;unfinished ...&gt;</c> with <c>&lt;... resumed&gt;</c> lines of the same pid.</summary>
    internal static List<StraceLine> ParseAll(IEnumerable<string> lines)
    {
        var unfinished = new Dictionary<int, string>();
        var result = new List<StraceLine>();
        foreach (var line in lines)
        {
            if (line.EndsWith(" <unfinished ...>", StringComparison.Ordinal))
            {
                var pid = int.Parse(line[..line.IndexOf(' ')]);
                unfinished[pid] = line[..^" <unfinished ...>".Length];
                continue;
            }
            var text = line;
            var resumed = ResumedPattern().Match(line);
            if (resumed.Success)
            {
                var pid = int.Parse(resumed.Groups[1].Value);
                if (!unfinished.Remove(pid, out var start))
                {
                    continue;
                }
                var rest = resumed.Groups[2].Value;
                var head = start.TrimEnd();
                text = head + (rest.StartsWith(',') ? "" : rest.StartsWith(')') || head.EndsWith('(') || head.EndsWith(',') ? " " : ", ") + rest;
            }
            if (Parse(text) is { } parsed)
            {
                result.Add(parsed);
            }
        }
        return result;
    }

    internal static StraceLine? Parse(string line)
    {
        var m = LinePattern().Match(line);
        return m.Success
            ? new StraceLine(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Value, SplitArguments(m.Groups[4].Value), m.Groups[5].Value.Trim())
            : null;
    }

    /// <summary>The return value when strace printed a number (decimal, or <c>-1 ENAME (text)</c> as <c>-errno</c> via strerror); null for pointers and "?".</summary>
    internal long? ReturnValue
    {
        get
        {
            var parts = Return.Split(' ', 2);
            if (parts[0] == "-1" && parts.Length == 2 && parts[1].IndexOf('(') is var open and > 0)
            {
                var description = parts[1][(open + 1)..parts[1].LastIndexOf(')')];
                for (var errno = 1; errno < 134; errno++)
                {
                    if (System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno) == description)
                    {
                        return -errno;
                    }
                }
                return null;
            }
            return long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
    }

    /// <summary>Splits strace's argument text at top-level commas (outside quotes, brackets and braces).</summary>
    internal static List<string> SplitArguments(string text)
    {
        var result = new List<string>();
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{' or '(':
                    depth++;
                    break;
                case ']' or '}' or ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    result.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }
        if (text.Trim().Length > 0)
        {
            result.Add(text[start..].Trim());
        }
        return result;
    }

    /// <summary>The bytes of a strace string token (<c>"..."</c> with C escapes), or null if it is not a plain string.</summary>
    internal static byte[]? UnquoteString(string token)
    {
        if (token.Length < 2 || token[0] != '"' || !token.EndsWith('"'))
        {
            return null;
        }
        var bytes = new List<byte>();
        for (var i = 1; i < token.Length - 1; i++)
        {
            var c = token[i];
            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }
            c = token[++i];
            switch (c)
            {
                case 'n': bytes.Add(10); break;
                case 't': bytes.Add(9); break;
                case 'r': bytes.Add(13); break;
                case 'v': bytes.Add(11); break;
                case 'f': bytes.Add(12); break;
                case '"': bytes.Add((byte)'"'); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x':
                    bytes.Add(Convert.ToByte(token.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default:
                    var end = i;
                    while (end < token.Length - 1 && end - i < 3 && token[end] is >= '0' and <= '7')
                    {
                        end++;
                    }
                    bytes.Add(Convert.ToByte(token[i..end], 8));
                    i = end - 1;
                    break;
            }
        }
        return [.. bytes];
    }
}
