namespace Gadget.Gadgets;

/// <summary>Whether a DNS message is a question or its answer (the header's QR bit).</summary>
public enum DnsDirection
{
    /// <summary>A query (QR 0).</summary>
    Query = 0,

    /// <summary>A response (QR 1).</summary>
    Response = 1,
}
