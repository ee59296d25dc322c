using System.Globalization;
using System.Text;
using System.Text.Json;
using Gadget.CommandLine;
using Gadget.Traceloop;

namespace Traceloop;

/// <summary>
/// The lines <c>traceloop watch</c> writes around a crashed container's history: <c>=== container NAME (ID) exited with
/// code 3: its last N syscalls ===</c> and <c>=== end of NAME ===</c> as text (the name and id escaped: a container
/// chooses its name); with <c>-o json</c>, JSON records of their own (<c>{"type":"container_crashed",...}</c>,
/// <c>{"type":"container_end",...}</c>), so that the output stays JSON Lines.
/// </summary>
internal static class CrashBanner
{
    /// <summary>The line before the history.</summary>
    internal static string Begin(ContainerHistoryEventArgs e, bool json)
    {
        if (!json)
        {
            // The name is the container's to choose (an annotation: nerdctl/name, ...): its control characters (ESC,
            // CR, BEL) are escaped, as the history's strings are, so no container rewrites the operator's terminal.
            return $"=== container {DisplayText.Escape(e.Container.Name)} ({DisplayText.Escape(e.Container.Id)}) {e.ExitStatus}: its last {e.History.Count} syscalls ===";
        }
        return Json("container_crashed", e, w =>
        {
            if (e.ExitStatus.ExitCode is { } code)
            {
                w.WriteNumber("exit_code"u8, code);
            }
            else
            {
                w.WriteNull("exit_code"u8);
            }
            if (e.ExitStatus.Signal is { } signal)
            {
                w.WriteString("signal"u8, Gadget.Traceloop.Decoding.SignalNames.GetName(signal) ?? signal.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                w.WriteNull("signal"u8);
            }
            w.WriteBoolean("core_dumped"u8, e.ExitStatus.CoreDumped);
            w.WriteNumber("syscalls"u8, e.History.Count);
        });
    }

    /// <summary>The line after the history.</summary>
    internal static string End(ContainerHistoryEventArgs e, bool json) =>
        json ? Json("container_end", e, _ => { }) : $"=== end of {DisplayText.Escape(e.Container.Name)} ===";

    private static string Json(string type, ContainerHistoryEventArgs e, Action<Utf8JsonWriter> more)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, type);
            w.WriteString("id"u8, e.Container.Id);
            w.WriteString("name"u8, e.Container.Name);
            more(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
