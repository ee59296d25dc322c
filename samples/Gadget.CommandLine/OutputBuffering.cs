namespace Gadget.CommandLine;

/// <summary>When a tool writes its buffered output (<c>--output-buffering</c>).</summary>
public enum OutputBuffering
{
    /// <summary>
    /// <see cref="Line"/> when standard output is a terminal; otherwise (a pipe, a file) held like <see cref="Full"/>,
    /// and also written at most <see cref="OutputBufferingOption.MaxHold"/> after it was formatted, so that a pipe's
    /// reader sees a quiet stream's lines.
    /// </summary>
    Auto,

    /// <summary>Every line written as soon as it is formatted (at each wake-up: one write per batch of events).</summary>
    Line,

    /// <summary>
    /// Held until some KiB are buffered, a lost-events line is due, or the tool ends (like C stdio's block buffering):
    /// the fewest writes and wake-ups, the longest delay.
    /// </summary>
    Full,
}
