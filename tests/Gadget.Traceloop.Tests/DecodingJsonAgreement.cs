using System.Text;
using System.Text.Json;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>Rebuilds the strace line from a record's JSON object (name, args, return_text): it must be the text formatter's line.</summary>
internal static class DecodingJsonAgreement
{
    /// <summary>The line the JSON object of <paramref name="record"/> spells, e.g. <c>fcntl(3, F_SETFD, FD_CLOEXEC) = 0</c>.</summary>
    public static string LineFromJson(SyscallJsonFormatter json, SyscallRecord record)
    {
        using var document = JsonDocument.Parse(json.Format(record));
        var root = document.RootElement;
        var line = new StringBuilder(root.GetProperty("name").GetString()).Append('(');
        line.AppendJoin(", ", root.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        return line.Append(") = ").Append(root.GetProperty("return_text").GetString()).ToString();
    }

    /// <summary>A description of the disagreement between the text and JSON renderings of <paramref name="record"/>, or <c>null</c>.</summary>
    public static string? Disagreement(SyscallJsonFormatter json, SyscallRecord record)
    {
        string text = json.Formatter.Format(record);
        string fromJson = LineFromJson(json, record);
        return text == fromJson ? null : $"text: {text}\njson: {fromJson}";
    }
}
