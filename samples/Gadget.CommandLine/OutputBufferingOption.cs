using System.CommandLine;

namespace Gadget.CommandLine;

/// <summary><c>--output-buffering auto|line|full</c>, and what it means for the process's standard output.</summary>
public static class OutputBufferingOption
{
    /// <summary>How long <see cref="OutputBuffering.Auto"/> holds output at most: 150 ms.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromMilliseconds(150);

    /// <summary>The option (default <see cref="OutputBuffering.Auto"/>).</summary>
    public static Option<OutputBuffering> Create() => new("--output-buffering")
    {
        Description = "when output is written: line (at once), full (every few KiB and at exit, like C stdio to a file), "
            + "auto (line on a terminal; else full, but nothing held longer than " + MaxHold.TotalMilliseconds + " ms)",
        HelpName = "auto|line|full",
        DefaultValueFactory = _ => OutputBuffering.Auto,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            switch (text)
            {
                case "auto":
                    return OutputBuffering.Auto;
                case "line":
                    return OutputBuffering.Line;
                case "full":
                    return OutputBuffering.Full;
                default:
                    r.AddError($"--output-buffering is auto, line or full, not '{text}'.");
                    return OutputBuffering.Auto;
            }
        },
    };

    /// <summary>
    /// <paramref name="buffering"/> for this process's standard output: <see cref="OutputBuffering.Auto"/> becomes
    /// <see cref="OutputBuffering.Line"/> on a terminal (isatty) and stays <see cref="OutputBuffering.Auto"/> otherwise.
    /// </summary>
    public static OutputBuffering ForStandardOutput(OutputBuffering buffering) =>
        buffering == OutputBuffering.Auto && !Console.IsOutputRedirected ? OutputBuffering.Line : buffering;
}
