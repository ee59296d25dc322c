using System.Text;

namespace Gadget.Gadgets;

/// <summary>TCP states and flags as the kernel and ss name them.</summary>
public static class TcpText
{
    private static readonly string[] States =
    [
        "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
        "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ];

    private static readonly string[] FlagNames = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

    /// <summary>The kernel's name of <paramref name="state"/> without its TCP_ prefix (ESTABLISHED, LISTEN...); the number for an unknown one.</summary>
    public static string StateName(TcpState state) =>
        (int)state >= 0 && (int)state < States.Length ? States[(int)state] : ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The flags joined by '|' in header order (SYN|ACK), or empty for none.</summary>
    public static string FlagsName(TcpFlags flags)
    {
        if (flags == TcpFlags.None)
        {
            return string.Empty;
        }
        var text = new StringBuilder();
        for (var bit = 0; bit < FlagNames.Length; bit++)
        {
            if (((int)flags & (1 << bit)) != 0)
            {
                text.Append(text.Length == 0 ? string.Empty : "|").Append(FlagNames[bit]);
            }
        }
        return text.ToString();
    }
}
