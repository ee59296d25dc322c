using System.Globalization;

namespace Gadget.Gadgets;

/// <summary>The names dig gives DNS record types and response codes (RFC 1035, 3596, 6895's registries).</summary>
internal static class DnsNames
{
    /// <summary>A record type's mnemonic, else <c>TYPEn</c> (RFC 3597's form).</summary>
    public static string QueryType(int type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        255 => "ANY",
        257 => "CAA",
        _ => "TYPE" + type.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A response code's name, else <c>RCODEn</c>.</summary>
    public static string ResponseCode(int code) => code switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "RCODE" + code.ToString(CultureInfo.InvariantCulture),
    };
}
