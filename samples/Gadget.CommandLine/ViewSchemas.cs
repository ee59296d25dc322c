using System.Collections.Frozen;
using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>
/// The fields of the gadgets whose records are written in place (<see cref="ViewEventWriter{TEvent, TView}"/>): the
/// same fields as <see cref="GadgetSchemas"/>', read from the view instead of the event object.
/// </summary>
public static class ViewSchemas
{
    // What SignalResult.ToString() gives for each value, made once: Enum.GetName reads the names again after every GC
    // (the runtime keeps a type's enum names in a cache the GC may collect), 544 B each time.
    private static readonly FrozenDictionary<SignalResult, string> SignalResults = Enum.GetValues<SignalResult>().ToFrozenDictionary(r => r, r => r.ToString());

    /// <summary>execsnoop's records.</summary>
    public static ViewSchema<ExecEvent, ExecEventView> ExecSnoop { get; } = new(GadgetSchemas.ExecSnoop, v => v.ToEvent(), v => v.BootTimestamp, v => v.Container,
    [
        .. ViewSchema<ExecEvent, ExecEventView>.ProcessFields(v => v.Process),
        ("ret", (v, o) => o.Number(v.ReturnValue)),
        ("args", (v, o) =>
        {
            o.StartList();
            foreach (var argument in v.Arguments)
            {
                o.Item(argument);
            }
            o.EndList();
        }),
        ("truncated", (v, o) => o.Boolean(v.ArgumentsTruncated)),
    ]);

    /// <summary>exitsnoop's records.</summary>
    public static ViewSchema<ExitEvent, ExitEventView> ExitSnoop { get; } = new(GadgetSchemas.ExitSnoop, v => v.ToEvent(), v => v.BootTimestamp, v => v.Container,
    [
        .. ViewSchema<ExitEvent, ExitEventView>.ProcessFields(v => v.Process),
        ("code", (v, o) => o.Number(v.ExitCode ?? 0)),
        ("sig", (v, o) => o.Text(v.SignalName ?? string.Empty)),
        ("core", (v, o) => o.Boolean(v.CoreDumped)),
        ("status", (v, o) => o.Number(v.ExitStatus)),
        ("age", (v, o) => o.Number(Math.Round(v.Lifetime.TotalSeconds, 6))),
    ]);

    /// <summary>sigsnoop's records.</summary>
    public static ViewSchema<SignalEvent, SignalEventView> SigSnoop { get; } = new(GadgetSchemas.SigSnoop, v => v.ToEvent(), v => v.BootTimestamp, v => v.Container,
    [
        .. ViewSchema<SignalEvent, SignalEventView>.ProcessFields(v => v.Sender),
        ("sig", (v, o) => o.Text(v.SignalName)),
        ("tpid", (v, o) => o.Number(v.TargetPid)),
        ("tcomm", (v, o) => o.Text(v.TargetCommUtf8)),
        ("result", (v, o) => o.Text(SignalResults.GetValueOrDefault(v.Result) ?? v.Result.ToString())),
    ]);

    /// <summary>mountsnoop's records.</summary>
    public static ViewSchema<MountEvent, MountEventView> MountSnoop { get; } = new(GadgetSchemas.MountSnoop, v => v.ToEvent(), v => v.BootTimestamp, v => v.Container,
    [
        .. ViewSchema<MountEvent, MountEventView>.ProcessFields(v => v.Process),
        ("call", (v, o) => o.Text(GadgetSchemas.CallName(v.Operation))),
        ("src", (v, o) => o.Text(v.SourceUtf8)),
        ("target", (v, o) => o.Text(v.TargetUtf8)),
        ("fs", (v, o) => o.Text(v.FileSystemTypeUtf8)),
        ("flags", (v, o) => o.Text(v.FlagNames)),
        ("data", (v, o) => o.Text(v.DataUtf8)),
        ("error", (v, o) => o.Number(v.Error)),
        ("result", (v, o) => o.Text(v.Result)),
    ]);
}
