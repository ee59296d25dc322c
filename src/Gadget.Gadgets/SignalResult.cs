namespace Gadget.Gadgets;

/// <summary>What the kernel did with a generated signal (the <c>result</c> of signal:signal_generate, the kernel's <c>enum trace_sig_gen_result</c>).</summary>
public enum SignalResult
{
    /// <summary>Queued for delivery.</summary>
    Delivered = 0,

    /// <summary>Ignored (handler SIG_IGN or default action ignore).</summary>
    Ignored = 1,

    /// <summary>Already pending (a standard signal is not queued twice).</summary>
    AlreadyPending = 2,

    /// <summary>Real-time signal queue overflow.</summary>
    OverflowFail = 3,

    /// <summary>Delivered without its siginfo.</summary>
    LoseInfo = 4,
}
